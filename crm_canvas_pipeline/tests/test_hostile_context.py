"""A salesman's JSON-RPC client sends whatever context it likes: every key
the module ever read, stock's keys, defaults. No rule, check or side effect
of the module gives way: each test attacks one promise with every hostile
context in turn."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import HOSTILE_CONTEXTS, CanvasRpcCase


@tagged("post_install", "-at_install")
class TestHostileContext(CanvasRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_dnc = cls.env.ref("crm_canvas_pipeline.lost_reason_do_not_contact")
        cls.reason_expensive = cls.env.ref("crm.lost_reason_1")
        cls.reason_unreachable = cls.env.ref("crm_canvas_pipeline.lost_reason_not_reachable")
        revenue = cls.env["ir.model.fields"]._get("crm.lead", "expected_revenue")
        cls.stage_opp_proposal.required_field_ids = [Command.set(revenue.ids)]
        cls.stage_opp_second = cls.env["crm.stage"].create({"name": "Canvas qualify", "sequence": 10})

    def _opportunity(self, name="Hostile deal"):
        return self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "team_id": self.team_a.id,
                "user_id": self.user_rep.id,
                "stage_id": self.stage_opp_first.id,
                "email_from": "%s@hostile.example.com" % name.replace(" ", "."),
            }
        )

    def test_rep_cannot_lift_do_not_contact_with_any_context(self):
        lead = self._leads(1, email_prefix="hostile-lift", phone="+34 600 555 001")
        lead.with_user(self.user_rep).write({"contact_policy": "do_not_contact"})
        for context in HOSTILE_CONTEXTS:
            for vals in ({"contact_policy": "allowed"}, {"contact_policy": "retarget", "retarget_date": "2020-01-01"}):
                self.rpc_as("canvas_rep", "crm.lead", "write", [lead.ids, vals], context=context, expect=AccessError)
                self.assertEqual(lead.contact_policy, "do_not_contact")
        self.assertTrue(lead.is_blacklisted)
        self.assertCanvasInvariants()

    def test_loss_for_a_do_not_contact_reason_marks_the_prospect_with_any_context(self):
        for index, context in enumerate(HOSTILE_CONTEXTS):
            lead = self._leads(1, email_prefix="hostile-loss%s-" % index)
            self.rpc_as(
                "canvas_rep",
                "crm.lead",
                "action_set_lost",
                [lead.ids],
                {"lost_reason_id": self.reason_dnc.id},
                context=context,
            )
            self.assertEqual(lead.won_status, "lost")
            self.assertEqual(lead.contact_policy, "do_not_contact")
            self.assertEqual(lead.loss_ids.contact_policy, "do_not_contact")
            self.assertTrue(lead.is_blacklisted)
        self.assertCanvasInvariants()

    def test_loss_rows_and_policy_come_from_the_loss_never_from_the_context(self):
        """A loss by a plain write (import, RPC) records the lead's own
        reason, no forged note, and the reason's re-target policy."""
        for index, context in enumerate(HOSTILE_CONTEXTS):
            lead = self._leads(1, email_prefix="hostile-row%s-" % index)
            self.rpc_as(
                "canvas_rep",
                "crm.lead",
                "write",
                [lead.ids, {"active": False, "probability": 0, "lost_reason_id": self.reason_expensive.id}],
                context=context,
            )
            loss = lead.loss_ids
            self.assertEqual(len(loss), 1)
            self.assertEqual(loss.reason_id, self.reason_expensive)
            self.assertFalse(loss.note)
            self.assertEqual(lead.contact_policy, "retarget")
            self.assertTrue(lead.retarget_date)
        self.assertCanvasInvariants()

    def test_rep_cannot_skip_stage_rules_with_any_context(self):
        deal = self._opportunity()
        for context in HOSTILE_CONTEXTS:
            self.rpc_as(
                "canvas_rep",
                "crm.lead",
                "write",
                [deal.ids, {"stage_id": self.stage_opp_proposal.id}],
                context=context,
                expect=UserError,
            )
            self.assertEqual(deal.stage_id, self.stage_opp_first)
        self.assertCanvasInvariants()

    def test_opportunity_never_lands_in_an_initiative_stage_with_any_context(self):
        deal = self._opportunity()
        for context in HOSTILE_CONTEXTS:
            for vals in (
                {"stage_id": self.stage_lead_new.id, "type": "opportunity"},
                {"stage_id": self.stage_lead_new.id},
            ):
                self.rpc_as("canvas_rep", "crm.lead", "write", [deal.ids, vals], context=context, expect=UserError)
                self.assertEqual(deal.stage_id, self.stage_opp_first)
                self.assertEqual(deal.type, "opportunity")
        self.assertCanvasInvariants()

    def test_every_move_has_its_history_row_with_any_context(self):
        deal = self._opportunity()
        stays = len(deal.stage_history_ids)
        for context in HOSTILE_CONTEXTS:
            target = self.stage_opp_second if deal.stage_id == self.stage_opp_first else self.stage_opp_first
            self.rpc_as("canvas_rep", "crm.lead", "write", [deal.ids, {"stage_id": target.id}], context=context)
            self.assertEqual(deal.stage_id, target)
            stays += 1
            self.assertEqual(len(deal.stage_history_ids), stays)
            current = deal.stage_history_ids.filtered(lambda stay: not stay.date_out)
            self.assertEqual(current.stage_id, target)
        self.assertCanvasInvariants()

    def test_open_opportunity_keeps_a_next_action_with_any_context(self):
        self.env["ir.config_parameter"].set_param("crm_canvas_pipeline.require_next_action", "True")
        deal = self._opportunity()
        activity = deal.activity_schedule("mail.mail_activity_data_call", user_id=self.user_rep.id)
        for context in HOSTILE_CONTEXTS:
            for method in ("action_feedback", "unlink"):
                self.rpc_as("canvas_rep", "mail.activity", method, [activity.ids], context=context, expect=UserError)
                self.assertTrue(activity.exists() and activity.active)
        self.assertCanvasInvariants()

    def test_lost_wizard_policy_is_the_wizard_s_with_any_context(self):
        """A policy looser than the reason's is refused, whatever the context."""
        for index, context in enumerate(HOSTILE_CONTEXTS):
            lead = self._leads(1, email_prefix="hostile-wizard%s-" % index)
            wizard = self.rpc_as(
                "canvas_rep",
                "crm.lead.lost",
                "create",
                [[{"lead_ids": [(6, 0, lead.ids)], "lost_reason_id": self.reason_dnc.id, "lost_feedback": "<p>No</p>"}]],
            )
            self.rpc_as("canvas_rep", "crm.lead.lost", "write", [wizard, {"contact_policy": "none"}], context=context)
            self.rpc_as(
                "canvas_rep",
                "crm.lead.lost",
                "action_lost_reason_apply",
                [wizard],
                context=context,
                expect=UserError,
            )
            self.assertEqual(lead.won_status, "pending")
            self.assertFalse(lead.loss_ids)
        self.assertCanvasInvariants()
