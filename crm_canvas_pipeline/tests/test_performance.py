"""Query counts of the hot paths do not grow with the number of records.

``make bench`` compares the module with stock CRM on big databases; these
tests keep the part that does not depend on the machine: the queries a
kanban read, a stage move, a loss and a done activity cost, at two batch
sizes. A query per record somewhere in the module makes them fail.
"""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged, users

from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestCanvasPerformance(CanvasCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_expensive = cls.env.ref("crm.lost_reason_1")
        cls.tags = cls.env["crm.tag"].create([{"name": "Perf tag %s" % index} for index in range(3)])

    def setUp(self):
        super().setUp()
        # tracking on, as in the web client, but no tracking values: stock
        # writes one per record and field, and these tests count the module's
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_notrack=True))

    def _fresh(self, count, **values):
        """`count` records of the rep with tags and an open activity each
        (a next action on every card), cache emptied."""
        self._batch = getattr(self, "_batch", 0) + 1
        leads = self._leads(count, email_prefix="perf%s-" % self._batch, tag_ids=self.tags.ids, **values)
        today = fields.Date.today()
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": lead.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                    "date_deadline": today + timedelta(days=index % 5 - 2),
                    "user_id": self.user_rep.id,
                }
                for index, lead in enumerate(leads)
            ]
        )
        self.env.flush_all()
        self.env.invalidate_all()
        return leads.with_env(self.env)

    def _open_canvas(self):
        """What the web client calls to open the Canvas: the groups with
        their cards, and the progress bars."""
        Lead = self.env["crm.lead"]
        domain = [("team_id", "=", self.team_a.id)]
        view = self.env.ref("crm_canvas_pipeline.crm_lead_view_kanban_canvas")
        fields_info = Lead.get_views([(view.id, "kanban")])["models"]["crm.lead"]["fields"]
        spec = {
            name: {"fields": {"display_name": {}}} if Lead._fields[name].type == "many2one" else {}
            for name in fields_info
            if Lead._fields[name].type not in ("one2many", "many2many")
        }
        spec["tag_ids"] = {"fields": {"display_name": {}, "color": {}}}
        spec["activity_ids"] = {"fields": {}}
        self.env.invalidate_all()
        Lead.web_read_group(
            domain,
            ["stage_id"],
            aggregates=["expected_revenue:sum"],
            auto_unfold=True,
            unfold_read_specification=spec,
            unfold_read_default_limit=40,
        )
        Lead.read_progress_bar(domain, "stage_id", self._progress_bar)

    _progress_bar = {
        "field": "next_action_state",
        "colors": {"planned": "success", "today": "warning", "overdue": "danger"},
        "sum_field": "expected_revenue",
    }

    @users("canvas_rep")
    def test_canvas_progress_bars_count_next_actions(self):
        """The Canvas' bars count each card's next action by state, in SQL,
        as the cards show it."""
        leads = self._fresh(5, type="opportunity", stage_id=self.stage_opp_first.id)
        leads |= self._leads(2, email_prefix="none", type="opportunity", stage_id=self.stage_opp_first.id)
        bars = self.env["crm.lead"].read_progress_bar([("id", "in", leads.ids)], "stage_id", self._progress_bar)[
            str(self.stage_opp_first.id)
        ]
        states = leads.with_env(self.env).mapped("next_action_state")
        self.assertEqual(bars, {state: states.count(state) for state in ("planned", "today", "overdue")})
        self.assertEqual(sum(bars.values()), 5, "two leads have no next action")

    @users("canvas_rep")
    def test_canvas_kanban_read_does_not_grow(self):
        """The Canvas with 6 cards costs the queries it costs with 60."""
        for kind in ("lead", "opportunity"):
            self._fresh(3, type=kind, stage_id=(self.stage_lead_new if kind == "lead" else self.stage_opp_first).id)
        self._open_canvas()  # warm the caches
        small = self._queries(self._open_canvas)
        for kind in ("lead", "opportunity"):
            self._fresh(27, type=kind, stage_id=(self.stage_lead_new if kind == "lead" else self.stage_opp_first).id)
        with self.assertQueryCount(canvas_rep=small + 1):
            self._open_canvas()

    @users("canvas_rep")
    def test_stage_move_does_not_grow(self):
        """Moving 30 opportunities to the next stage (stage rules on) costs
        what moving 3 does."""
        self.stage_opp_proposal.sudo().write(
            {"required_field_ids": [(6, 0, self.env["ir.model.fields"]._get("crm.lead", "email_from").ids)]}
        )
        target = self.stage_opp_proposal.id
        self._fresh(3, type="opportunity", stage_id=self.stage_opp_first.id).write({"stage_id": target})
        few = self._fresh(3, type="opportunity", stage_id=self.stage_opp_first.id)
        small = self._queries(lambda: few.write({"stage_id": target}))
        many = self._fresh(30, type="opportunity", stage_id=self.stage_opp_first.id)
        with self.assertQueryCount(canvas_rep=small + 1):
            many.write({"stage_id": target})
        self.assertEqual(set(many.mapped("stage_id.id")), {target})

    def _lose(self, leads):
        wizard = (
            self.env["crm.lead.lost"]
            .with_context(active_model="crm.lead", active_ids=leads.ids)
            .create({"lead_ids": [(6, 0, leads.ids)], "lost_reason_id": self.reason_expensive.id})
        )
        wizard.action_lost_reason_apply()

    @users("canvas_rep")
    def test_mark_lost_does_not_grow(self):
        """The lost wizard on 30 leads (loss rows, re-target policy, open
        activities cancelled) costs what it costs on 3."""
        self._lose(self._fresh(3))
        few = self._fresh(3)
        small = self._queries(lambda: self._lose(few))
        many = self._fresh(30)
        with self.assertQueryCount(canvas_rep=small + 2):
            self._lose(many)
        self.assertEqual(len(many.loss_ids), 30)
        self.assertFalse(many.activity_ids)

    @users("canvas_rep")
    def test_activity_done_does_not_grow_with_leads(self):
        """Stock posts a message per done activity; the next-action mirror
        the module keeps on each lead adds a constant, not queries per lead:
        30 activities done on 30 leads cost what 30 on 3 leads cost."""
        call = self.env.ref("mail.mail_activity_data_call")

        def activities_on(leads, count):
            activities = (
                self.env["mail.activity"]
                .sudo()
                .create(
                    [
                        {
                            "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                            "res_id": leads[index % len(leads)].id,
                            "activity_type_id": call.id,
                            "date_deadline": fields.Date.today() + timedelta(days=index),
                            "user_id": self.user_rep.id,
                        }
                        for index in range(count)
                    ]
                )
            )
            self.env.flush_all()
            self.env.invalidate_all()
            return activities.with_env(self.env)

        done = {}
        for spread in (3, 3, 30):  # the first round warms the caches
            activities = activities_on(self._leads(spread, email_prefix="done%s-" % spread), 30)
            done[spread] = self._queries(lambda activities=activities: activities.action_feedback(feedback="Done"))
        self.assertLessEqual(done[30] - done[3], 2, "done activities cost more per lead: %s" % done)
