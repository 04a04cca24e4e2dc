from datetime import timedelta

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import Form, tagged, users

from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestLostArchive(CanvasCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_dnc = cls.env.ref("crm_canvas_pipeline.lost_reason_do_not_contact")
        cls.reason_expensive = cls.env.ref("crm.lost_reason_1")
        cls.reason_unreachable = cls.env.ref("crm_canvas_pipeline.lost_reason_not_reachable")

    def _lose(self, leads, reason, note="<p>Checked with the customer</p>", policy=None):
        wizard = Form(self.env["crm.lead.lost"].with_context(active_model="crm.lead", default_lead_ids=leads.ids))
        wizard.lost_reason_id = reason
        if policy:
            wizard.contact_policy = policy
        wizard.lost_feedback = note
        return wizard.save().action_lost_reason_apply()

    def test_reasons_carry_a_policy(self):
        self.assertEqual(self.reason_expensive.contact_policy, "retarget")
        self.assertEqual(self.reason_expensive.retarget_days, 180)
        self.assertEqual(self.reason_dnc.contact_policy, "do_not_contact")
        self.assertTrue(self.reason_dnc.note_required)
        with self.assertRaisesRegex(ValidationError, "number of days"):
            self.env["crm.lost.reason"].create({"name": "Bad", "contact_policy": "retarget"})

    @users("canvas_rep")
    def test_loss_writes_history_row(self):
        lead = self._leads(1, expected_revenue=1200).with_env(self.env)
        lead.write({"stage_id": self.stage_lead_contacted.id})
        self._lose(lead, self.reason_unreachable)
        self.assertEqual(lead.won_status, "lost")
        loss = lead.loss_ids
        self.assertEqual(len(loss), 1)
        self.assertEqual(loss.reason_id, self.reason_unreachable)
        self.assertIn("Checked with the customer", loss.note)
        self.assertEqual(loss.stage_id, self.stage_lead_contacted)
        self.assertEqual(loss.lead_type, "lead")
        self.assertEqual(loss.expected_revenue, 1200)
        self.assertEqual(loss.user_id, self.user_rep)
        self.assertEqual(loss.team_id, self.team_a)
        self.assertEqual(loss.lost_by_id, self.user_rep)
        self.assertFalse(loss.restored_date)

    @users("canvas_rep")
    def test_reason_required_and_note_required(self):
        lead = self._leads(1).with_env(self.env)
        wizard = self.env["crm.lead.lost"].create({"lead_ids": lead.ids})
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_lost_reason_apply()
        wizard = self.env["crm.lead.lost"].create({"lead_ids": lead.ids, "lost_reason_id": self.reason_dnc.id})
        with self.assertRaisesRegex(UserError, "closing note"):
            wizard.action_lost_reason_apply()
        self.assertEqual(lead.won_status, "pending")
        self.assertFalse(lead.loss_ids)

    def test_reason_optional_setting(self):
        self.env["ir.config_parameter"].set_param("crm_canvas_pipeline.loss_reason_optional", "True")
        lead = self._leads(1)
        self.env["crm.lead.lost"].create({"lead_ids": lead.ids}).action_lost_reason_apply()
        self.assertEqual(lead.won_status, "lost")
        self.assertFalse(lead.loss_ids.reason_id)

    @users("canvas_rep")
    def test_policy_can_be_tightened_not_loosened(self):
        lead = self._leads(1).with_env(self.env)
        wizard = self.env["crm.lead.lost"].create(
            {"lead_ids": lead.ids, "lost_reason_id": self.reason_dnc.id, "lost_feedback": "<p>Asked</p>"}
        )
        wizard.contact_policy = "retarget"
        with self.assertRaisesRegex(UserError, "stricter"):
            wizard.action_lost_reason_apply()
        other = self._leads(1, email_prefix="tight").with_env(self.env)
        self._lose(other, self.reason_expensive, policy="do_not_contact")
        self.assertEqual(other.contact_policy, "do_not_contact")

    @users("canvas_rep")
    def test_retarget_policy_sets_date(self):
        lead = self._leads(1).with_env(self.env)
        self._lose(lead, self.reason_expensive)
        self.assertEqual(lead.contact_policy, "retarget")
        self.assertEqual((lead.retarget_date - lead.loss_ids.date.date()).days, 180)

    @users("canvas_rep")
    def test_retarget_in_a_mixed_batch_is_on_the_loss_row(self):
        """The re-target policy goes into stock's own lost write (the loss
        row says it, the loss's message does not repeat it); leads that
        asked not to be contacted keep their policy, and a lead lost already
        is not lost again (one loss row) but takes the policy of its new
        reason."""
        self.env = self.env(context=dict(self.env.context, tracking_disable=False))
        fresh, unwilling, lost_before = self._leads(3).with_env(self.env)
        unwilling.with_user(self.user_manager).write({"contact_policy": "do_not_contact"})
        lost_before.action_set_lost(lost_reason_id=self.reason_unreachable.id)
        self.assertEqual(lost_before.contact_policy, "allowed")
        # as if created in an earlier transaction: mail tracks no record the
        # transaction created
        self.env.flush_all()
        self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
        self._lose(fresh | unwilling | lost_before, self.reason_expensive, note="<p>Over <b>budget</b></p>")
        self.assertEqual(fresh.contact_policy, "retarget")
        self.assertEqual((fresh.retarget_date - fresh.loss_ids.date.date()).days, 180)
        self.assertEqual(unwilling.contact_policy, "do_not_contact")
        self.assertFalse(unwilling.retarget_date)
        self.assertEqual(lost_before.contact_policy, "retarget")
        self.assertEqual(len(lost_before.loss_ids), 1)
        self.assertEqual(lost_before.loss_ids.reason_id, self.reason_unreachable)
        self.assertEqual(fresh.loss_ids.note, "<p>Over <b>budget</b></p>")
        self.assertEqual(fresh.loss_ids.contact_policy, "retarget")
        self.assertEqual(unwilling.loss_ids.contact_policy, "retarget")
        self.assertEqual(fresh.lost_reason_id, self.reason_expensive)
        self.env.flush_all()
        self.env.cr.precommit.run()  # the tracking messages, as at commit
        # the loss's own message says it is lost; the policy and date it set
        # are on its loss row and the form, not tracked again
        won_status = self.env["ir.model.fields"]._get("crm.lead", "won_status")
        tracked = fresh.sudo().message_ids.tracking_value_ids
        self.assertIn(won_status, tracked.field_id)
        policy_field = self.env["ir.model.fields"]._get("crm.lead", "contact_policy")
        date_field = self.env["ir.model.fields"]._get("crm.lead", "retarget_date")
        self.assertNotIn(policy_field, tracked.field_id)
        self.assertNotIn(date_field, tracked.field_id)
        # edited by hand, they are
        fresh.retarget_date = fresh.retarget_date + timedelta(days=30)
        fresh.contact_policy = "do_not_contact"
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = fresh.sudo().message_ids.tracking_value_ids
        self.assertIn(date_field, tracked.field_id)
        self.assertIn(policy_field, tracked.field_id)
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_do_not_contact_blacklists_and_blocks_activities(self):
        lead = self._leads(1, phone="+34 600 123 456").with_env(self.env)
        self._lose(lead, self.reason_dnc)
        self.assertEqual(lead.contact_policy, "do_not_contact")
        self.assertTrue(lead.is_blacklisted)
        self.assertTrue(
            self.env["phone.blacklist"].sudo().search_count([("number", "=", lead.phone_sanitized)]),
        )
        with self.assertRaisesRegex(UserError, "asked not to be contacted"):
            lead.activity_schedule("mail.mail_activity_data_call", summary="Call again")
        # the rep has no rights on the blacklists themselves
        with self.assertRaises(AccessError):
            self.env["mail.blacklist"].create({"email": "someone@example.com"})
        # restoring does not undo the wish
        lead.action_restore()
        self.assertEqual(lead.won_status, "pending")
        self.assertEqual(lead.contact_policy, "do_not_contact")
        self.assertTrue(lead.is_blacklisted)
        self.assertCanvasInvariants()

    def test_manager_allows_contact_again_logged(self):
        lead = self._leads(1)
        self._lose(lead, self.reason_dnc)
        with self.assertRaises(AccessError):
            lead.with_user(self.user_rep).action_canvas_allow_contact()
        lead.with_user(self.user_manager).action_canvas_allow_contact()
        self.assertEqual(lead.contact_policy, "allowed")
        self.assertFalse(lead.is_blacklisted)
        self.assertIn("Contact allowed again", lead.message_ids[0].body)

    def test_do_not_contact_written_directly_means_the_same(self):
        """Form, mass edit, import or RPC: setting do-not-contact blacklists
        the prospect and cancels their activities; a rep cannot lift it by
        writing the field, a manager's write lifts it like the button."""
        lead, imported = self._leads(2)
        lead.activity_schedule("mail.mail_activity_data_call")
        lead.with_user(self.user_rep).write({"contact_policy": "do_not_contact"})
        self.assertTrue(lead.is_blacklisted)
        self.assertFalse(lead.activity_ids)
        with self.assertRaises(AccessError):
            lead.with_user(self.user_rep).write({"contact_policy": "allowed"})
        self.assertEqual(lead.contact_policy, "do_not_contact")
        created = self.env["crm.lead"].create(
            {
                "name": "Imported wish",
                "email_from": "imported.wish@canvas.example.com",
                "contact_policy": "do_not_contact",
            }
        )
        self.assertTrue(created.is_blacklisted)
        self.assertCanvasInvariants()
        lead.with_user(self.user_manager).write({"contact_policy": "allowed"})
        self.assertFalse(lead.is_blacklisted)
        self.assertIn("Contact allowed again", lead.message_ids[0].body)
        self.assertFalse(imported.is_blacklisted)
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_loss_cancels_open_activities(self):
        lead = self._leads(1).with_env(self.env)
        lead.activity_schedule("mail.mail_activity_data_call", summary="Call about the offer")
        self._lose(lead, self.reason_unreachable)
        self.assertFalse(lead.with_context(active_test=False).activity_ids)
        # what was planned stays with the loss, not in a message per lead
        self.assertIn("Call about the offer", lead.loss_ids.cancelled_activities)
        self.assertFalse(any("Call about the offer" in body for body in lead.message_ids.mapped("body")))

    def test_keep_activities_setting(self):
        self.env["ir.config_parameter"].set_param("crm_canvas_pipeline.loss_keep_activities", "True")
        lead = self._leads(1)
        lead.activity_schedule("mail.mail_activity_data_call", summary="Keep me")
        self._lose(lead, self.reason_unreachable)
        self.assertEqual(lead.activity_ids.summary, "Keep me")

    @users("canvas_rep")
    def test_lost_restored_lost_again_two_rows(self):
        lead = self._leads(1).with_env(self.env)
        self._lose(lead, self.reason_unreachable)
        lead.action_restore()
        self.assertTrue(lead.loss_ids.restored_date)
        self.assertEqual(lead.loss_ids.restored_by_id, self.user_rep)
        self._lose(lead, self.reason_expensive)
        self.assertEqual(len(lead.loss_ids), 2)
        self.assertEqual(set(lead.loss_ids.mapped("reason_id")), {self.reason_unreachable, self.reason_expensive})
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_losses_are_never_changed_or_deleted(self):
        lead = self._leads(1).with_env(self.env)
        self._lose(lead, self.reason_unreachable)
        loss = lead.loss_ids
        with self.assertRaisesRegex(UserError, "history"):
            loss.write({"note": "<p>rewritten</p>"})
        with self.assertRaises(AccessError):
            loss.unlink()
        with self.assertRaises(UserError):
            lead.unlink()
        # not even a manager, nor the superuser
        with self.assertRaises(UserError):
            loss.sudo().write({"reason_id": self.reason_dnc.id})
        with self.assertRaises(UserError):
            loss.sudo().unlink()
        with self.assertRaises(UserError):
            lead.sudo().unlink()
        self.assertTrue(loss.exists())

    def test_team_outside_canvas_deletes_as_stock_and_keeps_losses(self):
        classic = self.env["crm.team"].create({"name": "Classic", "use_leads": True})
        lead = self.env["crm.lead"].create({"name": "Classic lost", "type": "lead", "team_id": classic.id})
        lead.action_set_lost(lost_reason_id=self.reason_unreachable.id)
        loss = lead.loss_ids
        lead.unlink()
        self.assertTrue(loss.exists())
        self.assertEqual(loss.lead_name, "Classic lost")
        self.assertEqual(loss.display_name, "Classic lost")
        self.assertEqual(loss.reason_id, self.reason_unreachable)

    def test_batch_loss_of_1000(self):
        leads = self._leads(1000)
        leads.action_set_lost(lost_reason_id=self.reason_expensive.id)
        self.assertEqual(len(leads.loss_ids), 1000)
        self.assertEqual(set(leads.mapped("contact_policy")), {"retarget"})
        self.assertCanvasInvariants()

    def test_returning_prospect_recognised(self):
        old = self._leads(1, email_prefix="back")
        self._lose(old, self.reason_expensive)
        new = self.env["crm.lead"].create({"name": "Again", "email_from": "back0@canvas.example.com"})
        self.assertEqual(new.previous_loss_id, old.loss_ids)
        self.assertEqual(new.previous_loss_reason_id, self.reason_expensive)
        self.assertEqual(new.contact_policy, "allowed")

    def test_returning_do_not_contact_prospect_keeps_wish_on_import(self):
        old = self._leads(1, email_prefix="dnc", phone="+34 600 999 000")
        self._lose(old, self.reason_dnc)
        result = self.env["crm.lead"].load(["name", "phone"], [["Re-imported", "+34 600 999 000"]])
        new = self.env["crm.lead"].browse(result["ids"])
        self.assertEqual(new.contact_policy, "do_not_contact")
        self.assertEqual(new.previous_loss_reason_id, self.reason_dnc)
        self.assertCanvasInvariants()

    def test_merge_moves_losses_to_survivor(self):
        lost = self._leads(1, email_prefix="merge")
        lost.action_set_lost(lost_reason_id=self.reason_unreachable.id)
        loss = lost.loss_ids
        survivor = self.env["crm.lead"].create(
            {
                "name": "Survivor",
                "type": "opportunity",
                "team_id": self.team_a.id,
                "email_from": "merge0@canvas.example.com",
            }
        )
        merged = (survivor | lost).merge_opportunity(auto_unlink=True)
        self.assertEqual(merged, survivor)
        self.assertFalse(lost.exists())
        self.assertEqual(loss.lead_id, survivor)
        self.assertCanvasInvariants()

    def test_record_id_zero_is_missing_not_a_crash(self):
        """A JSON-RPC client may send id 0: archiving or losing it is a
        clear MissingError, not stock's scoring crashing on it."""
        for call in (
            lambda leads: leads.write({"active": False}),
            lambda leads: leads.action_set_lost(lost_reason_id=self.reason_unreachable.id),
        ):
            with self.assertRaises(MissingError):
                call(self.env["crm.lead"].browse([0]))

    def test_retarget_pool_and_reactivate(self):
        due = self._leads(1, email_prefix="due")
        due.action_set_lost(lost_reason_id=self.reason_unreachable.id)
        later = self._leads(1, email_prefix="later")
        later.action_set_lost(lost_reason_id=self.reason_expensive.id)
        dnc = self._leads(1, email_prefix="never")
        self._lose(dnc, self.reason_dnc)
        action = self.env.ref("crm_canvas_pipeline.crm_lead_action_retarget_pool")
        domain = [
            ("won_status", "=", "lost"),
            ("retarget_exclusion", "=", False),
            "|",
            ("retarget_date", "=", False),
            ("retarget_date", "<=", "2999-01-01"),
        ]
        self.assertIn("won_status", action.domain)
        pool = self.env["crm.lead"].with_context(active_test=False).search(domain)
        self.assertIn(due, pool)
        self.assertIn(later, pool)
        self.assertNotIn(dnc, pool)
        wizard = (
            self.env["crm.lead.reactivate"]
            .with_user(self.user_rep)
            .with_context(active_model="crm.lead", active_ids=due.ids)
            .create(
                {
                    "stage_id": self.stage_lead_qualified.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                    "activity_summary": "Win them back",
                }
            )
        )
        wizard.action_reactivate()
        self.assertEqual(due.won_status, "pending")
        self.assertEqual(due.stage_id, self.stage_lead_qualified)
        self.assertEqual(due.activity_ids.summary, "Win them back")
        self.assertTrue(due.loss_ids.restored_date)
        refused = self.env["crm.lead.reactivate"].with_context(active_model="crm.lead", active_ids=dnc.ids).create({})
        with self.assertRaisesRegex(UserError, "may not be contacted again"):
            refused.action_reactivate()
        self.assertCanvasInvariants()

    def test_rep_sees_only_own_losses(self):
        mine = self._leads(1, email_prefix="mine")
        theirs = self._leads(1, email_prefix="theirs", user=self.user_rep_all, team=self.team_b)
        (mine | theirs).action_set_lost(lost_reason_id=self.reason_unreachable.id)
        visible = self.env["crm.lead.loss"].with_user(self.user_rep).search([("lead_id", "in", (mine | theirs).ids)])
        self.assertEqual(visible.lead_id, mine)
        visible_all = (
            self.env["crm.lead.loss"].with_user(self.user_rep_all).search([("lead_id", "in", (mine | theirs).ids)])
        )
        self.assertEqual(len(visible_all), 2)


@tagged("post_install", "-at_install")
class TestLostArchiveQueries(CanvasCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_expensive = cls.env.ref("crm.lost_reason_1")

    def _fresh(self, count):
        self._batch = getattr(self, "_batch", 0) + 1
        leads = self._leads(count, email_prefix="loss%s-" % self._batch).with_env(self.env)
        for lead in leads:
            lead.activity_schedule("mail.mail_activity_data_call", summary="Call %s" % lead.name)
        self.env.flush_all()
        self.env.invalidate_all()
        return leads

    @users("canvas_rep")
    def test_batch_loss_query_count_does_not_grow(self):
        """Losing 40 leads (loss rows, policy, cancelled activities) costs
        what losing 5 does; only field tracking is per record in stock."""
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_notrack=True))
        reason = self.reason_expensive.id
        self._fresh(5).action_set_lost(lost_reason_id=reason)  # warm the caches
        few = self._fresh(5)
        self.env.flush_all()
        self.env.cr.flush()
        count0 = self.env.cr.sql_log_count
        few.action_set_lost(lost_reason_id=reason)
        self.env.flush_all()
        self.env.cr.flush()
        small = self.env.cr.sql_log_count - count0
        many = self._fresh(40)
        with self.assertQueryCount(canvas_rep=small + 1):
            many.action_set_lost(lost_reason_id=reason)
        self.assertEqual(len(many.loss_ids), 40)
        self.assertFalse(many.with_context(active_test=False).activity_ids)
