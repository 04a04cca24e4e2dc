"""A salesman's JSON-RPC client sends whatever context it likes: every key
the module ever read, stock's keys, defaults. No rule, check or side effect
of the module gives way: each test attacks one promise with every hostile
context in turn."""

from datetime import timedelta

from odoo import Command
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..tools import system
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
            self.assertFalse(loss.restored_date)
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
            self.assertFalse(current.outcome)
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
                [
                    [
                        {
                            "lead_ids": [(6, 0, lead.ids)],
                            "lost_reason_id": self.reason_dnc.id,
                            "lost_feedback": "<p>No</p>",
                        }
                    ]
                ],
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


@tagged("post_install", "-at_install")
class TestHostilePaths(CanvasRpcCase):
    """Other ways round a promise, over JSON-RPC as the rep."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_dnc = cls.env.ref("crm_canvas_pipeline.lost_reason_do_not_contact")
        cls.reason_expensive = cls.env.ref("crm.lost_reason_1")
        cls.stage_opp_first.requires_next_action = True
        cls.team_other = cls.env["crm.team"].create(
            {"name": "Hostile team", "use_leads": True, "use_initiative_stages": True}
        )
        cls.stage_other = cls.env["crm.stage"].create(
            {"name": "Hostile other team", "sequence": 60, "team_ids": [Command.set(cls.team_other.ids)]}
        )
        # a team of stock CRM (no initiative stages), with a pipeline stage of its own
        cls.user_classic = mail_new_test_user(
            cls.env, login="hostile_classic", name="Carla Classic", groups="sales_team.group_sale_salesman"
        )
        cls.team_classic = cls.env["crm.team"].create(
            {"name": "Hostile classic", "use_leads": True, "member_ids": [Command.set(cls.user_classic.ids)]}
        )
        cls.stage_classic = cls.env["crm.stage"].create(
            {"name": "Hostile classic intake", "sequence": -10, "team_ids": [Command.set(cls.team_classic.ids)]}
        )

    def test_an_assignee_alone_is_no_next_action(self):
        lead = self._leads(1, email_prefix="hostile-assignee")
        self.rpc_as(
            "canvas_rep",
            "crm.lead",
            "write",
            [lead.ids, {"stage_id": self.stage_opp_first.id, "next_action_user_id": self.user_rep.id}],
            expect=UserError,
        )
        self.assertEqual(lead.stage_id, self.stage_lead_new)

    def test_a_conversion_by_type_meets_the_rules_of_the_stage_it_lands_in(self):
        lead = self._leads(1, email_prefix="hostile-type")
        self.rpc_as("canvas_rep", "crm.lead", "write", [lead.ids, {"type": "opportunity"}], expect=UserError)
        self.assertEqual((lead.type, lead.stage_id), ("lead", self.stage_lead_new))

    def test_a_move_by_a_change_of_team_or_salesperson_has_its_history_row(self):
        """Stock recomputes the stage when the team changes, and the team when
        the salesperson does: the stay is written all the same."""
        by_team, by_user = self._leads(2, email_prefix="hostile-team")
        self.rpc_as("canvas_manager", "crm.lead", "write", [by_team.ids, {"team_id": self.team_classic.id}])
        self.rpc_as("canvas_manager", "crm.lead", "write", [by_user.ids, {"user_id": self.user_classic.id}])
        for lead in by_team | by_user:
            self.assertEqual((lead.team_id, lead.stage_id), (self.team_classic, self.stage_classic))
            self.assertEqual(
                lead.stage_history_ids.filtered(lambda stay: not stay.date_out).stage_id, self.stage_classic
            )
        self.assertCanvasInvariants()

    def test_move_rules_cover_the_stages_of_other_teams(self):
        self.env["ir.config_parameter"].set_param("crm_canvas_pipeline.forbid_skip", "True")
        deal = self.env["crm.lead"].create(
            {
                "name": "Hostile deal",
                "type": "opportunity",
                "team_id": self.team_a.id,
                "user_id": self.user_rep.id,
                "stage_id": self.stage_opp_proposal.id,
            }
        )
        self.rpc_as("canvas_rep", "crm.lead", "write", [deal.ids, {"stage_id": self.stage_other.id}], expect=UserError)
        self.assertEqual(deal.stage_id, self.stage_opp_proposal)

    def test_a_copy_keeps_the_prospect_s_wish(self):
        lead = self._leads(1, email_prefix="hostile-copy", phone="+34 600 555 002")
        lead.write({"contact_policy": "do_not_contact"})
        copy_ids = self.rpc_as("canvas_rep", "crm.lead", "copy", [lead.ids])
        copy = self.env["crm.lead"].browse(copy_ids)
        self.assertEqual(copy.contact_policy, "do_not_contact")
        self.rpc_as(
            "canvas_rep",
            "crm.lead",
            "write",
            [copy.ids, {"next_action_date": "2030-01-02"}],
            expect=UserError,
        )
        self.assertCanvasInvariants()

    def test_a_lost_lead_given_a_do_not_contact_reason_is_do_not_contact(self):
        lead = self._leads(1, email_prefix="hostile-relost")
        lead.action_set_lost(lost_reason_id=self.reason_expensive.id)
        closed = lead.date_closed
        self.rpc_as("canvas_rep", "crm.lead", "action_set_lost", [lead.ids], {"lost_reason_id": self.reason_dnc.id})
        self.assertEqual(lead.contact_policy, "do_not_contact")
        self.assertTrue(lead.is_blacklisted)
        self.assertEqual(lead.date_closed, closed)
        self.assertEqual(len(lead.loss_ids), 1)
        other = self._leads(1, email_prefix="hostile-relost-write")
        other.action_set_lost(lost_reason_id=self.reason_expensive.id)
        self.rpc_as("canvas_rep", "crm.lead", "write", [other.ids, {"lost_reason_id": self.reason_dnc.id}])
        self.assertEqual(other.contact_policy, "do_not_contact")
        self.assertCanvasInvariants()

    def test_a_manager_lifting_while_losing_for_do_not_contact_keeps_the_wish(self):
        lead = self._leads(1, email_prefix="hostile-mixed")
        lead.write({"contact_policy": "do_not_contact"})
        self.rpc_as(
            "canvas_manager",
            "crm.lead",
            "write",
            [
                lead.ids,
                {"active": False, "probability": 0, "lost_reason_id": self.reason_dnc.id, "contact_policy": "allowed"},
            ],
        )
        self.assertEqual(lead.contact_policy, "do_not_contact")
        self.assertTrue(lead.is_blacklisted)
        self.assertCanvasInvariants()

    def test_a_default_conversion_date_promotes_nothing(self):
        partners = self.env["res.partner"].search_count([])
        self.rpc_as(
            "canvas_rep",
            "crm.lead",
            "create",
            [[{"name": "Hostile new", "type": "lead", "team_id": self.team_a.id, "partner_name": "Hostile Co"}]],
            context={"default_date_conversion": "2000-01-01 00:00:00"},
        )
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_a_default_conversion_date_does_not_stop_a_promotion(self):
        """An initiative created straight into a pipeline stage is promoted,
        with its customer and its log line, whatever conversion date the
        client sends as a default."""
        partners = self.env["res.partner"].search_count([])
        [lead_id] = self.rpc_as(
            "canvas_rep",
            "crm.lead",
            "create",
            [
                [
                    {
                        "name": "Hostile promoted",
                        "type": "lead",
                        "team_id": self.team_a.id,
                        "stage_id": self.stage_opp_first.id,
                        "partner_name": "Hostile Promoted Co",
                        "next_action_type_id": self.env.ref("mail.mail_activity_data_call").id,
                        "next_action_date": "2099-01-01",
                    }
                ]
            ],
            context={"default_date_conversion": "2000-01-01 00:00:00"},
        )
        lead = self.env["crm.lead"].browse(lead_id)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.stage_id, self.stage_opp_first)
        self.assertGreater(self.env["res.partner"].search_count([]), partners)
        self.assertTrue(lead.partner_id)

    def test_a_far_timezone_does_not_make_a_re_target_due(self):
        lead = self._leads(1, email_prefix="hostile-tz")
        tomorrow = system.user_today(self.env(user=self.user_rep)) + timedelta(days=1)
        lead.write({"contact_policy": "retarget", "retarget_date": tomorrow})
        for tz in ("Etc/GMT-14", "Etc/GMT+12"):
            self.rpc_as(
                "canvas_rep",
                "crm.lead",
                "write",
                [lead.ids, {"contact_policy": "allowed"}],
                context={"tz": tz},
                expect=AccessError,
            )
        self.assertEqual(lead.contact_policy, "retarget")

    def test_activities_cannot_end_or_move_round_the_rules(self):
        self.env["ir.config_parameter"].set_param("crm_canvas_pipeline.require_next_action", "True")
        deal = self.env["crm.lead"].create(
            {
                "name": "Hostile activity deal",
                "type": "opportunity",
                "team_id": self.team_a.id,
                "user_id": self.user_rep.id,
                "stage_id": self.stage_opp_proposal.id,
            }
        )
        activity = deal.activity_schedule("mail.mail_activity_data_call", user_id=self.user_rep.id)
        for method, args in (("action_archive", []), ("write", [{"active": False}])):
            self.rpc_as("canvas_rep", "mail.activity", method, [activity.ids, *args], expect=UserError)
            self.assertTrue(activity.active)
        unwilling = self._leads(1, email_prefix="hostile-activity")
        unwilling.write({"contact_policy": "do_not_contact"})
        self.rpc_as("canvas_rep", "mail.activity", "write", [activity.ids, {"res_id": unwilling.id}], expect=UserError)
        self.assertEqual(activity.res_id, deal.id)
        # Done & Schedule Next: the way the rule asks for
        self.rpc_as("canvas_rep", "mail.activity", "action_feedback_schedule_next", [activity.ids])
        self.assertFalse(activity.active)
