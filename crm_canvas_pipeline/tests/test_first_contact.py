"""First contact on time: a new initiative nobody of its team has contacted
within the team's limit is flagged, found by the To contact filter and
counted on the dashboard; a done activity or a message sent by the team
contacts it, a note or the prospect's own mail does not. The time is elapsed
time from the creation: the same at the edges of the day in every timezone,
whatever the context says."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import HOSTILE_CONTEXTS, CanvasRpcCase

# 23:30 in Madrid on 1 December, 16:30 in Mexico City
CREATED = datetime(2026, 12, 1, 22, 30)


@tagged("post_install", "-at_install")
class TestFirstContact(CanvasRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.first_contact_hours = 2
        Lead = cls.env["crm.lead"]
        cls.prospect = cls.env["res.partner"].create({"name": "Pepa Prospect", "email": "pepa@first.example.com"})

        def lead(key, team=cls.team_a, **values):
            return Lead.create(
                {"name": "First %s" % key, "type": "lead", "team_id": team.id, "user_id": cls.user_rep.id, **values}
            )

        cls.untouched = lead("untouched")
        cls.noted = lead("noted")
        cls.mailed_by_prospect = lead("prospect-wrote")
        cls.called = lead("called")
        cls.messaged = lead("messaged")
        cls.other_team = lead("team-b", team=cls.team_b)
        cls.opportunity = lead("opportunity", type="opportunity")
        cls.leads = (
            cls.untouched | cls.noted | cls.mailed_by_prospect | cls.called | cls.messaged | cls.other_team
        ) | cls.opportunity
        cls.env.flush_all()
        cls.env.cr.execute("UPDATE crm_lead SET create_date = %s WHERE id = ANY(%s)", [CREATED, cls.leads.ids])
        cls.env.invalidate_all()
        rep = cls.user_rep
        cls.noted.with_user(rep).message_post(body="Nota interna", message_type="comment", subtype_xmlid="mail.mt_note")
        cls.mailed_by_prospect.message_post(
            body="Hola", message_type="email", subtype_xmlid="mail.mt_comment", author_id=cls.prospect.id
        )
        cls.called.with_user(rep).activity_schedule("mail.mail_activity_data_call", user_id=rep.id).action_done()
        cls.messaged.with_user(rep).message_post(
            body="Buenos días", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        cls.late = cls.untouched | cls.noted | cls.mailed_by_prospect

    def _overdue(self, env):
        Lead = env["crm.lead"]
        found = Lead.search([("id", "in", self.leads.ids), ("first_contact_overdue", "=", True)])
        flagged = self.leads.with_env(env).filtered("first_contact_overdue")
        not_found = Lead.search([("id", "in", self.leads.ids), ("first_contact_overdue", "=", False)])
        self.assertEqual(set(found.ids), set(flagged.ids), "the filter and the flag disagree")
        self.assertEqual(set(not_found.ids), set(self.leads.ids) - set(found.ids))
        return set(found.ids)

    def test_overdue_at_the_edges_of_the_day_in_two_timezones(self):
        for tz in ("Europe/Madrid", "America/Mexico_City"):
            self.user_rep.tz = tz
            for context_tz in (tz, "Etc/GMT-14", "Pacific/Kiritimati"):
                env = self.env(user=self.user_rep, context={"tz": context_tz})
                # 01:29 in Madrid the next day (18:29 in Mexico City): 1 h 59 after the creation
                with freeze_time(CREATED + timedelta(hours=1, minutes=59)):
                    self.assertEqual(self._overdue(env), set(), (tz, context_tz))
                    self.env.invalidate_all()
                # two hours and a minute: overdue, whatever day it is where the user sits
                with freeze_time(CREATED + timedelta(hours=2, minutes=1)):
                    self.assertEqual(self._overdue(env), set(self.late.ids), (tz, context_tz))
                    deadline = self.untouched.with_env(env).first_contact_deadline
                    self.assertEqual(deadline, CREATED + timedelta(hours=2))
                    self.env.invalidate_all()

    def test_dashboard_counts_and_action(self):
        with freeze_time(CREATED + timedelta(hours=3)):
            team = self.team_a.with_user(self.user_manager)
            self.assertEqual(team.first_contact_overdue_count, len(self.late))
            self.assertEqual(self.team_b.first_contact_overdue_count, 0)
            action = team.action_open_first_contact_overdue()
            context = safe_eval(action["context"])
            self.assertTrue(context.get("search_default_canvas_first_contact_overdue"))
            self.assertTrue(context.get("search_default_salesperson"))
            groups = self.env["crm.lead"]._read_group(
                [*action["domain"], ("first_contact_overdue", "=", True)], ["user_id"], ["__count"]
            )
            self.assertEqual(groups, [(self.user_rep, len(self.late))])

    def test_off_by_default_and_the_views_use_the_field(self):
        self.assertFalse(self.env["crm.team"].create({"name": "New team"}).first_contact_hours)
        with freeze_time(CREATED + timedelta(days=30)):
            self.team_a.first_contact_hours = 0
            self.env.invalidate_all()
            self.assertEqual(self._overdue(self.env), set())
        # the filters are the field, not a copy of its rule
        for xmlid in ("crm.view_crm_case_opportunities_filter", "crm.view_crm_case_leads_filter"):
            arch = self.env.ref(xmlid).get_combined_arch()
            self.assertIn("[('first_contact_overdue', '=', True)]", arch, xmlid)

    def test_over_json_rpc_whatever_the_context(self):
        self.user_rep.tz = "Europe/Madrid"
        with freeze_time(CREATED + timedelta(hours=2, minutes=1)):
            for context in HOSTILE_CONTEXTS:
                ids = self.rpc_as(
                    "canvas_rep",
                    "crm.lead",
                    "search",
                    [[("id", "in", self.leads.ids), ("first_contact_overdue", "=", True)]],
                    context=context,
                )
                self.assertEqual(set(ids), set(self.late.ids), context)
                # and the rep may not set the limit of their team
                self.rpc_as(
                    "canvas_rep",
                    "crm.team",
                    "write",
                    [self.team_a.ids, {"first_contact_hours": 0}],
                    context=context,
                    expect=AccessError,
                )

    def test_handed_back_to_the_lead_assignment_when_the_team_asks(self):
        def handed_back():
            return self.leads.filtered(
                lambda lead: lead.message_ids.filtered(lambda msg: "handed back" in (msg.body or ""))
            )

        with freeze_time(CREATED + timedelta(hours=3)):
            team = self.team_a.with_user(self.user_manager)
            team._action_assign_leads(force_quota=True, creation_delta_days=0)
            self.assertFalse(handed_back(), "handed back without the team's setting")
            self.assertEqual(self.late.user_id, self.user_rep)
            self.team_a.first_contact_reassign = True
            self.team_a.crm_team_member_ids.assignment_max = 0  # nobody has room: they stay unassigned
            team._action_assign_leads(force_quota=True, creation_delta_days=0)
            self.assertEqual(handed_back(), self.late)
            self.assertFalse(self.late.user_id)
            self.assertEqual((self.called | self.messaged).user_id, self.user_rep)
            self.assertEqual(self.other_team.user_id, self.user_rep)
