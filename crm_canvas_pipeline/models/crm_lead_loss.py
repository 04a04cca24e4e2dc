from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_lost_reason import CONTACT_POLICIES

# what the system may set on a loss row after it is written: the restore stamp,
# and the lead it belongs to when stock merge folds duplicates into one lead
SYSTEM_WRITABLE = {"restored_date", "restored_by_id", "lead_id"}
# what the one who lost the lead adds to its row in the transaction that wrote
# it (the Lost wizard's closing note, a stricter policy): never later
COMPLETABLE = {"note", "contact_policy", "retarget_date"}
# what forgetting a prospect erases of their rows (models/crm_lead/privacy.py),
# once their lead is marked forgotten
ERASABLE = {"lead_name", "note", "cancelled_activities"}


class CrmLeadLoss(models.Model):
    _name = "crm.lead.loss"
    _inherit = ["crm.canvas.stage.ordered"]
    _description = "Loss of a lead or opportunity"
    _order = "date desc, id desc"
    _rec_name = "lead_name"

    # a lead of a team outside the canvas may still be deleted the stock way:
    # its losses stay, with the name it had
    lead_id = fields.Many2one(
        "crm.lead", index=True, ondelete="set null", readonly=True, context={"active_test": False}
    )
    lead_name = fields.Char("Lead name", readonly=True)
    reason_id = fields.Many2one("crm.lost.reason", "Lost reason", index=True, ondelete="restrict", readonly=True)
    note = fields.Html("Closing note", sanitize=True, readonly=True)
    cancelled_activities = fields.Text(
        "Cancelled activities", readonly=True, help="The open activities the loss took off the reps' to-do lists."
    )
    contact_policy = fields.Selection(
        CONTACT_POLICIES, "Contact policy", readonly=True, help="The policy applied to the prospect by this loss."
    )
    retarget_date = fields.Date("Re-target from", readonly=True)
    stage_id = fields.Many2one("crm.stage", "Stage at loss", index=True, ondelete="restrict", readonly=True)
    lead_type = fields.Selection(
        [("lead", "Initiative"), ("opportunity", "Opportunity")], "Type at loss", readonly=True
    )
    expected_revenue = fields.Monetary("Expected revenue at loss", currency_field="currency_id", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", index=True, readonly=True)
    team_id = fields.Many2one("crm.team", "Sales team", index=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    date = fields.Datetime("Lost on", required=True, default=fields.Datetime.now, index=True, readonly=True)
    lost_by_id = fields.Many2one("res.users", "Lost by", readonly=True, default=lambda self: self.env.user)
    restored_date = fields.Datetime("Restored on", readonly=True)
    restored_by_id = fields.Many2one("res.users", "Restored by", readonly=True)

    def write(self, vals):
        # loss rows are history: only the system stamps restores and follows
        # merges, completes a row in the transaction that wrote it, and
        # erases the names in the rows of a forgotten prospect
        now = self.env.cr.now()
        completing = set(vals) <= COMPLETABLE and all(loss.date == now for loss in self)
        forgetting = set(vals) <= ERASABLE and all(loss.lead_id.forgotten_date for loss in self)
        if not (self.env.su and (set(vals) <= SYSTEM_WRITABLE or completing or forgetting)):
            raise UserError(self.env._("A loss record is history: it cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("Loss records are never deleted: they are the history the company keeps of its lost prospects.")
        )
