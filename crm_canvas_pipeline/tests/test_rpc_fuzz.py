"""Hostile input over JSON-RPC: wrong types, records that do not exist or
belong to another team, huge strings, SQL-ish and script content, dates far
away, and with every call a hostile context (any key the module ever read,
stock's keys that change what the ORM does, defaults, with any JSON value).
Every call succeeds or ends in a clear Odoo error — never an error of
another kind — and the invariants hold after each call."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import MODULE_CONTEXT_KEYS, STOCK_CONTEXT_KEYS, CanvasCommon

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
    # JSON carries no NaN nor infinity: no client can send them
    st.floats(allow_nan=False, allow_infinity=False),
    text,
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    st.lists(st.integers(min_value=-5, max_value=10**9), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
# Defaults a client may send: of the module's own fields with any value (the
# module checks them as it checks values), of stock's fields with values of
# their type (stock's ORM refuses the others its own way)
MODULE_DEFAULTS = tuple(
    "default_" + fname
    for fname in ("contact_policy", "retarget_date", "stage_id", "next_action_date", "next_action_type_id")
)
STOCK_DEFAULTS = {
    "default_type": st.sampled_from(["lead", "opportunity"]),
    "default_team_id": st.integers(min_value=1, max_value=50),
    "default_active": st.booleans(),
    "default_probability": st.floats(min_value=0, max_value=100),
}
contexts = st.dictionaries(
    st.sampled_from(MODULE_CONTEXT_KEYS + STOCK_CONTEXT_KEYS + MODULE_DEFAULTS), anything, max_size=5
).flatmap(
    lambda context: st.fixed_dictionaries({}, optional=STOCK_DEFAULTS).map(lambda defaults: {**context, **defaults})
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
        cls.reasons = {
            "fuzz": cls.reason,
            "do_not_contact": cls.env.ref("crm_canvas_pipeline.lost_reason_do_not_contact"),
            "expensive": cls.env.ref("crm.lost_reason_1"),
        }
        cls.opportunity = cls.env["crm.lead"].create(
            {
                "name": "Fuzz deal",
                "type": "opportunity",
                "team_id": cls.team_a.id,
                "user_id": cls.user_rep.id,
                "stage_id": cls.stage_opp_first.id,
                "email_from": "fuzzdeal@canvas.example.com",
            }
        )
        cls.ids_pool = st.sampled_from(
            [cls.lead.id, cls.other_lead.id, 0, -1, 2**31 - 1, 10**12, cls.stage_won.id, cls.other_stage.id]
        )

    def setUp(self):
        super().setUp()
        self.authenticate(self.user_rep.login, self.user_rep.login)

    def _call(self, model, method, args, kwargs=None, context=None):
        """The result, or the name of the error the server answered with
        (refusals are logged as warnings: expected here, and checked)."""
        kwargs = dict(kwargs or {}, context=context or {})
        try:
            with mute_logger("odoo.http"):
                return self.make_jsonrpc_request(
                    "/web/dataset/call_kw/%s/%s" % (model, method),
                    {"model": model, "method": method, "args": args, "kwargs": kwargs},
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
        context=contexts,
    )
    def test_fuzz_lead_fields(self, fname, value, context):
        if fname in ("stage_id", "next_action_type_id", "next_action_user_id") and type(value) is int:
            value = value % 2**20  # ids, existing or not (other types and ranges are drawn as they come)
        self._call("crm.lead", "write", [[self.lead.id], {fname: value}], context=context)
        self._call("crm.lead", "create", [[{"name": "Fuzz", "team_id": self.team_a.id, fname: value}]], context=context)
        self._checked()

    @FUZZ
    @given(stage=st.sampled_from(["initiative", "pipeline", "won", "other team", "missing"]), context=contexts)
    def test_fuzz_stage_moves(self, stage, context):
        stage_id = {
            "initiative": self.stage_lead_contacted.id,
            "pipeline": self.stage_opp_proposal.id,
            "won": self.stage_won.id,
            "other team": self.other_stage.id,
            "missing": 2**31 - 1,
        }[stage]
        for lead in (self.lead, self.opportunity):
            self._call("crm.lead", "write", [[lead.id], {"stage_id": stage_id}], context=context)
        self._checked()

    @FUZZ
    @given(
        method=st.sampled_from(
            [
                "action_canvas_schedule_call",
                "action_canvas_schedule_task",
                "action_canvas_schedule_meeting",
                "action_canvas_allow_contact",
                "action_set_lost",
                "action_restore",
            ]
        ),
        ids=st.lists(st.integers(min_value=-3, max_value=2**31 - 1), max_size=3),
        known=st.booleans(),
        reason=st.sampled_from([None, "fuzz", "do_not_contact", "expensive"]),
        context=contexts,
    )
    def test_fuzz_lead_actions(self, method, ids, known, reason, context):
        if known:
            # fresh records, so that each example acts on open ones
            fresh = self._leads(1, email_prefix="fuzzact%s-" % abs(hash((method, str(ids), reason, str(context)))))
            self.env.flush_all()
            ids = [fresh.id, self.other_lead.id, self.opportunity.id, *ids]
        kwargs = {}
        if method == "action_set_lost" and reason:
            kwargs["lost_reason_id"] = self.reasons[reason].id
        self._call("crm.lead", method, [ids], kwargs, context=context)
        self._checked()

    @FUZZ
    @given(
        reason=st.one_of(st.none(), st.integers(min_value=-3, max_value=2**31 - 1), st.just("reason")),
        feedback=text,
        policy=st.one_of(st.sampled_from(["none", "retarget", "do_not_contact"]), text),
        context=contexts,
    )
    def test_fuzz_lost_wizard(self, reason, feedback, policy, context):
        lead = self._leads(1, email_prefix="fuzzlost%s" % abs(hash((reason, feedback, policy))))
        self.env.flush_all()
        reason_id = self.reason.id if reason == "reason" else reason
        wizard_id = self._call(
            "crm.lead.lost",
            "create",
            [[{"lead_ids": [[6, 0, lead.ids]], "lost_reason_id": reason_id, "lost_feedback": feedback}]],
        )
        if isinstance(wizard_id, list):
            self._call("crm.lead.lost", "write", [wizard_id, {"contact_policy": policy}], context=context)
            self._call("crm.lead.lost", "action_lost_reason_apply", [wizard_id], context=context)
        self._checked()
        # notes are stored sanitized and logged escaped
        for loss in lead.with_context(active_test=False).loss_ids:
            self.assertNotIn("<script", loss.note or "")
        for message in lead.message_ids:
            self.assertNotIn("<script", message.body or "")

    @FUZZ
    @given(
        mode=anything,
        tags=st.lists(st.integers(min_value=-3, max_value=2**20), max_size=3),
        context=contexts,
    )
    def test_fuzz_tag_wizard(self, mode, tags, context):
        wizard_id = self._call(
            "crm.lead.tag.update",
            "create",
            [[{"lead_ids": [[6, 0, [self.lead.id]]], "mode": mode, "tag_ids": [[6, 0, tags]]}]],
            context=context,
        )
        if isinstance(wizard_id, list):
            self._call("crm.lead.tag.update", "action_apply", [wizard_id], context=context)
        self._checked()

    @FUZZ
    @given(
        stage=st.one_of(st.none(), st.sampled_from(["initiative", "pipeline"])),
        due=st.booleans(),
        context=contexts,
    )
    def test_fuzz_reactivate(self, stage, due, context):
        """The re-target pool's reactivation: a prospect not yet due, or who
        asked not to be contacted, stays where they are."""
        lead = self._leads(1, email_prefix="fuzzback%s" % abs(hash((stage, due, str(context)))))
        lead.action_set_lost(lost_reason_id=self.reasons["fuzz" if due else "expensive"].id)
        self.env.flush_all()
        values = {"lead_ids": [[6, 0, lead.ids]]}
        if stage:
            values["stage_id"] = (self.stage_lead_contacted if stage == "initiative" else self.stage_opp_proposal).id
        wizard_id = self._call("crm.lead.reactivate", "create", [[values]], context=context)
        if isinstance(wizard_id, list):
            self._call("crm.lead.reactivate", "action_reactivate", [wizard_id], context=context)
        self.env.invalidate_all()
        if not due:
            self.assertEqual(lead.won_status, "lost", "a prospect reactivated before the re-target date")
        self._checked()
