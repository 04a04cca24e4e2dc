import unittest

from odoo.tests import HttpCase, tagged

from .common import CanvasCommon

# Two cores shared with other jobs: a journey of some forty steps needs time.
TOUR_TIMEOUT = 600


@tagged("post_install", "-at_install")
class TestSeedJourney(HttpCase, CanvasCommon):
    """The seed's user story in Chromium (issue 10): a rep works an
    initiative to a won customer and loses another prospect for good, then a
    manager adds a stage with a rule and reads the lost archive and the
    funnel. The tours drive the screens; the assertions here check what they
    left in the database."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.use_initiative_stages = True
        cls.stage_opp_first.write({"name": "Seed intake", "sequence": -5})
        cls.field_revenue = cls.env["ir.model.fields"]._get("crm.lead", "expected_revenue")
        cls.stage_opp_proposal.write(
            {"name": "Seed proposal", "sequence": -4, "required_field_ids": [(6, 0, cls.field_revenue.ids)]}
        )
        cls.stage_won.write({"name": "Seed won", "sequence": -3})
        cls.tag = cls.env["crm.tag"].create({"name": "Seed referral"})
        cls.reason_dnc = cls.env["crm.lost.reason"].create(
            {"name": "Seed: stop calling us", "contact_policy": "do_not_contact"}
        )
        cls.loser = cls.env["crm.lead"].create(
            {
                "name": "Seed loser",
                "type": "opportunity",
                "team_id": cls.team_a.id,
                "user_id": cls.user_rep.id,
                "stage_id": cls.stage_opp_first.id,
                "contact_name": "Lola Loser",
                "email_from": "lola@seed-loser.example.com",
                "phone": "+34 600 111 222",
            }
        )

    def _run_tour(self, tour, login):
        """start_tour, but a browser that cannot start fails the test: a
        skipped browser test would pass without anything being checked."""
        try:
            self.start_tour("/odoo", tour, login=login, timeout=TOUR_TIMEOUT)
        except unittest.SkipTest as skip:
            self.fail("tour %s could not run in Chromium: %s" % (tour, skip))

    def test_seed_journey_rep_then_manager(self):
        # the stage rule refuses the move once: the server logs that UserError
        with self.assertLogs("odoo.http", "WARNING") as logs:
            self._run_tour("crm_canvas_seed_journey_rep", "canvas_rep")
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertIn("Seed proposal", logs.output[0])
        self.assertIn("Expected Revenue", logs.output[0])
        self._run_tour("crm_canvas_seed_journey_manager", "canvas_manager")

        Lead = self.env["crm.lead"].with_context(active_test=False)
        winner = Lead.search([("name", "=", "Seed journey initiative")])
        self.assertEqual(len(winner), 1)
        # created, tagged, noted, a call planned, promoted, then won
        self.assertEqual(winner.team_id, self.team_a)
        self.assertEqual(winner.user_id, self.user_rep)
        self.assertEqual(winner.type, "opportunity")
        self.assertTrue(winner.date_conversion)
        self.assertEqual(winner.tag_ids, self.tag)
        note = winner.message_ids.filtered(lambda message: "Wants a quote for twenty seats" in (message.body or ""))
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(note.author_id, self.user_rep.partner_id)
        call = self.env.ref("mail.mail_activity_data_call")
        self.assertEqual(winner.activity_ids.activity_type_id, call)
        self.assertEqual(winner.activity_ids.summary, "Call about the quote")
        self.assertEqual(winner.next_action_type_id, call)
        self.assertEqual(winner.next_action_summary, "Call about the quote")
        self.assertEqual(winner.expected_revenue, 12000)
        self.assertEqual(winner.won_status, "won")
        self.assertTrue(winner.stage_id.is_won)
        self.assertEqual(winner.partner_id.email, "buyer@seed-journey.example.com")
        self.assertGreater(winner.partner_id.customer_rank, 0)
        stays = winner.stage_history_ids.sorted(lambda stay: (stay.date_in, stay.id))
        self.assertEqual(
            stays.stage_id,
            self.stage_lead_new
            | self.stage_lead_contacted
            | self.stage_lead_qualified
            | self.stage_opp_first
            | self.stage_opp_proposal
            | winner.stage_id,
        )
        self.assertEqual(stays.stage_id[:3].mapped("stage_kind"), ["lead"] * 3)
        self.assertEqual(stays[-1].outcome, "won")

        # lost for good: archived, do not contact, on the blacklists
        loser = self.loser
        self.assertEqual(loser.won_status, "lost")
        self.assertFalse(loser.active)
        self.assertEqual(loser.lost_reason_id, self.reason_dnc)
        self.assertEqual(loser.contact_policy, "do_not_contact")
        self.assertEqual(loser.loss_ids.reason_id, self.reason_dnc)
        self.assertIn("They asked us to stop calling", loser.loss_ids.note)
        self.assertTrue(loser.is_blacklisted)
        self.assertTrue(self.env["phone.blacklist"].sudo().search([("number", "=", loser.phone_sanitized)]))

        # the manager's stage and its rule
        stage = self.env["crm.stage"].search([("name", "=", "Seed negotiation")])
        self.assertEqual(len(stage), 1)
        self.assertEqual(stage.stage_kind, "opportunity")
        self.assertEqual(stage.required_field_ids, self.field_revenue)
        self.assertTrue(stage.requires_next_action)
        self.assertEqual(stage.create_uid, self.user_manager)

        self.assertCanvasInvariants()
