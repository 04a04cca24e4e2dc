from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged, users

from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestStageHistory(CanvasCommon):
    """One history row per stay in a stage, whatever moved the record."""

    def _stays(self, lead):
        return (
            self.env["crm.lead.stage.history"]
            .sudo()
            .search([("lead_id", "=", lead.id)])
            .sorted(lambda stay: (stay.date_in, stay.id))
        )

    @users("canvas_rep")
    def test_create_opens_a_stay(self):
        lead = self.env["crm.lead"].create({"name": "Fresh", "team_id": self.team_a.id})
        stays = self._stays(lead)
        self.assertEqual(len(stays), 1)
        self.assertEqual(stays.stage_id, self.stage_lead_new)
        self.assertEqual(stays.stage_kind, "lead")
        self.assertEqual(stays.lead_type, "lead")
        self.assertEqual(stays.moved_by_id, self.user_rep)
        self.assertEqual(stays.team_id, self.team_a)
        self.assertFalse(stays.date_out)
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_batch_move_closes_and_opens_stays(self):
        leads = self._leads(3).with_env(self.env)
        leads.write({"stage_id": self.stage_lead_contacted.id})
        for lead in leads:
            stays = self._stays(lead)
            self.assertEqual(stays.stage_id.ids, [self.stage_lead_new.id, self.stage_lead_contacted.id])
            self.assertTrue(stays[0].date_out)
            self.assertFalse(stays[1].date_out)
        # writing the stage a record already has is no move
        leads.write({"stage_id": self.stage_lead_contacted.id})
        self.assertEqual(len(self._stays(leads[0])), 2)
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_promotion_by_moving_is_a_stay_of_the_opportunity(self):
        lead = self._leads(1).with_env(self.env)
        lead.write({"stage_id": self.stage_opp_first.id})
        stays = self._stays(lead)
        self.assertEqual(stays.mapped("stage_kind"), ["lead", "opportunity"])
        self.assertEqual(stays[-1].lead_type, "opportunity")
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_stock_conversion_wizard_writes_a_stay(self):
        lead = self._leads(1).with_env(self.env)
        wizard = (
            self.env["crm.lead2opportunity.partner"]
            .with_context(active_model="crm.lead", active_id=lead.id, active_ids=lead.ids)
            .create({"name": "convert", "action": "create"})
        )
        wizard.action_apply()
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(self._stays(lead).stage_id.ids, [self.stage_lead_new.id, lead.stage_id.id])
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_mass_conversion_writes_the_stays_once(self):
        """Stock's mass conversion converts lead by lead; the stays of the
        converted leads are written in one statement at its end (not one
        per lead), and they are the rows one by one would give."""
        Lead = type(self.env["crm.lead"])
        history_open = Lead._canvas_history_open
        calls = []

        def spy(leads, close=True):
            calls.append(leads.ids)
            return history_open(leads, close=close)

        leads = self._leads(12).with_env(self.env)
        with patch.object(Lead, "_canvas_history_open", spy):
            self.env["crm.lead2opportunity.partner.mass"].with_context(
                active_model="crm.lead", active_ids=leads.ids
            ).create({"deduplicate": False, "user_ids": [(6, 0, self.user_rep.ids)]}).action_mass_convert()
        self.assertEqual(calls, [leads.ids])
        for lead in leads:
            self.assertEqual(lead.type, "opportunity")
            stays = self._stays(lead)
            self.assertEqual(stays.stage_id.ids, [self.stage_lead_new.id, lead.stage_id.id])
            self.assertEqual(stays[0].date_out, stays[1].date_in)
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_team_change_that_changes_the_stage_writes_a_stay(self):
        stage_b = (
            self.env["crm.stage"]
            .sudo()
            .create({"name": "B triage", "stage_kind": "lead", "sequence": -40, "team_ids": [(4, self.team_b.id)]})
        )
        lead = self._leads(1).with_env(self.env)
        lead.sudo().write({"team_id": self.team_b.id, "stage_id": stage_b.id})
        self.assertEqual(self._stays(lead).stage_id.ids, [self.stage_lead_new.id, stage_b.id])
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_won_and_lost_record_their_outcome(self):
        won, lost = self._leads(2).with_env(self.env)
        won.write({"stage_id": self.stage_opp_first.id})
        won.action_set_won()
        self.assertTrue(won.stage_id.is_won)
        self.assertEqual(self._stays(won)[-1].stage_id, won.stage_id)
        self.assertEqual(set(self._stays(won).mapped("outcome")), {"won"})
        lost.action_set_lost()
        self.assertEqual(set(self._stays(lost).mapped("outcome")), {"lost"})
        lost.action_unarchive()
        self.assertEqual(set(self._stays(lost).mapped("outcome")), {False})
        self.assertCanvasInvariants()

    def test_merge_keeps_the_stays_of_the_folded_leads(self):
        leads = self._leads(2, email_from="same@canvas.example.com")
        leads[1].write({"stage_id": self.stage_lead_contacted.id})
        folded_stays = self._stays(leads[0]) | self._stays(leads[1])
        head = leads._merge_opportunity(auto_unlink=True, max_length=None)
        survivors = folded_stays.exists()
        self.assertEqual(survivors, folded_stays, "no stay is deleted by a merge")
        self.assertFalse(survivors.filtered(lambda stay: not stay.lead_id and not stay.date_out))
        self.assertTrue(self._stays(head))
        self.assertCanvasInvariants()

    def test_stays_are_never_deleted_or_edited(self):
        lead = self._leads(1)
        stay = self._stays(lead)
        with self.assertRaisesRegex(UserError, "never deleted"):
            stay.unlink()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            stay.with_user(self.user_manager).write({"stage_id": self.stage_lead_qualified.id})
        # a lead of a team outside the canvas is deleted the stock way; its stays remain
        self.team_b.use_initiative_stages = False
        other = self.env["crm.lead"].create({"name": "Outside", "type": "opportunity", "team_id": self.team_b.id})
        other_stays = self._stays(other)
        other.unlink()
        self.assertTrue(other_stays.exists())
        self.assertTrue(other_stays.date_out, "the stay of a deleted lead is closed")

    def test_rep_sees_only_stays_of_leads_they_can_read(self):
        mine = self._leads(1, email_prefix="mine")
        theirs = self._leads(1, team=self.team_b, user=self.user_rep_all, email_prefix="theirs")
        History = self.env["crm.lead.stage.history"]
        rep_rows = History.with_user(self.user_rep).search([("lead_id", "in", (mine | theirs).ids)])
        self.assertEqual(rep_rows.lead_id, mine)
        with self.assertRaises(AccessError):
            self._stays(theirs).with_user(self.user_rep).read(["stage_id"])
        all_rows = History.with_user(self.user_rep_all).search([("lead_id", "in", (mine | theirs).ids)])
        self.assertEqual(all_rows.lead_id, mine | theirs)
        with self.assertRaises(AccessError):
            History.with_user(self.user_internal).search([])

    def _fresh(self, count):
        self._batch = getattr(self, "_batch", 0) + 1
        leads = self._leads(count, email_prefix="history%s-" % self._batch).with_env(self.env)
        self.env.flush_all()
        self.env.invalidate_all()
        return leads

    @users("canvas_rep")
    def test_batch_move_query_count_does_not_grow(self):
        """Moving 30 records writes their history with the queries that
        moving 3 takes."""
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_notrack=True))
        stage = self.stage_lead_contacted
        self._fresh(3).write({"stage_id": stage.id})  # warm the caches
        few = self._fresh(3)
        small = self._queries(lambda: few.write({"stage_id": stage.id}))
        many = self._fresh(30)
        with self.assertQueryCount(canvas_rep=small + 1):
            many.write({"stage_id": stage.id})
        self.assertEqual(len(self.env["crm.lead.stage.history"].sudo().search([("lead_id", "in", many.ids)])), 60)

    @users("canvas_rep")
    def test_batch_win_query_count_does_not_grow(self):
        """Winning 30 opportunities (history, outcome, customers) costs what
        winning 3 does."""
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_notrack=True))

        def opportunities(count):
            leads = self._fresh(count)
            leads.write({"stage_id": self.stage_opp_first.id})
            self.env.flush_all()
            self.env.invalidate_all()
            return leads

        opportunities(3).write({"stage_id": self.stage_won.id})  # warm the caches
        few = opportunities(3)
        small = self._queries(lambda: few.write({"stage_id": self.stage_won.id}))
        many = opportunities(30)
        with self.assertQueryCount(canvas_rep=small + 1):
            many.write({"stage_id": self.stage_won.id})
        self.assertEqual(set(many.mapped("won_status")), {"won"})

    @users("canvas_rep")
    def test_days_in_current_stage(self):
        lead = self._leads(1, email_prefix="days").with_env(self.env)
        self.assertEqual(lead.canvas_days_in_stage, 0)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_stage_update = now() AT TIME ZONE 'UTC' - interval '3 days 2 hours' "
            "WHERE id = %s",
            [lead.id],
        )
        lead.invalidate_recordset()
        self.assertEqual(lead.canvas_days_in_stage, 3)
        lead.write({"stage_id": self.stage_lead_contacted.id})
        self.assertEqual(lead.canvas_days_in_stage, 0, "a move starts the count again")
