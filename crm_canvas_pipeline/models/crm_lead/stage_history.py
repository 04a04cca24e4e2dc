"""Stage history: every stay of a record in a stage is a row (stage, kind,
entered, left, days, who moved it, team, salesperson, outcome once closed),
whatever moved it: a drag, the form, a mass edit, an import, a conversion,
won, lost, a merge. Rows are written through the ORM and never edited
afterwards (but closed, and given their lead's outcome) nor deleted; a
deleted lead's stays remain."""

from collections import defaultdict
from contextlib import contextmanager

from odoo import api, fields, models

from ...tools import system

# leads whose stage changed during a conversion: their stays are written at its end
DEFERRED_HISTORY_CACHE = "crm_canvas_pipeline.deferred_history"
# writing these may move a record to another stage: stock recomputes the
# stage on a change of type or team, the team on a change of salesperson
MOVED_BY = frozenset({"type", "team_id", "user_id"})
HISTORY_KEYS = MOVED_BY | {"stage_id"}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    stage_history_ids = fields.One2many("crm.lead.stage.history", "lead_id", "Stage history", readonly=True)
    canvas_days_in_stage = fields.Integer(
        "Days in stage",
        compute="_compute_canvas_days_in_stage",
        help="Days since the record entered its current stage.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._canvas_history_open(close=False)
        return leads

    def write(self, vals):
        if not HISTORY_KEYS & vals.keys():
            return super().write(vals)
        old_stages = {lead.id: lead.stage_id.id for lead in self}
        result = super().write(vals)
        # the stage written, or recomputed after a change of type or team
        moved = self.filtered(lambda lead: lead.stage_id.id != old_stages[lead.id])
        deferred = self.env.cr.cache.get(DEFERRED_HISTORY_CACHE)
        if deferred is not None:
            deferred.extend(moved.ids)
        else:
            moved._canvas_history_open()
        return result

    def convert_opportunity(self, partner, user_ids=False, team_id=False):
        with self._canvas_history_deferred():
            return super().convert_opportunity(partner, user_ids=user_ids, team_id=team_id)

    @contextmanager
    def _canvas_history_deferred(self):
        """Stock converts lead by lead: the stays of a conversion are written
        once at its end, in one create, rather than one per lead. Kept on
        the cursor, which no client reaches."""
        cache = self.env.cr.cache
        if DEFERRED_HISTORY_CACHE in cache:
            yield
            return
        cache[DEFERRED_HISTORY_CACHE] = moved = []
        try:
            yield
            self.browse(list(dict.fromkeys(moved)))._canvas_history_open()
        finally:
            cache.pop(DEFERRED_HISTORY_CACHE, None)

    def _canvas_history_open(self, close=True):
        """Close the open stays of these records and open one in their
        current stage. The values come from the cache: flushing the leads
        here would split the UPDATEs the ORM groups at the end of the
        request (a conversion writes a lead several times)."""
        leads = self.filtered("stage_id")
        if not leads:
            return
        History = system.own(self.env["crm.lead.stage.history"]).sudo()
        now = self.env.cr.now()
        if close:
            History._system_update(leads.ids, close_at=now)
        History.create(
            [
                {
                    "lead_id": lead.id,
                    "lead_name": lead.name,
                    "stage_id": lead.stage_id.id,
                    "stage_kind": lead.stage_id.stage_kind,
                    "lead_type": lead.type,
                    "team_id": lead.team_id.id,
                    "user_id": lead.user_id.id,
                    "company_id": lead.company_id.id,
                    "outcome": lead._canvas_outcome(),
                    "date_in": now,
                    "moved_by_id": self.env.uid,
                }
                for lead in leads
            ]
        )
        self.invalidate_recordset(["stage_history_ids"])

    def _canvas_outcome(self):
        """ "won" or "lost" if the lead is, else False. An open lead outside
        the won stages is neither: reading `won_status` would compute the
        predictive probability it depends on, which stock computes once at
        the end of the request (a second time per lead in a conversion)."""
        if self.active and not self.stage_id.is_won:
            return False
        return self.won_status if self.won_status in ("won", "lost") else False

    def _handle_won_lost(self, old_status_by_lead, new_status_by_lead):
        """A lead that closes writes its outcome on its stays; a restore
        clears it."""
        result = super()._handle_won_lost(old_status_by_lead, new_status_by_lead)
        outcomes = defaultdict(list)
        for lead in self:
            old = old_status_by_lead.get(lead.id, {})
            new = new_status_by_lead.get(lead.id, {})
            was, now = (
                (bool(old.get("is_won")), bool(old.get("is_lost"))),
                (
                    bool(new.get("is_won")),
                    bool(new.get("is_lost")),
                ),
            )
            if was != now:
                outcomes["won" if now[0] else "lost" if now[1] else False].append(lead.id)
        History = self.env["crm.lead.stage.history"].sudo()
        for outcome, lead_ids in outcomes.items():
            History._system_update(lead_ids, outcome=outcome)
        return result

    @api.depends("date_last_stage_update")
    def _compute_canvas_days_in_stage(self):
        # stock's rotting measures the time in a stage from
        # date_last_stage_update; the days in stage are the whole days since
        # then. The clock, not the transaction's time: reading cards costs no
        # query for it. The cards count the same in the browser
        # (days_in_stage_field.js, proved the same by the tests).
        now = fields.Datetime.now()
        for lead in self:
            since = lead.date_last_stage_update or lead.create_date
            # the stage's date has microseconds, the clock's not: a move in this
            # very second is 0 days, not -1
            lead.canvas_days_in_stage = max((now - since).days, 0) if since else 0

    @api.ondelete(at_uninstall=False)
    def _unlink_close_stage_history(self):
        """A deleted lead's stays are kept (their lead becomes empty): close
        the open one so that its duration is known."""
        self.env["crm.lead.stage.history"].sudo()._system_update(self.ids, close_at=self.env.cr.now())
