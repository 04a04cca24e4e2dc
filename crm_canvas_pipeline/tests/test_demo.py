from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import convert_file
from odoo.tools.safe_eval import safe_eval

from ..tools import install_sql
from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestDemoJourney(CanvasCommon):
    """The demo data (issue 22): `make run`'s database shows every part of
    the seed's journey. The test loads demo/crm_canvas_demo.xml itself, as an
    install with demo data does, then runs the install's own statements on
    it, which must leave its history as it is."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        convert_file(cls.env, "crm_canvas_pipeline", "demo/crm_canvas_demo.xml", {}, mode="init", noupdate=True)
        cls.team = cls.env.ref("crm_canvas_pipeline.demo_team_iberia")
        cls.leads = cls.env["crm.lead"].with_context(active_test=False).search([("team_id", "=", cls.team.id)])

    def test_every_initiative_stage_has_worked_cards(self):
        today = fields.Date.context_today(self.env.user)
        initiatives = self.leads.filtered(lambda lead: lead.active and lead.type == "lead")
        stages = self.env["crm.stage"].search([("stage_kind", "=", "lead")])
        self.assertEqual(initiatives.stage_id, stages)
        self.assertTrue(all(lead.tag_ids for lead in initiatives))
        noted = initiatives.filtered(
            lambda lead: lead.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note"))
        )
        self.assertGreaterEqual(len(noted), 2)
        planned = initiatives.filtered("next_action_date")
        self.assertGreaterEqual(len(planned), 3)
        self.assertTrue(any(lead.next_action_date < today for lead in planned), "no late next action")
        self.assertTrue(any(lead.next_action_date >= today for lead in planned), "no planned next action")

    def test_a_stage_with_rules_and_opportunities_won_into_customers(self):
        stage = self.env.ref("crm_canvas_pipeline.demo_stage_proposal_sent")
        self.assertTrue(stage.requirements)
        self.assertTrue(stage.requires_next_action)
        self.assertEqual(set(stage.required_field_ids.mapped("name")), {"expected_revenue", "email_from"})
        inside = self.leads.filtered(lambda lead: lead.stage_id == stage and lead.active)
        self.assertTrue(inside)
        self.assertTrue(all(lead.expected_revenue and lead.email_from and lead.next_action_date for lead in inside))
        won = self.leads.filtered(lambda lead: lead.won_status == "won")
        self.assertEqual(len(won), 2)
        self.assertTrue(all(lead.partner_id.customer_rank > 0 for lead in won))
        self.assertTrue(all(lead.type == "opportunity" for lead in won))

    def test_a_loss_for_each_policy_one_due_for_retargeting(self):
        lost = self.leads.filtered(lambda lead: lead.won_status == "lost")
        self.assertEqual(set(lost.loss_ids.mapped("contact_policy")), {"do_not_contact", "retarget"})
        self.assertTrue(all(loss.note for loss in lost.loss_ids))
        dnc = lost.filtered(lambda lead: lead.contact_policy == "do_not_contact")
        self.assertEqual(len(dnc), 1)
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", dnc.email_normalized)]))
        self.assertFalse(dnc.activity_ids)
        # the re-target pool, searched with its action's own domain
        action = self.env.ref("crm_canvas_pipeline.crm_lead_action_retarget_pool")
        pool = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(safe_eval(action.domain, {"context_today": lambda: fields.Date.context_today(self.env.user)}))
        )
        due = pool & lost.filtered(lambda lead: lead.retarget_date and lead.retarget_date <= fields.Date.today())
        self.assertEqual(due.mapped("name"), ["Classroom desks"])
        later = lost.filtered(lambda lead: lead.retarget_date and lead.retarget_date > fields.Date.today())
        self.assertEqual(later.mapped("name"), ["Showroom lighting"])

    def test_history_spread_over_past_weeks_and_untouched_by_the_install(self):
        stays = self.leads.stage_history_ids
        now = fields.Datetime.now()
        self.assertLess(min(stays.mapped("date_in")), now - timedelta(weeks=4))
        closed = stays.filtered("date_out")
        self.assertTrue(closed)
        self.assertTrue(all(stay.duration_days > 0.5 for stay in closed))
        self.assertTrue(all(stay.date_in <= stay.date_out <= now for stay in closed))
        self.assertTrue(all(lead.create_date <= min(lead.stage_history_ids.mapped("date_in")) for lead in self.leads))
        self.assertCanvasInvariants()
        # what the install's hook runs after the demo data: nothing more for these leads
        before = (len(stays), len(self.leads.loss_ids))
        install_sql.record_existing_losses(self.env)
        install_sql.backfill_stage_history(self.env)
        self.leads.invalidate_recordset()
        self.assertEqual((len(self.leads.stage_history_ids), len(self.leads.loss_ids)), before)
        self.assertCanvasInvariants()
