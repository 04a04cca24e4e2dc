from odoo import api, fields, models
from odoo.exceptions import UserError

STAGE_KINDS = [("lead", "Initiative"), ("opportunity", "Opportunity")]
OUTCOMES = [("won", "Won"), ("lost", "Lost")]

# what the system may set on a history row after it is written: the end of the
# stay, and the lead's outcome when it closes or is restored
SYSTEM_WRITABLE = {"date_out", "duration_days", "outcome"}


class CrmLeadStageHistory(models.Model):
    _name = "crm.lead.stage.history"
    _description = "Stay of a lead or opportunity in a stage"
    _order = "date_in desc, id desc"
    _rec_name = "stage_id"

    # the stay outlives its lead: a lead of a team outside the canvas may still
    # be deleted the stock way, its stays are kept for the statistics
    lead_id = fields.Many2one(
        "crm.lead", index=True, ondelete="set null", readonly=True, context={"active_test": False}
    )
    lead_name = fields.Char("Lead name", readonly=True)
    stage_id = fields.Many2one("crm.stage", ondelete="set null", readonly=True)
    stage_kind = fields.Selection(STAGE_KINDS, "Kind", readonly=True)
    lead_type = fields.Selection(STAGE_KINDS, "Type", readonly=True)
    date_in = fields.Datetime("Entered", required=True, index=True, readonly=True, default=fields.Datetime.now)
    date_out = fields.Datetime("Left", readonly=True)
    duration_days = fields.Float(
        "Days in stage", readonly=True, aggregator="avg", help="Days between entering and leaving the stage."
    )
    moved_by_id = fields.Many2one("res.users", "Moved by", readonly=True, default=lambda self: self.env.user)
    team_id = fields.Many2one("crm.team", "Sales team", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True, help="How the lead closed, once it has.")

    _lead_open_idx = models.Index("(lead_id) WHERE date_out IS NULL")

    def write(self, vals):
        # history rows are written once: only the system closes them and
        # records the outcome of their lead
        if not (self.env.su and set(vals) <= SYSTEM_WRITABLE):
            raise UserError(self.env._("A stage history record cannot be changed."))
        return super().write(vals)

    @api.model
    def _close_open_stays(self, lead_ids, now):
        """End the open stays of these leads at `now` (the system does it)."""
        stays = self.search([("lead_id", "in", list(lead_ids)), ("date_out", "=", False)])
        for duration, group in stays.grouped(lambda stay: (now - stay.date_in).total_seconds() / 86400.0).items():
            group.write({"date_out": now, "duration_days": duration})

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Stage history is never deleted: managers analyse how the pipeline moved with it."))
