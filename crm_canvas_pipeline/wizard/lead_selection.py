from odoo import Command, api, models


class CrmCanvasLeadSelection(models.AbstractModel):
    """The module's wizards on leads (tags, reactivate, forget) open from the
    leads selected in a list or the one open in a form: their `lead_ids`
    default to that selection (the action's active_ids)."""

    _name = "crm.canvas.lead.selection"
    _description = "Wizard on the selected leads"

    @api.model
    def default_get(self, fields_list):
        result = super().default_get(fields_list)
        if (
            "lead_ids" in fields_list
            and not result.get("lead_ids")
            and self.env.context.get("active_model") == "crm.lead"
        ):
            result["lead_ids"] = [Command.set(self.env.context.get("active_ids", []))]
        return result
