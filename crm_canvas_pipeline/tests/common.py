import itertools
from contextlib import contextmanager
from unittest.mock import patch

from odoo import exceptions
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, JsonRpcException, TransactionCase
from odoo.tools import SQL, mute_logger

from ..models.crm_lead.contact_policy import ALLOWED_MARK, DNC_MARK


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
        self._assertContactPolicyInvariants(Lead.search([]))
        # no row of the loss or stage history was deleted during the scenario
        for table, ids in self._kept_rows().items():
            self.assertFalse(self._kept_before[table] - ids, "rows deleted from %s" % table)

    def _assertContactPolicyInvariants(self, leads):
        """A loss for a do-not-contact reason leaves a do-not-contact lead,
        and a do-not-contact is lifted only by a sales manager, with its log
        line (the chatter keeps both whatever the context: the module logs
        them itself, marked with a class that is the same in every
        language)."""
        managers = self.env.ref("sales_team.group_sale_manager").all_user_ids.partner_id
        system = self.env.ref("base.user_root").partner_id
        messages = (
            self.env["mail.message"]
            .sudo()
            .search([("model", "=", "crm.lead"), ("res_id", "in", leads.ids)], order="id")
        )
        by_lead = messages.grouped("res_id")
        for lead in leads.filtered(lambda lead: lead.contact_policy != "do_not_contact"):
            recorded = lifted = None
            for message in by_lead.get(lead.id, messages.browse()):
                body = str(message.body or "")
                if DNC_MARK in body:
                    recorded = message
                elif ALLOWED_MARK in body:
                    self.assertIn(message.author_id, managers | system, "%s: lifted by a non-manager" % lead.name)
                    lifted = message
            asked = lead.sudo().loss_ids.filtered(lambda loss: loss.contact_policy == "do_not_contact")
            if recorded or asked:
                self.assertTrue(lifted, "%s: a do-not-contact lifted without its log line" % lead.name)
                if recorded:
                    self.assertGreater(lifted.id, recorded.id, "%s: lifted before it was asked" % lead.name)
                for loss in asked:
                    lost_on = loss.date.replace(microsecond=0)
                    self.assertGreaterEqual(lifted.date, lost_on, "%s: a do-not-contact loss ignored" % lead.name)

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


# Context keys a JSON-RPC client may send with any value: every key the
# module ever read to steer its own control flow, and stock's keys that
# change what the ORM does. None of them may switch a rule of the module off.
MODULE_CONTEXT_KEYS = (
    "canvas_contact_policy",
    "canvas_history_written",
    "canvas_skip_stage_rules",
    "canvas_promoting",
    "canvas_loss_policy",
    "canvas_loss_note",
    "canvas_lost_values",
    "canvas_retarget_written",
    "canvas_skip_next_action_rule",
)
STOCK_CONTEXT_KEYS = ("active_test", "tracking_disable", "mail_notrack", "install_mode", "import_file")
HOSTILE_CONTEXTS = (
    dict.fromkeys(MODULE_CONTEXT_KEYS, True),
    dict.fromkeys(MODULE_CONTEXT_KEYS, "none"),
    dict.fromkeys(MODULE_CONTEXT_KEYS + STOCK_CONTEXT_KEYS, True) | {"active_test": False},
    {
        "canvas_loss_policy": "none",
        "canvas_loss_note": "<p>forged</p>",
        "canvas_lost_values": {"lost_reason_id": 0},
        "default_contact_policy": "allowed",
        "default_stage_id": 0,
        "default_type": "opportunity",
    },
    # defaults of the rows the module writes itself, and a timezone that
    # makes tomorrow today
    {
        "default_date_out": "2000-01-01 00:00:00",
        "default_note": "<p>forged</p>",
        "default_restored_date": "2000-01-01 00:00:00",
        "default_active": False,
        "default_date_conversion": "2000-01-01 00:00:00",
        "default_outcome": "won",
        "tz": "Etc/GMT-14",
    },
)


class CanvasRpcCase(CanvasCommon, HttpCase):
    """Tests that attack as a client would: logged in over real JSON-RPC
    (/web/session/authenticate, then /web/dataset/call_kw)."""

    def rpc_as(self, login, model, method, args, kwargs=None, context=None, expect=None):
        """Call `model.method(*args, **kwargs)` as `login` with `context`.
        With `expect` (an exception class), the call must be refused with
        that error; the result otherwise."""
        if getattr(self, "_rpc_login", None) != login:
            self.authenticate(login, login)
            self._rpc_login = login
        kwargs = dict(kwargs or {})
        if context is not None:
            kwargs["context"] = dict(context)
        self.env.flush_all()
        try:
            with mute_logger("odoo.http"):
                result = self.make_jsonrpc_request(
                    "/web/dataset/call_kw/%s/%s" % (model, method),
                    {"model": model, "method": method, "args": args, "kwargs": kwargs},
                )
        except JsonRpcException as error:
            if expect is None:
                raise
            # the refusal is `expect` or a kind of it (a ValidationError is a UserError)
            module, _dot, name = str(error).rpartition(".")
            self.assertEqual(module, "odoo.exceptions", "%s.%s: %s" % (model, method, error))
            self.assertTrue(issubclass(getattr(exceptions, name), expect), "%s.%s: %s" % (model, method, error))
            return None
        finally:
            self.env.invalidate_all()
        self.assertIsNone(expect, "%s.%s was not refused" % (model, method))
        return result
