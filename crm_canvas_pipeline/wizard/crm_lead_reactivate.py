from odoo import fields, models


class CrmLeadReactivate(models.TransientModel):
    _name = "crm.lead.reactivate"
    _inherit = ["crm.canvas.lead.selection"]
    _description = "Reactivate lost leads"

    lead_ids = fields.Many2many("crm.lead", string="Leads", context={"active_test": False}, required=True)
    stage_id = fields.Many2one(
        "crm.stage", help="Where the leads go back to; empty: each one returns to its stage at loss."
    )
    user_id = fields.Many2one("res.users", "Salesperson", domain=[("share", "=", False)])
    activity_type_id = fields.Many2one(
        "mail.activity.type", "Next action", domain=[("res_model", "in", [False, "crm.lead"])]
    )
    activity_date = fields.Date("Due on", default=fields.Date.context_today)
    activity_summary = fields.Char("Summary")

    def action_reactivate(self):
        """Bring lost leads of the re-target pool back: restore them (into
        the chosen stage), assign a salesperson, plan a first next action
        (models/crm_lead/retarget.py)."""
        self.ensure_one()
        self.lead_ids._canvas_reactivate(
            stage=self.stage_id,
            user=self.user_id,
            activity={
                "activity_type_id": self.activity_type_id.id,
                "date_deadline": self.activity_date,
                "summary": self.activity_summary,
            },
        )
        return {"type": "ir.actions.act_window_close"}
