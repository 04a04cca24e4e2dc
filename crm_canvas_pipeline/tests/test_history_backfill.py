from datetime import datetime

from odoo.tests import tagged

from ..tools.install_sql import backfill_stage_history
from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestHistoryBackfill(CanvasCommon):
    """The install rebuilds the history of existing leads from stock's
    tracking of their stage."""

    def _log_stage_change(self, lead, old_stage, new_stage, day):
        """A stage change as stock's tracking logs it, on a given day."""
        field = self.env["ir.model.fields"]._get("crm.lead", "stage_id")
        message = lead._message_log(
            body="",
            tracking_value_ids=[
                (
                    0,
                    0,
                    {
                        "field_id": field.id,
                        "old_value_integer": old_stage.id,
                        "new_value_integer": new_stage.id,
                        "old_value_char": old_stage.name,
                        "new_value_char": new_stage.name,
                    },
                )
            ],
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mail_tracking_value SET create_date = %s WHERE mail_message_id = %s", [day, message.id]
        )

    def test_backfill_from_tracking_values(self):
        lead = self.env["crm.lead"].create({"name": "Old deal", "type": "opportunity", "team_id": self.team_a.id})
        lead.write({"stage_id": self.stage_opp_proposal.id})
        lead.write({"stage_id": self.stage_won.id})
        untracked = self._leads(1, email_prefix="untracked")
        self._log_stage_change(lead, self.stage_opp_first, self.stage_opp_proposal, datetime(2026, 1, 3))
        self._log_stage_change(lead, self.stage_opp_proposal, self.stage_won, datetime(2026, 1, 10))
        self.env.flush_all()
        cr = self.env.cr
        # the database as it was before the install: no history
        cr.execute("DELETE FROM crm_lead_stage_history WHERE lead_id IN %s", [tuple((lead | untracked).ids)])
        cr.execute("UPDATE crm_lead SET create_date = %s WHERE id = %s", [datetime(2026, 1, 1), lead.id])
        self.env.invalidate_all()

        backfill_stage_history(self.env)

        History = self.env["crm.lead.stage.history"]
        stays = History.search([("lead_id", "=", lead.id)]).sorted(lambda stay: (stay.date_in, stay.id))
        self.assertEqual(stays.stage_id.ids, [self.stage_opp_first.id, self.stage_opp_proposal.id, self.stage_won.id])
        self.assertEqual(stays.mapped("date_in"), [datetime(2026, 1, 1), datetime(2026, 1, 3), datetime(2026, 1, 10)])
        self.assertEqual(stays.mapped("date_out"), [datetime(2026, 1, 3), datetime(2026, 1, 10), False])
        self.assertEqual(stays.mapped("duration_days"), [2.0, 7.0, 0.0])
        self.assertEqual(set(stays.mapped("outcome")), {"won"})
        self.assertEqual(stays.mapped("stage_kind"), ["opportunity"] * 3)
        untracked_stay = History.search([("lead_id", "=", untracked.id)])
        self.assertEqual(untracked_stay.stage_id, untracked.stage_id)
        self.assertFalse(untracked_stay.date_out)
        self.assertCanvasInvariants()
