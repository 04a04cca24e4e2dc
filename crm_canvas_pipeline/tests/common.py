from contextlib import contextmanager
from unittest.mock import patch

from odoo import exceptions
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, JsonRpcException, TransactionCase
from odoo.tools import SQL, mute_logger

from . import invariants


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
        """What must hold after any scenario, whoever did what: every
        invariant of invariants.py (the load run checks the same), and no
        row of the loss or stage history deleted during the scenario."""
        self.env.flush_all()
        broken = {name: ids for name, ids in invariants.violations(self.env.cr).items() if ids}
        self.assertFalse(
            broken,
            "invariants broken: %s"
            % "; ".join(
                "%s (%s): %s lead(s), e.g. %s" % (name, invariants.INVARIANTS[name].description, len(ids), ids[:10])
                for name, ids in broken.items()
            ),
        )
        for table, ids in self._kept_rows().items():
            self.assertFalse(self._kept_before[table] - ids, "rows deleted from %s" % table)

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
