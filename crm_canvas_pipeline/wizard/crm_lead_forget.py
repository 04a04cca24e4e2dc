"""Forget contact: the sales manager's wizard that erases a prospect's
personal data at their request (models/crm_lead/privacy.py does it). It
says first what will go, counted per kind, and needs an explicit
confirmation: an erasure cannot be undone."""

from odoo import api, fields, models
from odoo.exceptions import UserError

# {wizard field: the kind of models/crm_lead/privacy.py's plan it counts}
COUNTS = {
    "lead_count": "leads",
    "message_count": "messages",
    "tracking_count": "tracking_values",
    "activity_count": "activities",
    "meeting_count": "meetings",
    "loss_count": "losses",
    "stay_count": "stays",
    "partner_erased_count": "partners_erased",
    "partner_kept_count": "partners_kept",
}


class CrmLeadForget(models.TransientModel):
    _name = "crm.lead.forget"
    _inherit = ["crm.canvas.lead.selection"]
    _description = "Forget a prospect's personal data"

    lead_ids = fields.Many2many("crm.lead", string="Leads", context={"active_test": False}, required=True)
    same_contact = fields.Boolean(
        "Also their other leads", help="Forget as well every other lead with the same email or phone."
    )
    lead_count = fields.Integer("Leads made anonymous", compute="_compute_counts")
    message_count = fields.Integer("Messages cleaned", compute="_compute_counts")
    tracking_count = fields.Integer("Tracked changes erased", compute="_compute_counts")
    activity_count = fields.Integer("Activities cleaned", compute="_compute_counts")
    meeting_count = fields.Integer("Meetings cleaned", compute="_compute_counts")
    loss_count = fields.Integer("Loss records made anonymous", compute="_compute_counts")
    stay_count = fields.Integer("Stage history rows made anonymous", compute="_compute_counts")
    partner_erased_count = fields.Integer("Contacts deleted", compute="_compute_counts")
    partner_kept_count = fields.Integer(
        "Contacts unlinked and kept",
        compute="_compute_counts",
        help="Other documents refer to them: an administrator decides what to erase of them.",
    )
    confirmed = fields.Boolean("I confirm: erase this personal data, it cannot be undone")

    @api.depends("lead_ids", "same_contact")
    def _compute_counts(self):
        for wizard in self:
            leads = wizard.lead_ids._origin._canvas_forget_scope(wizard.same_contact)
            plan = leads._canvas_forget_plan() if leads else {}
            for fname, kind in COUNTS.items():
                wizard[fname] = len(plan.get(kind, ()))

    def action_forget(self):
        self.ensure_one()
        if not self.confirmed:
            raise UserError(self.env._("Tick the confirmation first: an erasure cannot be undone."))
        counts = self.lead_ids._canvas_forget_scope(self.same_contact)._canvas_forget()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Personal data erased from %(leads)s leads; %(partners)s contacts deleted.",
                    leads=counts["leads"],
                    partners=counts["partners_erased"],
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
