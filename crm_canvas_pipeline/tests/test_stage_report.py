from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import tagged

from ..models.crm_stage import pipeline_key
from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestStageReport(CanvasCommon):
    """The pipeline flow report on a known data set: four records of one
    team, one won, two lost, one still new."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_report = mail_new_test_user(
            cls.env, login="canvas_report_rep", name="Rita Report", groups="sales_team.group_sale_salesman"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Report team", "use_initiative_stages": True, "member_ids": [(6, 0, cls.user_report.ids)]}
        )
        cls.reason_price = cls.env["crm.lost.reason"].create({"name": "Report: price"})
        cls.reason_silence = cls.env["crm.lost.reason"].create({"name": "Report: silence"})
        won, lost_early, lost_late, waiting = cls._leads(4, team=cls.team, user=cls.user_report, email_prefix="report")
        for lead, revenue in ((won, 1000), (lost_early, 500), (lost_late, 300), (waiting, 200)):
            lead.expected_revenue = revenue
        (won | lost_early).write({"stage_id": cls.stage_lead_contacted.id})
        (won | lost_late).write({"stage_id": cls.stage_opp_first.id})
        lost_late.write({"stage_id": cls.stage_opp_proposal.id})
        won.write({"stage_id": cls.stage_won.id})
        lost_early.action_set_lost(lost_reason_id=cls.reason_silence.id)
        lost_late.action_set_lost(lost_reason_id=cls.reason_price.id)
        cls.won, cls.lost_early, cls.lost_late, cls.waiting = won, lost_early, lost_late, waiting
        # known durations in the first stage: 2, 4 and 9 days (the fourth is still there)
        cls.env.flush_all()
        for lead, days in ((won, 2), (lost_early, 4), (lost_late, 9)):
            cls.env.cr.execute(
                "UPDATE crm_lead_stage_history SET duration_days = %s WHERE lead_id = %s AND stage_id = %s",
                [days, lead.id, cls.stage_lead_new.id],
            )
        cls.env.invalidate_all()

    def _by_stage(self, *aggregates):
        groups = self.env["crm.lead.stage.report"]._read_group(
            [("team_id", "=", self.team.id)], ["stage_id"], list(aggregates)
        )
        return {stage: values for stage, *values in groups}

    def test_funnel_reached_and_moved_on(self):
        figures = self._by_stage("reached_count:sum", "moved_on_count:sum")
        self.assertEqual(figures[self.stage_lead_new], [4, 3])
        self.assertEqual(figures[self.stage_lead_contacted], [2, 1])
        self.assertEqual(figures[self.stage_opp_first], [2, 2])
        self.assertEqual(figures[self.stage_opp_proposal], [1, 0])
        self.assertEqual(figures[self.stage_won], [1, 0])
        totals = self.env["crm.lead.stage.report"]._read_group(
            [("team_id", "=", self.team.id)], [], ["record_count:sum", "opportunity_count:sum", "won_count:sum"]
        )
        # initiatives -> opportunities -> won
        self.assertEqual(totals[0], (4, 2, 1))

    def test_days_per_stage_average_and_median(self):
        figures = self._by_stage("days:avg", "days_median:median")
        self.assertAlmostEqual(figures[self.stage_lead_new][0], 5.0)
        self.assertAlmostEqual(figures[self.stage_lead_new][1], 4.0)

    def test_won_and_lost_reconcile_with_the_records(self):
        figures = self._by_stage("won_count:sum", "won_value:sum", "lost_count:sum", "lost_value:sum")
        self.assertEqual(figures[self.stage_won], [1, 1000, 0, 0])
        self.assertEqual(figures[self.stage_lead_contacted], [0, 0, 1, 500])
        self.assertEqual(figures[self.stage_opp_proposal], [0, 0, 1, 300])
        Lead = self.env["crm.lead"].with_context(active_test=False)
        for status, count_field, value_field in (
            ("won", "won_count", "won_value"),
            ("lost", "lost_count", "lost_value"),
        ):
            leads = Lead.search([("team_id", "=", self.team.id), ("won_status", "=", status)])
            [(count, value)] = self.env["crm.lead.stage.report"]._read_group(
                [("team_id", "=", self.team.id)], [], ["%s:sum" % count_field, "%s:sum" % value_field]
            )
            self.assertEqual(count, len(leads))
            self.assertEqual(value, sum(leads.mapped("expected_revenue")))
        by_reason = dict(
            self.env["crm.lead.stage.report"]._read_group(
                [("team_id", "=", self.team.id)], ["lost_reason_id"], ["lost_value:sum"]
            )
        )
        self.assertEqual(by_reason[self.reason_price], 300)
        self.assertEqual(by_reason[self.reason_silence], 500)

    def test_filter_by_tag(self):
        tag = self.env["crm.tag"].create({"name": "Report tag"})
        self.won.tag_ids = tag
        rows = self.env["crm.lead.stage.report"].search([("tag_ids", "in", tag.ids)])
        self.assertEqual(rows.lead_id, self.won)

    def test_rep_sees_only_rows_of_leads_they_can_read(self):
        self.waiting.user_id = self.user_rep_all
        rows = self.env["crm.lead.stage.report"].with_user(self.user_report).search([("team_id", "=", self.team.id)])
        self.assertEqual(rows.lead_id, self.won | self.lost_early | self.lost_late)

    def test_stages_are_shown_in_pipeline_order(self):
        """Grouped by stage, every screen reads from the first contact to
        won: the SQL order (models/stage_order.py) is crm_stage.pipeline_key,
        whatever crm.stage's own order (pipeline stages first, for stock)."""
        # a won stage placed before the pipeline by its sequence still comes last
        self.stage_won.sequence = -50
        self.env.flush_all()
        team = [("team_id", "=", self.team.id)]
        for model, domain in (
            ("crm.lead.stage.report", team),
            ("crm.lead.stage.history", team),
            ("crm.lead", [*team, ("active", "in", [True, False])]),
        ):
            groups = self.env[model].formatted_read_group(domain, ["stage_id"], ["__count"])
            stages = self.env["crm.stage"].browse([group["stage_id"][0] for group in groups])
            self.assertEqual(stages, stages.sorted(pipeline_key), model)
            self.assertEqual(stages[0].stage_kind, "lead", model)
            self.assertTrue(stages[-1].is_won or model == "crm.lead.stage.history", model)
        losses = self.env["crm.lead.loss"].formatted_read_group(
            [("team_id", "=", self.team.id)], ["stage_id"], ["__count"]
        )
        loss_stages = self.env["crm.stage"].browse([group["stage_id"][0] for group in losses])
        self.assertEqual(loss_stages, loss_stages.sorted(pipeline_key))
        self.assertEqual(
            self.env["crm.stage"]._canvas_board_order(self.team.id, True),
            tuple(self.env["crm.stage"].search([("team_ids", "in", [False, self.team.id])]).sorted(pipeline_key).ids),
        )
        # and crm.stage's own order is untouched: pipeline stages first
        self.assertEqual(self.env["crm.stage"].search([], limit=1).stage_kind, "opportunity")
