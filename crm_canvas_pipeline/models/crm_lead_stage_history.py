from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

STAGE_KINDS = [("lead", "Initiative"), ("opportunity", "Opportunity")]
OUTCOMES = [("won", "Won"), ("lost", "Lost")]

# what the system may set on a history row after it is written: the end of the
# stay, and the lead's outcome when it closes or is restored
SYSTEM_WRITABLE = {"date_out", "duration_days", "outcome"}
# what forgetting a prospect erases of their stays, once their lead is marked
# forgotten (models/crm_lead/privacy.py)
ERASABLE = {"lead_name"}


class CrmLeadStageHistory(models.Model):
    _name = "crm.lead.stage.history"
    _inherit = ["crm.canvas.stage.ordered"]
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
        # history rows are written once: only the system closes them,
        # records the outcome of their lead and erases a forgotten name
        forgetting = set(vals) <= ERASABLE and all(stay.lead_id.forgotten_date for stay in self)
        if not (self.env.su and (set(vals) <= SYSTEM_WRITABLE or forgetting)):
            raise UserError(self.env._("A stage history record cannot be changed."))
        return super().write(vals)

    @api.model
    def _system_update(self, lead_ids, close_at=None, outcome=None):
        """The system's two updates of existing stays, each one statement
        for the whole batch: end the open stays of these leads at
        `close_at` (their days counted), or give all their stays the
        lead's `outcome` ("won", "lost", or False on a restore).

        In SQL, and only these: through the ORM (a search, then a write of
        each stay), moving a card and losing leads miss the benchmark's
        target (1.15x and 1.12x stock's at 10,000 leads, `make bench`).
        Stays are still created through the ORM."""
        if not lead_ids:
            return
        self.flush_model(["lead_id", "date_in", "date_out", "outcome"])
        now = self.env.cr.now()
        if close_at:
            assignments = SQL(
                "date_out = %(at)s, duration_days = EXTRACT(EPOCH FROM (%(at)s - date_in)) / 86400.0",
                at=close_at,
            )
            where = SQL("date_out IS NULL")
        else:
            assignments, where = SQL("outcome = %s", outcome or None), SQL("TRUE")
        self.env.cr.execute(
            SQL(
                """UPDATE crm_lead_stage_history SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
                    WHERE lead_id IN %(ids)s AND %(where)s""",
                assignments=assignments,
                uid=self.env.uid,
                now=now,
                ids=tuple(lead_ids),
                where=where,
            )
        )
        self.invalidate_model(["date_out", "duration_days", "outcome", "write_uid", "write_date"])

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Stage history is never deleted: managers analyse how the pipeline moved with it."))
