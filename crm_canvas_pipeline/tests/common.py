import itertools
from contextlib import contextmanager
from unittest.mock import patch

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import TransactionCase
from odoo.tools import SQL


class CanvasCommon(TransactionCase):
    """Users and teams every test of the module works with.

    - ``user_rep``: salesman who sees their own documents (team A)
    - ``user_rep_all``: salesman who sees all leads (team B)
    - ``user_manager``: sales manager (team A)
    - ``user_internal``: internal user without sales rights
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.ref("base.main_company")
        cls.user_rep = mail_new_test_user(
            cls.env,
            login="canvas_rep",
            name="Rosa Rep",
            email="rosa.rep@example.com",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_rep_all = mail_new_test_user(
            cls.env,
            login="canvas_rep_all",
            name="Alba All-leads",
            email="alba.all@example.com",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        cls.user_manager = mail_new_test_user(
            cls.env,
            login="canvas_manager",
            name="Marta Manager",
            email="marta.manager@example.com",
            groups="sales_team.group_sale_manager",
        )
        cls.user_internal = mail_new_test_user(
            cls.env,
            login="canvas_internal",
            name="Iker Internal",
            email="iker.internal@example.com",
            groups="base.group_user",
        )
        cls.team_a = cls.env["crm.team"].create(
            {
                "name": "Canvas Team A",
                "use_leads": True,
                "use_initiative_stages": True,
                "use_opportunities": True,
                "user_id": cls.user_manager.id,
                "member_ids": [(6, 0, (cls.user_rep | cls.user_manager).ids)],
            }
        )
        cls.team_b = cls.env["crm.team"].create(
            {
                "name": "Canvas Team B",
                "use_leads": True,
                "use_initiative_stages": True,
                "use_opportunities": True,
                "member_ids": [(6, 0, cls.user_rep_all.ids)],
            }
        )
        Stage = cls.env["crm.stage"]
        cls.stage_lead_new = cls.env.ref("crm_canvas_pipeline.stage_initiative_new")
        cls.stage_lead_contacted = cls.env.ref("crm_canvas_pipeline.stage_initiative_contacted")
        cls.stage_lead_qualified = cls.env.ref("crm_canvas_pipeline.stage_initiative_qualified")
        # a pipeline of our own, so that the tests do not depend on stock data
        cls.stage_opp_first = Stage.create({"name": "Canvas intake", "sequence": -5})
        cls.stage_opp_proposal = Stage.create({"name": "Canvas proposal", "sequence": 50})
        cls.stage_won = Stage.create({"name": "Canvas won", "sequence": 90, "is_won": True})

    # the history the module keeps: no scenario may make these tables shrink
    KEPT_TABLES = ("crm_lead_loss", "crm_lead_stage_history")

    def _kept_rows(self):
        self.env.flush_all()
        counts = {}
        for table in self.KEPT_TABLES:
            self.env.cr.execute(SQL("SELECT id FROM %s", SQL.identifier(table)))
            counts[table] = {row[0] for row in self.env.cr.fetchall()}
        return counts

    def setUp(self):
        super().setUp()
        self._kept_before = self._kept_rows()

    def assertCanvasInvariants(self):
        """What must hold after any scenario, whoever did what: every lost
        lead has its loss row; no record sits in a stage of the wrong kind;
        the next action mirrors the earliest open activity; a do-not-contact
        lead has no open activity and its email and phone are on the
        blacklists."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        lost = Lead.search([("won_status", "=", "lost")])
        self.assertFalse(lost.filtered(lambda lead: not lead.loss_ids), "lost leads without a loss row")
        wrong_kind = Lead.search([("stage_id", "!=", False)]).filtered(
            lambda lead: (
                lead.stage_id.stage_kind
                != ("lead" if lead.type == "lead" and lead.use_initiative_stages else "opportunity")
            )
        )
        self.assertFalse(wrong_kind, "records in a stage of the wrong kind")
        # the next action of every lead is its earliest open activity
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT lead.id FROM crm_lead lead
            LEFT JOIN LATERAL (SELECT id, activity_type_id, date_deadline, summary, user_id FROM mail_activity
                                WHERE res_model = 'crm.lead' AND res_id = lead.id AND active
                             ORDER BY date_deadline, id LIMIT 1) first ON TRUE
                WHERE lead.next_action_type_id IS DISTINCT FROM first.activity_type_id
                   OR lead.next_action_date IS DISTINCT FROM first.date_deadline
                   OR COALESCE(lead.next_action_summary, '') IS DISTINCT FROM COALESCE(first.summary, '')
                   OR lead.next_action_user_id IS DISTINCT FROM first.user_id"""
        )
        self.assertFalse(self.env.cr.fetchall(), "leads whose next action is not their earliest open activity")
        do_not_contact = Lead.search([("contact_policy", "=", "do_not_contact")])
        self.assertFalse(do_not_contact.activity_ids, "do-not-contact leads with open activities")
        emails = set(self.env["mail.blacklist"].sudo().search([]).mapped("email"))
        phones = set(self.env["phone.blacklist"].sudo().search([]).mapped("number"))
        for lead in do_not_contact:
            if lead.email_normalized:
                self.assertIn(lead.email_normalized, emails, lead.display_name)
            if lead.phone_sanitized:
                self.assertIn(lead.phone_sanitized, phones, lead.display_name)
        self._assertStageHistoryInvariants(Lead.search([]))
        # no row of the loss or stage history was deleted during the scenario
        for table, ids in self._kept_rows().items():
            self.assertFalse(self._kept_before[table] - ids, "rows deleted from %s" % table)

    def _assertStageHistoryInvariants(self, leads):
        """Stage history (issue 7): the stays of a record follow each other
        without overlap, and the only open one is in its current stage."""
        stays = self.env["crm.lead.stage.history"].sudo().search([("lead_id", "in", leads.ids)])
        by_lead = stays.grouped("lead_id")
        for lead in leads.filtered("stage_id"):
            lead_stays = by_lead.get(lead, stays.browse()).sorted(lambda stay: (stay.date_in, stay.id))
            self.assertTrue(lead_stays, "%s has no stage history" % lead.display_name)
            self.assertEqual(lead_stays[-1].stage_id, lead.stage_id, "%s: last stay elsewhere" % lead.display_name)
            self.assertFalse(lead_stays[-1].date_out, "%s: current stay closed" % lead.display_name)
            for stay, following in itertools.pairwise(lead_stays):
                self.assertTrue(stay.date_out, "%s: two open stays" % lead.display_name)
                self.assertLessEqual(stay.date_out, following.date_in, "%s: stays overlap" % lead.display_name)

    def _queries(self, func):
        """Queries of `func`, counted like assertQueryCount counts them
        (pending writes and tracking flushed before and after)."""
        self.env.flush_all()
        self.env.cr.flush()  # runs the precommit hooks: tracking messages are counted
        # no random garbage collection of the bus in the middle (as assertQueryCount)
        with patch("random.random", lambda: 1):
            count0 = self.env.cr.sql_log_count
            func()
            self.env.flush_all()
            self.env.cr.flush()
            return self.env.cr.sql_log_count - count0

    @contextmanager
    def assertRaisesRegex(self, exception, regex):
        """unittest's version, rolled back like Odoo's assertRaises: the
        failed operation leaves nothing behind for the next assertion."""
        with self.assertRaises(exception) as context:
            yield context
        self.assertRegex(str(context.exception), regex)

    @classmethod
    def _leads(cls, count, team=None, user=None, email_prefix="contact", **values):
        """`count` initiatives with contact data, created in one call."""
        team = team or cls.team_a
        user = user or cls.user_rep
        return cls.env["crm.lead"].create(
            [
                {
                    "name": "Initiative %s" % index,
                    "type": "lead",
                    "team_id": team.id,
                    "user_id": user.id,
                    "partner_name": "Company %s" % index,
                    "contact_name": "Contact %s" % index,
                    "email_from": "%s%s@canvas.example.com" % (email_prefix, index),
                    **values,
                }
                for index in range(count)
            ]
        )
