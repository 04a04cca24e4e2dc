from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..tools.input_check import check_input


class CrmLeadTagUpdate(models.TransientModel):
    _name = "crm.lead.tag.update"
    _inherit = ["crm.canvas.lead.selection"]
    _description = "Add or remove tags on leads"

    lead_ids = fields.Many2many("crm.lead", string="Leads", required=True)
    mode = fields.Selection([("add", "Add"), ("remove", "Remove")], required=True, default="add")
    tag_ids = fields.Many2many("crm.tag", string="Tags", required=True)

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, frozenset({"mode"}), vals_list, defaults=True)
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, frozenset({"mode"}), [vals])
        return super().write(vals)

    def action_apply(self):
        """Add or remove the tags on every selected lead, leaving their other
        tags alone: one write for the whole selection."""
        self.ensure_one()
        if not self.lead_ids or not self.tag_ids:
            raise UserError(self.env._("Select some leads and at least one tag."))
        if self.mode == "add":
            commands = [Command.link(tag.id) for tag in self.tag_ids]
        else:
            commands = [Command.unlink(tag.id) for tag in self.tag_ids]
        self.lead_ids.write({"tag_ids": commands})
        return {"type": "ir.actions.act_window_close"}
