"""Who may do what: one matrix of roles by operations on every model the
module adds or changes, run twice — through the ORM as each user, and over
real HTTP JSON-RPC against the test server — so that nothing relies on the
interface hiding a button."""

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import CanvasCommon

INTERNAL, REP, REP_ALL, MANAGER, PORTAL = "internal", "rep", "rep_all", "manager", "portal"
ROLES = (INTERNAL, REP, REP_ALL, MANAGER, PORTAL)
SALES = {REP, REP_ALL, MANAGER}
ALL_LEADS = {REP_ALL, MANAGER}
NOBODY = set()

# (name, model, method, target, args, kwargs, roles allowed)
# target: None calls the method on the model, else on a record made fresh
# for the operation by the fixture of that name.
OPERATIONS = [
    # crm.lead: the rep's own and another team's
    ("lead own read", "crm.lead", "read", "own_lead", [["name", "next_action_date", "contact_policy"]], {}, SALES),
    ("lead own write", "crm.lead", "write", "own_lead", [{"name": "Renamed"}], {}, SALES),
    ("lead own unlink", "crm.lead", "unlink", "own_lead", [], {}, {MANAGER}),
    ("lead create", "crm.lead", "create", None, "new_lead_vals", {}, SALES),
    ("lead own mark lost", "crm.lead", "action_set_lost", "own_lead", [], {"lost_reason_id": "reason"}, SALES),
    ("lead own mark won", "crm.lead", "action_set_won", "own_lead", [], {}, SALES),
    ("lead other mark won", "crm.lead", "action_set_won", "other_lead", [], {}, ALL_LEADS),
    ("tag archive", "crm.tag", "action_archive", "tag", [], {}, SALES),
    ("lead own restore", "crm.lead", "action_restore", "own_lost_lead", [], {}, SALES),
    ("lead own lost unlink", "crm.lead", "unlink", "own_lost_lead", [], {}, NOBODY),
    ("lead own schedule call", "crm.lead", "action_canvas_schedule_call", "own_lead", [], {}, SALES),
    ("lead own schedule task", "crm.lead", "action_canvas_schedule_task", "own_lead", [], {}, SALES),
    ("lead own schedule meeting", "crm.lead", "action_canvas_schedule_meeting", "own_lead", [], {}, SALES),
    ("lead own plan next action", "crm.lead", "write", "own_lead", [{"next_action_date": "2030-01-02"}], {}, SALES),
    ("lead own allow contact", "crm.lead", "action_canvas_allow_contact", "own_dnc_lead", [], {}, {MANAGER}),
    (
        "lead own lift do not contact by write",
        "crm.lead",
        "write",
        "own_dnc_lead",
        [{"contact_policy": "allowed"}],
        {},
        {MANAGER},
    ),
    (
        "lead own mark forgotten",
        "crm.lead",
        "write",
        "own_lead",
        [{"forgotten_date": "2030-01-01 00:00:00"}],
        {},
        NOBODY,
    ),
    ("lead own set do not contact", "crm.lead", "write", "own_lead", [{"contact_policy": "do_not_contact"}], {}, SALES),
    ("lead other read", "crm.lead", "read", "other_lead", [["name"]], {}, ALL_LEADS),
    ("lead other write", "crm.lead", "write", "other_lead", [{"name": "Renamed"}], {}, ALL_LEADS),
    ("lead other mark lost", "crm.lead", "action_set_lost", "other_lead", [], {}, ALL_LEADS),
    ("lead other schedule call", "crm.lead", "action_canvas_schedule_call", "other_lead", [], {}, ALL_LEADS),
    (
        "lead other plan next action",
        "crm.lead",
        "write",
        "other_lead",
        [{"next_action_date": "2030-01-02"}],
        {},
        ALL_LEADS,
    ),
    # stages and their rules
    ("stage read", "crm.stage", "read", "stage", [["name", "stage_kind", "requirements"]], {}, SALES | {INTERNAL}),
    ("stage write rules", "crm.stage", "write", "stage", [{"requires_next_action": True}], {}, {MANAGER}),
    ("stage create", "crm.stage", "create", None, [{"name": "New stage", "stage_kind": "lead"}], {}, {MANAGER}),
    ("stage unlink unused", "crm.stage", "unlink", "stage", [], {}, {MANAGER}),
    ("stage unlink used", "crm.stage", "unlink", "used_stage", [], {}, NOBODY),
    # lost reasons
    ("reason read", "crm.lost.reason", "read", "reason", [["name", "contact_policy"]], {}, SALES | {INTERNAL}),
    (
        "reason write",
        "crm.lost.reason",
        "write",
        "reason",
        [{"contact_policy": "retarget", "retarget_days": 90}],
        {},
        {MANAGER},
    ),
    ("reason create", "crm.lost.reason", "create", None, [{"name": "Budget frozen"}], {}, {MANAGER}),
    # loss history: read as the leads, never written or deleted by anyone
    ("loss own read", "crm.lead.loss", "read", "own_loss", [["lead_name", "reason_id"]], {}, SALES),
    ("loss other read", "crm.lead.loss", "read", "other_loss", [["lead_name"]], {}, ALL_LEADS),
    ("loss write", "crm.lead.loss", "write", "own_loss", [{"note": "rewritten"}], {}, NOBODY),
    ("loss create", "crm.lead.loss", "create", None, "loss_vals", {}, NOBODY),
    ("loss unlink", "crm.lead.loss", "unlink", "own_loss", [], {}, NOBODY),
    # stage history and its reports: read as the leads, never written or deleted
    ("history own read", "crm.lead.stage.history", "read", "own_history", [["stage_id", "date_in"]], {}, SALES),
    ("history other read", "crm.lead.stage.history", "read", "other_history", [["stage_id"]], {}, ALL_LEADS),
    ("history write", "crm.lead.stage.history", "write", "own_history", [{"date_out": "2030-01-01"}], {}, NOBODY),
    ("history create", "crm.lead.stage.history", "create", None, "history_vals", {}, NOBODY),
    ("history unlink", "crm.lead.stage.history", "unlink", "own_history", [], {}, NOBODY),
    ("funnel report read", "crm.lead.stage.report", "search_read", None, [[], ["stage_id"]], {}, SALES),
    # settings and blacklists: administrators only
    ("settings change", "res.config.settings", "create", None, [{"canvas_require_next_action": True}], {}, NOBODY),
    ("email blacklist read", "mail.blacklist", "read", "email_blacklist", [["email"]], {}, NOBODY),
    ("email blacklist lift", "mail.blacklist", "unlink", "email_blacklist", [], {}, NOBODY),
    ("phone blacklist lift", "phone.blacklist", "unlink", "phone_blacklist", [], {}, NOBODY),
    # wizards of the module
    ("tag wizard", "crm.lead.tag.update", "create", None, "tag_wizard_vals", {}, SALES),
    ("reactivate wizard", "crm.lead.reactivate", "create", None, "reactivate_vals", {}, SALES),
    ("forget contact wizard", "crm.lead.forget", "create", None, "forget_vals", {}, {MANAGER}),
]

DENIED = (AccessError, UserError, ValidationError, MissingError)


class AccessFixtures:
    """Users of every role and a fresh record per operation."""

    @classmethod
    def _setup_access(cls):
        cls.user_portal = mail_new_test_user(
            cls.env, login="canvas_portal", name="Pablo Portal", email="pablo@example.com", groups="base.group_portal"
        )
        cls.users = {
            INTERNAL: cls.user_internal,
            REP: cls.user_rep,
            REP_ALL: cls.user_rep_all,
            MANAGER: cls.user_manager,
            PORTAL: cls.user_portal,
        }
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Canvas access reason"})

    def _fixture(self, name):
        env = self.env(user=self.env.ref("base.user_root"), su=True)
        Lead = env["crm.lead"]
        count = getattr(self, "_fixture_count", 0) + 1
        self._fixture_count = count
        own = {
            "name": "Own %s" % count,
            "type": "lead",
            "team_id": self.team_a.id,
            "user_id": self.user_rep.id,
            "email_from": "own%s@access.example.com" % count,
            "phone": "+34 600 00%04d" % count,
        }
        if name == "own_lead":
            return Lead.create(own)
        if name == "own_dnc_lead":
            lead = Lead.create(own)
            lead.action_set_lost()
            lead.write({"contact_policy": "do_not_contact"})
            return lead
        if name in ("own_lost_lead", "own_loss"):
            lead = Lead.create(own)
            lead.action_set_lost(lost_reason_id=self.reason.id)
            return lead.with_context(active_test=False).loss_ids if name == "own_loss" else lead
        if name in ("other_lead", "other_loss"):
            lead = Lead.create(dict(own, name="Other %s" % count, team_id=self.team_b.id, user_id=self.user_rep_all.id))
            if name == "other_loss":
                lead.action_set_lost()
                return lead.with_context(active_test=False).loss_ids
            return lead
        if name in ("own_history", "other_history"):
            lead = self._fixture("own_lead" if name == "own_history" else "other_lead")
            return env["crm.lead.stage.history"].search([("lead_id", "=", lead.id)])
        if name == "stage":
            return env["crm.stage"].create({"name": "Access stage %s" % count, "stage_kind": "lead"})
        if name == "used_stage":
            stage = env["crm.stage"].create({"name": "Used stage %s" % count, "stage_kind": "lead"})
            Lead.create(dict(own, stage_id=stage.id))
            return stage
        if name == "reason":
            return self.reason
        if name == "tag":
            return env["crm.tag"].create({"name": "Access tag %s" % count})
        if name == "email_blacklist":
            return env["mail.blacklist"]._add("blocked%s@access.example.com" % count)
        if name == "phone_blacklist":
            return env["phone.blacklist"]._add(["+34 611 00%04d" % count])
        raise ValueError(name)

    def _values(self, name):
        """Arguments built from fixtures, for operations that need ids."""
        if name == "new_lead_vals":
            return [{"name": "Created", "type": "lead", "team_id": self.team_a.id}]
        if name == "loss_vals":
            return [{"lead_id": self._fixture("own_lead").id, "reason_id": self.reason.id}]
        if name == "history_vals":
            lead = self._fixture("own_lead")
            return [{"lead_id": lead.id, "stage_id": lead.stage_id.id}]
        if name == "tag_wizard_vals":
            return [{"lead_ids": [(6, 0, self._fixture("own_lead").ids)], "mode": "add"}]
        if name == "forget_vals":
            return [{"lead_ids": [(6, 0, self._fixture("own_lead").ids)], "confirmed": True}]
        if name == "reactivate_vals":
            return [{"lead_ids": [(6, 0, self._fixture("own_lost_lead").ids)]}]
        raise ValueError(name)

    def _prepare(self, operation):
        """(records or False, args, kwargs) for an operation, as superuser."""
        _name, _model, _method, target, args, kwargs, _allowed = operation
        records = self._fixture(target) if target else False
        args = self._values(args) if isinstance(args, str) else list(args)
        kwargs = {key: self._fixture(value).id if value == "reason" else value for key, value in kwargs.items()}
        self.env.flush_all()
        return records, args, kwargs


@tagged("post_install", "-at_install")
class TestAccessMatrixOrm(AccessFixtures, CanvasCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_access()

    def _run_as(self, operation, role):
        _name, model, method, _target, _args, _kwargs, _allowed = operation
        records, args, kwargs = self._prepare(operation)
        Model = self.env[model].with_user(self.users[role])
        subject = Model.browse(records.ids) if records is not False else Model
        try:
            with self.env.cr.savepoint():
                getattr(subject, method)(*args, **kwargs)
                self.env.flush_all()
                raise _Undo
        except _Undo:
            return "allow"
        except DENIED:
            return "deny"
        finally:
            self.env.invalidate_all()

    def test_matrix(self):
        for operation in OPERATIONS:
            for role in ROLES:
                with self.subTest(operation=operation[0], role=role):
                    expected = "allow" if role in operation[-1] else "deny"
                    self.assertEqual(self._run_as(operation, role), expected)
        self.assertCanvasInvariants()


class _Undo(Exception):
    """Raised to roll an allowed operation back to its savepoint."""


@tagged("post_install", "-at_install")
class TestAccessMatrixRpc(AccessFixtures, CanvasCommon, HttpCase):
    """The same matrix through /web/dataset/call_kw, logged in as each user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_access()

    @mute_logger("odoo.http")  # the refusals are expected: the test checks each one
    def _call(self, model, method, args, kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/%s/%s" % (model, method),
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def test_matrix_over_json_rpc(self):
        denied_names = {"odoo.exceptions.%s" % error.__name__ for error in DENIED}
        for role in ROLES:
            user = self.users[role]
            self.authenticate(user.login, user.login)
            for operation in OPERATIONS:
                name, model, method, _target, _args, _kwargs, allowed = operation
                with self.subTest(operation=name, role=role):
                    records, args, kwargs = self._prepare(operation)
                    if records is not False:
                        args = [records.ids, *args]
                    try:
                        self._call(model, method, args, kwargs)
                        outcome = "allow"
                    except JsonRpcException as error:
                        # a clear refusal, never a server error of another kind
                        self.assertIn(str(error), denied_names)
                        outcome = "deny"
                    self.assertEqual(outcome, "allow" if role in allowed else "deny")
                    self.env.invalidate_all()
        self.assertCanvasInvariants()
