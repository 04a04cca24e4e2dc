"""Hostile input over JSON-RPC: wrong types, records that do not exist or
belong to another team, huge strings, SQL-ish and script content, dates far
away. Every call succeeds or ends in a clear Odoo error — never an error of
another kind — and the invariants hold after each call."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import CanvasCommon

CLEAR_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
}
HOSTILE_TEXT = [
    "'; DROP TABLE crm_lead; --",
    "<script>alert('canvas')</script>",
    '<img src="x" onerror="alert(1)">',
    "%s %(name)s {0} \\",
    "Ñandú — 名前 🚀",
    "x" * 100_000,
    "\x00nul",
    "",
]
text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    st.lists(st.integers(min_value=-5, max_value=10**9), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@tagged("post_install", "-at_install")
class TestRpcFuzz(CanvasCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls._leads(1, email_prefix="fuzz")
        cls.other_lead = cls._leads(1, team=cls.team_b, user=cls.user_rep_all, email_prefix="fuzzother")
        cls.other_stage = cls.env["crm.stage"].create({"name": "Team B only", "team_ids": [(6, 0, cls.team_b.ids)]})
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Fuzz reason"})
        cls.ids_pool = st.sampled_from(
            [cls.lead.id, cls.other_lead.id, 0, -1, 2**31 - 1, 10**12, cls.stage_won.id, cls.other_stage.id]
        )

    def setUp(self):
        super().setUp()
        self.authenticate(self.user_rep.login, self.user_rep.login)

    def _call(self, model, method, args, kwargs=None):
        """The result, or the name of the error the server answered with
        (refusals are logged as warnings: expected here, and checked)."""
        try:
            with mute_logger("odoo.http"):
                return self.make_jsonrpc_request(
                    "/web/dataset/call_kw/%s/%s" % (model, method),
                    {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
                )
        except JsonRpcException as error:
            self.assertIn(str(error), CLEAR_ERRORS, "%s.%s%r" % (model, method, args))
            return str(error)

    def _checked(self):
        self.env.invalidate_all()
        self.assertCanvasInvariants()

    @FUZZ
    @given(
        fname=st.sampled_from(
            [
                "contact_policy",
                "retarget_date",
                "next_action_type_id",
                "next_action_date",
                "next_action_summary",
                "next_action_user_id",
                "stage_id",
            ]
        ),
        value=anything,
    )
    def test_fuzz_lead_fields(self, fname, value):
        if fname in ("stage_id", "next_action_type_id", "next_action_user_id") and type(value) is int:
            value = value % 2**20  # ids, existing or not (other types and ranges are drawn as they come)
        self._call("crm.lead", "write", [[self.lead.id], {fname: value}])
        self._call("crm.lead", "create", [[{"name": "Fuzz", "team_id": self.team_a.id, fname: value}]])
        self._checked()

    @FUZZ
    @given(
        method=st.sampled_from(
            [
                "action_canvas_schedule_call",
                "action_canvas_schedule_task",
                "action_canvas_schedule_meeting",
                "action_canvas_allow_contact",
                "action_canvas_forget_contact",
                "action_set_lost",
                "action_restore",
            ]
        ),
        ids=st.lists(st.integers(min_value=-3, max_value=2**31 - 1), max_size=3),
        known=st.booleans(),
    )
    def test_fuzz_lead_actions(self, method, ids, known):
        if known:
            ids = [self.lead.id, self.other_lead.id, *ids]
        self._call("crm.lead", method, [ids])
        self._checked()

    @FUZZ
    @given(
        reason=st.one_of(st.none(), st.integers(min_value=-3, max_value=2**31 - 1), st.just("reason")),
        feedback=text,
        policy=st.one_of(st.sampled_from(["none", "retarget", "do_not_contact"]), text),
    )
    def test_fuzz_lost_wizard(self, reason, feedback, policy):
        lead = self._leads(1, email_prefix="fuzzlost%s" % abs(hash((reason, feedback, policy))))
        self.env.flush_all()
        reason_id = self.reason.id if reason == "reason" else reason
        wizard_id = self._call(
            "crm.lead.lost",
            "create",
            [[{"lead_ids": [[6, 0, lead.ids]], "lost_reason_id": reason_id, "lost_feedback": feedback}]],
        )
        if isinstance(wizard_id, list):
            self._call("crm.lead.lost", "write", [wizard_id, {"contact_policy": policy}])
            self._call("crm.lead.lost", "action_lost_reason_apply", [wizard_id])
        self._checked()
        # notes are stored sanitized and logged escaped
        for loss in lead.with_context(active_test=False).loss_ids:
            self.assertNotIn("<script", loss.note or "")
        for message in lead.message_ids:
            self.assertNotIn("<script", message.body or "")

    @FUZZ
    @given(mode=anything, tags=st.lists(st.integers(min_value=-3, max_value=2**20), max_size=3))
    def test_fuzz_tag_wizard(self, mode, tags):
        wizard_id = self._call(
            "crm.lead.tag.update",
            "create",
            [[{"lead_ids": [[6, 0, [self.lead.id]]], "mode": mode, "tag_ids": [[6, 0, tags]]}]],
        )
        if isinstance(wizard_id, list):
            self._call("crm.lead.tag.update", "action_apply", [wizard_id])
        self._checked()
