import re
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, str2bool
from odoo.tools.mail import parse_contact_from_email
from odoo.tools.safe_eval import safe_eval

from .crm_lost_reason import KEEP_ACTIVITIES_PARAM
from .res_config_settings import (
    FORBID_BACK_PARAM,
    FORBID_SKIP_PARAM,
    MANAGER_BYPASS_PARAM,
    ROTTING_FROM_ACTIVITY_PARAM,
    WON_NO_CUSTOMER_PARAM,
)

STAGE_KINDS = ("lead", "opportunity")
CANVAS_INPUT_FIELDS = frozenset(
    {
        "contact_policy",
        "retarget_date",
        "next_action_type_id",
        "next_action_date",
        "next_action_summary",
        "next_action_user_id",
        "stage_id",
    }
)
FIRST_STAGES_CACHE = "crm_canvas_pipeline.first_stages"
# leads whose stage changed during a conversion: their stays are written at its end
DEFERRED_HISTORY_CACHE = "crm_canvas_pipeline.deferred_history"
NEXT_ACTION_FIELDS = ("next_action_type_id", "next_action_date", "next_action_summary", "next_action_user_id")
# writing these may change the stage of a record (stage recomputed on type or team)
HISTORY_KEYS = {"stage_id", "type", "team_id"}


def _kind_of(lead_type):
    """The kind of stage a record of this type belongs in."""
    return "lead" if lead_type == "lead" else "opportunity"


def _is_set(value):
    """Whether a value being written fills a field (x2many commands included)."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        ids = set()
        for command in value:
            if command[0] == 6:
                ids = set(command[2])
            elif command[0] in (0, 4):
                ids.add(command[1] or object())
            elif command[0] == 5:
                ids = set()
            elif command[0] in (2, 3):
                ids.discard(command[1])
        return bool(ids)
    return bool(value)


def check_input(model, fnames, vals_list, read_later=frozenset()):
    """Values of the module's own fields, whoever sends them (RPC, import):
    a clear error for a wrong type, an unknown choice, a date that is no
    date or a record that does not exist, instead of a database error.
    Records are checked in one query per model, except those of the fields
    in `read_later`, which the caller reads before writing anything (a
    missing one raises MissingError there, at no extra query)."""
    wanted = defaultdict(set)
    for vals in vals_list:
        for fname in fnames.intersection(vals):
            field, value = model._fields[fname], vals[fname]
            if value is False or value is None:
                if field.required:
                    _raise_invalid(model, field, value)
                continue
            valid = True
            if field.type == "selection":
                valid = isinstance(value, str) and value in dict(field._description_selection(model.env))
            elif field.type == "date":
                try:
                    valid = isinstance(value, (str, date)) and bool(fields.Date.to_date(value))
                except (ValueError, TypeError):
                    valid = False
            elif field.type in ("char", "html", "text"):
                valid = isinstance(value, str) and "\x00" not in value
            elif field.type == "many2one":
                valid = type(value) is int and 0 < value < 2**31
                if valid:
                    wanted[field].add(value)
            if not valid:
                _raise_invalid(model, field, value)
    for field, ids in wanted.items():
        if field.name in read_later:
            continue
        found = set(model.env[field.comodel_name].sudo().with_context(active_test=False).browse(ids).exists().ids)
        missing = ids - found
        if missing:
            _raise_invalid(model, field, min(missing))


def _raise_invalid(model, field, value):
    shown = repr(value)
    raise ValidationError(
        model.env._(
            "“%(value)s” is not a valid value for %(field)s.",
            value=shown if len(shown) <= 40 else shown[:37] + "...",
            field=field._description_string(model.env),
        )
    )


def _normalize_vat(vat):
    """A tax ID as compared: letters and digits, upper case."""
    return re.sub(r"[^A-Za-z0-9]", "", vat or "").upper()


def _stage_kind_for(lead):
    """The kind of stage `lead` belongs in; initiative stages only for the
    leads of teams that use them."""
    return "lead" if lead.type == "lead" and lead.team_id.use_initiative_stages else "opportunity"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # pickers (status bar, form, import) only offer stages of the record's kind
    stage_id = fields.Many2one(
        domain="[('stage_kind', '=', 'lead' if type == 'lead' and use_initiative_stages else 'opportunity'), "
        "'|', ('team_ids', '=', False), ('team_ids', 'in', team_id)]"
    )
    use_initiative_stages = fields.Boolean(related="team_id.use_initiative_stages")
    # archived tags stay on the leads that carry them (pickers hide them)
    tag_ids = fields.Many2many(context={"active_test": False})

    # next action: a stored mirror of the earliest open activity (mail.activity
    # stays the truth); its state is computed from the date where it is read.
    # The mirror's columns carry no index: marking an activity done rewrites
    # them, and with no indexed column changed PostgreSQL keeps the new row
    # on its page (a HOT update) instead of adding an entry to each of the
    # table's 35 indexes (the install leaves room on every page for it).
    next_activity_id = fields.Many2one("mail.activity", "Next activity", compute="_compute_next_activity_id")
    next_action_type_id = fields.Many2one(
        "mail.activity.type",
        "Next action",
        compute="_compute_next_action",
        inverse="_inverse_next_action",
        store=True,
        readonly=False,
        copy=False,
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    next_action_date = fields.Date(
        "Next action date",
        compute="_compute_next_action",
        inverse="_inverse_next_action",
        store=True,
        readonly=False,
        copy=False,
    )
    next_action_summary = fields.Char(
        "Next action summary",
        compute="_compute_next_action",
        inverse="_inverse_next_action",
        store=True,
        readonly=False,
        copy=False,
    )
    next_action_user_id = fields.Many2one(
        "res.users",
        "Next action assignee",
        compute="_compute_next_action",
        inverse="_inverse_next_action",
        store=True,
        readonly=False,
        copy=False,
        domain="[('share', '=', False)]",
    )
    # stored: every card shows it, and a stored column costs a board much
    # less than a computed field per card
    next_action_icon = fields.Char("Next action icon", compute="_compute_next_action", store=True)
    next_action_state = fields.Selection(
        [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned"), ("none", "No next action")],
        "Next action state",
        compute="_compute_next_action_state",
        search="_search_next_action_state",
    )

    # lost archive
    contact_policy = fields.Selection(
        [("allowed", "Allowed"), ("do_not_contact", "Do not contact"), ("retarget", "Re-target from a date")],
        string="Contact policy",
        required=True,
        default="allowed",
        tracking=True,
        copy=False,
        help="Set by losses: a prospect who asked not to be contacted again is never contacted; others "
        "may be re-targeted from a date.",
    )
    retarget_date = fields.Date("Re-target from", index="btree_not_null", copy=False, tracking=True)
    # Nearly every lead is "allowed" with no re-target date, and no search
    # looks for those (the index would not be used for so many rows): the
    # two indexes hold the other leads only, and rewriting an allowed lead
    # with no date (converting it, moving it to another stage) adds no
    # entry to them.
    _contact_policy_restricted_index = models.Index("(contact_policy) WHERE contact_policy <> 'allowed'")
    # `-u crm` loads crm's models without this module's fields: Odoo drops
    # the column's NOT NULL, then this module sets it again, which makes
    # PostgreSQL scan every lead. This CHECK proves there is no NULL instead.
    _contact_policy_set = models.Constraint(
        "CHECK (contact_policy IS NOT NULL)",
        "Every lead has a contact policy.",
    )
    loss_ids = fields.One2many("crm.lead.loss", "lead_id", string="Losses", readonly=True)
    previous_loss_id = fields.Many2one(
        "crm.lead.loss",
        "Earlier loss",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This prospect was lost before (same email or phone).",
    )
    previous_loss_reason_id = fields.Many2one(related="previous_loss_id.reason_id", string="Earlier loss reason")
    previous_loss_date = fields.Datetime(related="previous_loss_id.date", string="Earlier loss date")

    # stage rules
    canvas_stage_guidance = fields.Html(related="stage_id.guidance", string="Stage guidance")
    canvas_next_stage_needs = fields.Char("Next stage needs", compute="_compute_canvas_next_stage_needs")

    # ------------------------------------------------------------
    # NEXT ACTION
    # ------------------------------------------------------------

    @api.depends("activity_ids.active", "activity_ids.date_deadline")
    def _compute_next_activity_id(self):
        for lead in self:
            lead.next_activity_id = lead._canvas_first_open_activity()

    def _canvas_first_open_activity(self):
        open_activities = self.activity_ids.filtered("active")
        if not open_activities:
            return self.env["mail.activity"]
        return min(open_activities, key=lambda activity: (activity.date_deadline, activity.id))

    # One method computes the whole mirror: marking an activity done then
    # recomputes each lead once, instead of a cascade of recomputes (the
    # next activity, then its four fields, then the type's icon).
    @api.depends(
        "activity_ids.active",
        "activity_ids.date_deadline",
        "activity_ids.activity_type_id.icon",
        "activity_ids.summary",
        "activity_ids.user_id",
    )
    def _compute_next_action(self):
        idle_ids = []
        for lead in self:
            activity = lead._canvas_first_open_activity()
            if not activity:
                idle_ids.append(lead.id)
                continue
            lead.next_action_type_id = activity.activity_type_id
            lead.next_action_date = activity.date_deadline
            lead.next_action_summary = activity.summary
            lead.next_action_user_id = activity.user_id
            lead.next_action_icon = activity.activity_type_id.icon
        # leads left without an open activity (the common case once one is
        # done) are cleared together, one assignment per field
        idle = self.browse(idle_ids)
        idle.next_action_type_id = False
        idle.next_action_date = False
        idle.next_action_summary = False
        idle.next_action_user_id = False
        idle.next_action_icon = False

    def _inverse_next_action(self):
        """Editing the next action on the lead edits its activity, or plans
        one: the lead only mirrors mail.activity. Identical changes are
        written once, new activities created in one call."""
        changes = defaultdict(lambda: self.env["mail.activity"])
        to_create = []
        for lead in self:
            activity = lead.next_activity_id
            if activity:
                if not lead.next_action_date:
                    raise UserError(
                        self.env._(
                            "%(name)s: to drop its next action, mark the activity done or cancel it.",
                            name=lead.display_name,
                        )
                    )
                vals = {}
                if lead.next_action_type_id and lead.next_action_type_id != activity.activity_type_id:
                    vals["activity_type_id"] = lead.next_action_type_id.id
                if lead.next_action_date != activity.date_deadline:
                    vals["date_deadline"] = lead.next_action_date
                if (lead.next_action_summary or False) != (activity.summary or False):
                    vals["summary"] = lead.next_action_summary
                if lead.next_action_user_id and lead.next_action_user_id != activity.user_id:
                    vals["user_id"] = lead.next_action_user_id.id
                if vals:
                    changes[tuple(sorted(vals.items()))] |= activity
            elif lead.next_action_type_id or lead.next_action_date or lead.next_action_summary:
                activity_type = lead.next_action_type_id or self.env["mail.activity"]._default_activity_type_for_model(
                    "crm.lead"
                )
                to_create.append(
                    {
                        "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                        "res_id": lead.id,
                        "activity_type_id": activity_type.id,
                        "date_deadline": lead.next_action_date or activity_type._get_date_deadline(),
                        "summary": lead.next_action_summary or activity_type.summary,
                        "user_id": (lead.next_action_user_id or lead.user_id or self.env.user).id,
                    }
                )
        for vals, activities in changes.items():
            activities.write(dict(vals))
        if to_create:
            self.env["mail.activity"].create(to_create)

    def _canvas_refresh_next_action(self, fnames):
        """The ORM protects written fields from their own recompute: once a
        write or create that edited the next action is over, read it back
        from the activity it planned (its assignee, its type's defaults)."""
        if any(fname in NEXT_ACTION_FIELDS for fname in fnames):
            for field in self.pool.field_computed[self._fields["next_action_date"]]:
                self.env.add_to_compute(field, self)

    @api.depends("next_action_date")
    @api.depends_context("tz")
    def _compute_next_action_state(self):
        today = fields.Date.context_today(self)
        for lead in self:
            deadline = lead.next_action_date
            if not deadline:
                lead.next_action_state = "none"
            elif deadline < today:
                lead.next_action_state = "overdue"
            elif deadline == today:
                lead.next_action_state = "today"
            else:
                lead.next_action_state = "planned"

    def _search_next_action_state(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        today = fields.Date.context_today(self)
        by_state = {
            "overdue": Domain("next_action_date", "<", today),
            "today": Domain("next_action_date", "=", today),
            "planned": Domain("next_action_date", ">", today),
            "none": Domain("next_action_date", "=", False),
        }
        domain = Domain.OR(by_state[state] for state in value if state in by_state)
        return ~domain if operator == "not in" else domain

    def _read_group_groupby(self, alias, groupby_spec, query):
        """Group by the next action's state (the Canvas progress bars) from
        the stored next-action date: a CASE on a column of the lead, where
        stock's activity_state joins an aggregate over every open activity
        of every lead (the largest share of the Canvas' opening time on
        200,000 leads)."""
        if groupby_spec != "next_action_state":
            return super()._read_group_groupby(alias, groupby_spec, query)
        self._check_field_access(self._fields["next_action_state"], "read")
        date = self._field_to_sql(alias, "next_action_date", query)
        return SQL(
            """CASE WHEN %(date)s IS NULL THEN 'none' WHEN %(date)s < %(today)s THEN 'overdue'
                    WHEN %(date)s = %(today)s THEN 'today' ELSE 'planned' END""",
            date=date,
            today=fields.Date.context_today(self),
        )

    def _canvas_schedule_action(self, xmlid):
        if len(self) != 1:
            raise UserError(self.env._("Plan the next action of one lead at a time."))
        # planning on a lead is editing it: no write access, no activity
        self.check_access("write")
        if self.contact_policy == "do_not_contact":
            raise UserError(
                self.env._(
                    "%(name)s asked not to be contacted again: no call, meeting or task can be planned.",
                    name=self.display_name,
                )
            )
        activity_type = self.env.ref(xmlid, raise_if_not_found=False)
        return {
            "type": "ir.actions.act_window",
            "name": activity_type.name if activity_type else self.env._("Schedule an activity"),
            "res_model": "mail.activity.schedule",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_id": self.id,
                "active_ids": self.ids,
                "default_res_model": self._name,
                "default_activity_type_id": activity_type.id if activity_type else False,
                "default_activity_user_id": (self.user_id or self.env.user).id,
            },
        }

    def action_canvas_schedule_call(self):
        return self._canvas_schedule_action("mail.mail_activity_data_call")

    def action_canvas_schedule_task(self):
        return self._canvas_schedule_action("mail.mail_activity_data_todo")

    def action_canvas_schedule_meeting(self):
        self._canvas_schedule_action("mail.mail_activity_data_meeting")
        return self.action_schedule_meeting()

    def action_schedule_meeting(self, smart_calendar=True):
        """Initiatives of a canvas team get meetings too: the calendar links
        them as it links opportunities."""
        action = super().action_schedule_meeting(smart_calendar=smart_calendar)
        if self.type == "lead" and self.use_initiative_stages:
            action["context"] = dict(
                action["context"], search_default_opportunity_id=self.id, default_opportunity_id=self.id
            )
        return action

    # ------------------------------------------------------------
    # ROTTING FROM THE LAST TOUCH
    # ------------------------------------------------------------

    def _canvas_rotting_from_activity(self):
        return str2bool(self.env["ir.config_parameter"].sudo().get_param(ROTTING_FROM_ACTIVITY_PARAM, "False"))

    def _canvas_touch_dates(self):
        """{lead id: date of its last done activity or logged note}, one query."""
        if not self.ids:
            return {}
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        self.env["mail.message"].flush_model(["model", "res_id", "date", "mail_activity_type_id", "subtype_id"])
        self.env.cr.execute(
            SQL(
                """SELECT res_id, MAX(date) FROM mail_message
                    WHERE model = 'crm.lead' AND res_id = ANY(%(ids)s)
                      AND (mail_activity_type_id IS NOT NULL OR (message_type = 'comment' AND subtype_id = %(note)s))
                 GROUP BY res_id""",
                ids=list(self.ids),
                note=note,
            )
        )
        return dict(self.env.cr.fetchall())

    def _compute_rotting(self):
        super()._compute_rotting()
        if not self._canvas_rotting_from_activity():
            return
        rotting = self.filtered("is_rotting")
        touches = rotting.filtered("id")._canvas_touch_dates()
        now = self.env.cr.now()
        for lead in rotting:
            touch = touches.get(lead.id)
            if not touch or not lead.date_last_stage_update or touch <= lead.date_last_stage_update:
                continue
            if touch + timedelta(days=lead.stage_id.rotting_threshold_days) >= now:
                lead.is_rotting = False
                lead.rotting_days = 0
            else:
                lead.rotting_days = (now - touch).days

    def _search_is_rotting(self, operator, value):
        domain = super()._search_is_rotting(operator, value)
        if not self._canvas_rotting_from_activity():
            return domain
        # a done activity or a note since the stage's limit un-rots the lead
        self.env["crm.stage"].flush_model(["rotting_threshold_days"])
        self.flush_model(["stage_id", "date_last_stage_update"])
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        touched = SQL(
            """SELECT lead.id FROM crm_lead lead
                 JOIN crm_stage stage ON stage.id = lead.stage_id
                WHERE stage.rotting_threshold_days > 0 AND EXISTS (
                    SELECT 1 FROM mail_message msg
                     WHERE msg.model = 'crm.lead' AND msg.res_id = lead.id
                       AND (msg.mail_activity_type_id IS NOT NULL
                            OR (msg.message_type = 'comment' AND msg.subtype_id = %(note)s))
                       AND msg.date + stage.rotting_threshold_days * interval '1 day' >= %(now)s)""",
            note=note,
            now=self.env.cr.now(),
        )
        fresh = Domain("id", "in", touched)
        # the ORM hands boolean searches over as "in [True]" / "not in [True]"
        return Domain(domain) & ~fresh if operator == "in" else Domain(domain) | fresh

    # ------------------------------------------------------------
    # STAGES OF THE RIGHT KIND
    # ------------------------------------------------------------

    @api.depends("team_id", "type")
    def _compute_stage_id(self):
        """Stock fills an empty stage; a stage of the wrong kind (a lead just
        converted through ``type``) is replaced too. One stage search per
        (team, kind), not per record."""
        # shared by the records of one call, and across stock's per-lead
        # conversion loop (see convert_opportunity)
        first_stages = self.env.cr.cache.get(FIRST_STAGES_CACHE, {})
        for lead in self:
            kind = _stage_kind_for(lead)
            if lead.stage_id and lead.stage_id.stage_kind == kind:
                continue
            key = (lead.team_id.id, kind)
            if key not in first_stages:
                first_stages[key] = lead._stage_find(domain=[("fold", "=", False), ("stage_kind", "=", kind)])
            lead.stage_id = first_stages[key]

    def convert_opportunity(self, partner, user_ids=False, team_id=False):
        with self._canvas_first_stages_once():
            return super().convert_opportunity(partner, user_ids=user_ids, team_id=team_id)

    @contextmanager
    def _canvas_first_stages_once(self):
        """Stock converts lead by lead (the wizards call convert_opportunity
        once per lead): each leaves its initiative stage for the first
        pipeline stage of its team, found once per team for the whole
        conversion rather than once per lead, and their new stays are
        written in one statement at the end rather than one per lead. Kept
        on the cursor, not in the context: the stage is recomputed in
        whichever environment reads it first."""
        cache = self.env.cr.cache
        if FIRST_STAGES_CACHE in cache:
            yield
            return
        cache[FIRST_STAGES_CACHE] = {}
        cache[DEFERRED_HISTORY_CACHE] = moved = []
        try:
            yield
            self.browse(list(dict.fromkeys(moved)))._canvas_history_open()
        finally:
            cache.pop(FIRST_STAGES_CACHE, None)
            cache.pop(DEFERRED_HISTORY_CACHE, None)

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        domain = list(domain or [])
        if not any(isinstance(leaf, (list, tuple)) and leaf[0] == "stage_kind" for leaf in domain):
            # stock looks for pipeline stages (first stage, won stages, conversion):
            # never hand it an initiative stage
            domain.append(("stage_kind", "=", "opportunity"))
        return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Columns of the kind(s) of record the view shows: the Leads kanban
        shows initiative stages, the pipeline opportunity stages, the Canvas
        both. Columns holding records are always kept."""
        kinds = self._canvas_stage_kinds(domain)
        expanded = super()._read_group_stage_ids(stages, domain)
        expanded = expanded.filtered(lambda stage: stage.stage_kind in kinds or stage in stages)
        # initiative columns before the pipeline's
        return expanded.sorted(lambda stage: (stage.stage_kind != "lead", stage.sequence, stage.name, stage.id))

    @api.model
    def _canvas_stage_kinds(self, domain):
        """Kinds of stage a kanban over ``domain`` shows, read from its
        conditions on ``type``; initiative stages need the Leads feature."""
        types = set()
        for condition in Domain(domain or []).iter_conditions():
            if condition.field_expr == "type" and condition.operator in ("=", "in"):
                value = condition.value
                types.update([value] if isinstance(value, str) or not hasattr(value, "__iter__") else value)
        types.discard(False)
        kinds = {_kind_of(lead_type) for lead_type in types} or set(STAGE_KINDS)
        if not self.env.user.has_group("crm.group_use_lead"):
            kinds.discard("lead")
        return kinds

    @api.model
    def action_open_canvas(self):
        """Open the Canvas board (menu CRM > Canvas). Without the Leads
        feature it shows opportunities only: initiative columns and the
        leads in them stay out of sight, nothing is removed."""
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_canvas_pipeline.crm_lead_action_canvas")
        if not self.env.user.has_group("crm.group_use_lead"):
            action["domain"] = [("type", "=", "opportunity")]
            action["context"] = dict(safe_eval(action.get("context") or "{}"), default_type="opportunity")
        return action

    @api.constrains("stage_id", "type")
    def _check_stage_kind(self):
        if self.env.context.get("canvas_promoting"):
            return  # create() promotes, then checks
        for lead in self:
            stage = lead.stage_id
            if not stage or stage.stage_kind == _stage_kind_for(lead):
                continue
            if not lead.use_initiative_stages:
                message = self.env._(
                    "“%(lead)s” cannot be in the initiative stage “%(stage)s”: its sales team does not use "
                    "initiative stages.",
                    lead=lead.display_name,
                    stage=stage.display_name,
                )
            elif lead.type == "lead":
                message = self.env._(
                    "“%(lead)s” is an initiative: it cannot be in the opportunity stage “%(stage)s”.",
                    lead=lead.display_name,
                    stage=stage.display_name,
                )
            else:
                message = self.env._(
                    "“%(lead)s” is an opportunity: it cannot go back to the initiative stage “%(stage)s”.",
                    lead=lead.display_name,
                    stage=stage.display_name,
                )
            raise ValidationError(message)

    # ------------------------------------------------------------
    # PROMOTE BY MOVING
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._canvas_check_input(vals_list)
        # the next action is planned once the leads exist with their
        # followers: an activity created inside the ORM's create subscribes
        # its assignee before mail.thread does, and both would insert them
        vals_list = [dict(vals) for vals in vals_list]
        next_actions = [{fname: vals.pop(fname) for fname in NEXT_ACTION_FIELDS if fname in vals} for vals in vals_list]
        # the kind check waits until initiatives created in a pipeline stage
        # are promoted below
        leads = super(CrmLead, self.with_context(canvas_promoting=True)).create(vals_list).with_env(self.env)
        planned = defaultdict(list)
        for lead, values in zip(leads, next_actions, strict=True):
            if any(values.values()):
                planned[tuple(sorted(values.items()))].append(lead.id)
        for values, lead_ids in planned.items():
            self.browse(lead_ids).write(dict(values))
        # created straight into a pipeline stage (quick create in a Canvas
        # column, import): an opportunity from the start
        promoted = leads.filtered(
            lambda lead: (
                lead.type == "lead" and lead.use_initiative_stages and lead.stage_id.stage_kind == "opportunity"
            )
        )
        if promoted:
            promoted.write({"type": "opportunity", "date_conversion": self.env.cr.now()})
            promoted._canvas_assign_customers()
            promoted._canvas_log_conversion()
        leads._check_stage_kind()
        if not self.env.context.get("canvas_skip_stage_rules"):
            required = self.env["crm.stage"]._canvas_required_fields()
            for stage, created in leads.grouped("stage_id").items():
                if stage.id in required or stage.requires_next_action:
                    created._canvas_check_stage_rules(stage, {}, moving=False)
        leads.filtered(lambda lead: lead.contact_policy == "do_not_contact")._canvas_set_do_not_contact()
        leads._canvas_flag_returning_prospects()
        leads._canvas_history_open(close=False)  # stage history (issue 7): the first stay
        return leads

    def write(self, vals):
        # the target stage is read (kind, rules) before anything is written
        self._canvas_check_input([vals], read_later=frozenset({"stage_id"}))
        if "contact_policy" in vals and not self.env.context.get("canvas_contact_policy"):
            return self._canvas_write_contact_policy(vals)
        # stage history: rows for every stage change, written after the fact
        if HISTORY_KEYS & vals.keys() and not self.env.context.get("canvas_history_written"):
            return self._canvas_write_with_history(vals)
        stage = self.env["crm.stage"].browse(vals["stage_id"]) if vals.get("stage_id") else None
        bypassed = {}
        if stage and not self.env.context.get("canvas_skip_stage_rules"):
            bypassed = self.filtered(lambda lead: lead.stage_id != stage)._canvas_check_stage_rules(stage, vals)
        leads = self.browse()
        if stage and "type" not in vals:
            if stage.stage_kind == "lead":
                opportunities = self.filtered(lambda lead: lead.type == "opportunity")
                if opportunities:
                    raise UserError(
                        self.env._(
                            "An opportunity cannot go back to the initiative stage “%(stage)s”: %(names)s.",
                            stage=stage.display_name,
                            names=", ".join(opportunities.mapped("display_name")),
                        )
                    )
            else:
                leads = self.filtered(lambda lead: lead.type == "lead" and lead.use_initiative_stages)
        if not leads:
            result = super().write(vals)
        else:
            # Moving an initiative into an opportunity stage converts it, as
            # the stock "Convert to Opportunity" wizard does with its defaults.
            others = self - leads
            if others:
                super(CrmLead, others).write(vals)
            result = super(CrmLead, leads).write(dict(vals, type="opportunity", date_conversion=self.env.cr.now()))
            leads._canvas_assign_customers()
            leads._canvas_log_conversion(stage)
        if bypassed:
            self._canvas_log_bypass(stage, bypassed)
        self._canvas_refresh_next_action(vals)
        return result

    @api.model
    def _canvas_check_input(self, vals_list, read_later=frozenset()):
        check_input(self, CANVAS_INPUT_FIELDS, vals_list, read_later=read_later)

    def _canvas_write_contact_policy(self, vals):
        """A contact policy written directly (form, import, mass edit, RPC)
        means what the buttons mean: do-not-contact puts the prospect on the
        blacklists and cancels their activities; only a sales manager lifts
        it."""
        policy = vals["contact_policy"]
        lifting = self.filtered(lambda lead: lead.contact_policy == "do_not_contact" and policy != "do_not_contact")
        if lifting:
            lifting.action_canvas_allow_contact()  # checks the manager
        entering = self.browse()
        if policy == "do_not_contact":
            entering = self.filtered(lambda lead: lead.contact_policy != "do_not_contact")
        result = self.with_context(canvas_contact_policy=True).write(vals)
        if entering:
            entering._canvas_set_do_not_contact()
            entering._canvas_cancel_activities()
        return result

    def _track_subtype(self, init_values):
        """Leaving an initiative stage is part of a conversion, which stock
        logs without notifying followers: log it the same way. A "Stage
        Changed" notification per converted lead cost a message_post each
        (eight queries a lead in the mass conversion). Winning still
        notifies."""
        self.ensure_one()
        old_stage = init_values.get("stage_id")
        if (
            init_values.get("type") == "lead"
            and self.type == "opportunity"
            and old_stage
            and old_stage.stage_kind == "lead"
            and self.won_status != "won"
        ):
            return False
        return super()._track_subtype(init_values)

    def _canvas_assign_customers(self):
        """Link each converted lead to its customer like the stock wizard's
        defaults: an existing partner matching the email, else a new one made
        from the lead's data (company and contact). Batched: one search and
        at most two partner creations for the whole recordset."""
        todo = self.filtered(lambda lead: not lead.partner_id)
        if not todo:
            return
        # mail.thread's create subscribes and logs partner by partner; skip it
        # (tracking_disable) and do the same for the whole batch below
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        emails = list({lead.email_normalized for lead in todo if lead.email_normalized})
        matching = {}
        if emails:
            for partner in Partner.search([("email_normalized", "in", emails)], order="is_company desc, id"):
                matching.setdefault(partner.email_normalized, partner)
        partner_by_lead = {lead: matching[lead.email_normalized] for lead in todo if lead.email_normalized in matching}
        to_create = todo.filtered(lambda lead: lead not in partner_by_lead)
        # issue 7: a company that has the lead's tax ID is its company, never a duplicate
        company_by_vat = to_create._canvas_companies_by_vat()
        # companies first, then their contacts (stock `_create_customer`)
        with_company = to_create.filtered(lambda lead: lead.partner_name and lead not in company_by_vat)
        companies = Partner.create(
            [lead._prepare_customer_values(lead.partner_name, is_company=True) for lead in with_company]
        )
        company_by_lead = dict(zip(with_company, companies, strict=True)) | company_by_vat
        contact_leads, contact_vals = [], []
        for lead in to_create:
            contact_name = lead.contact_name or (
                parse_contact_from_email(lead.email_from)[0] if lead.email_from else False
            )
            company = company_by_lead.get(lead, Partner)
            if contact_name:
                contact_vals.append(lead._prepare_customer_values(contact_name, parent_id=company.id))
            elif company:
                partner_by_lead[lead] = company
                continue
            else:
                contact_vals.append(lead._prepare_customer_values(lead.name))
            contact_leads.append(lead)
        contacts = Partner.create(contact_vals)
        for lead, partner in zip(contact_leads, contacts, strict=True):
            partner_by_lead[lead] = partner
        for lead, partner in partner_by_lead.items():
            lead.partner_id = partner
        self._canvas_follow_and_log(companies | contacts)
        return companies | contacts

    def _canvas_follow_and_log(self, partners):
        """What mail.thread does when a partner is created, for a batch: the
        creator and each partner's salesperson follow it, and its creation is
        logged. One query per salesperson, not per partner."""
        if not partners:
            return
        creator = self.env.user
        for salesperson, group in partners.grouped("user_id").items():
            followers = salesperson.partner_id
            if creator.active and not creator.share:
                followers |= creator.partner_id
            if followers:
                self.env["mail.followers"]._insert_followers(
                    "res.partner",
                    group.ids,
                    followers.ids,
                    customer_ids=[],
                    check_existing=True,
                    existing_policy="skip",
                )
        partners._message_log_batch(bodies={partner.id: partner._creation_message() for partner in partners})

    def _canvas_log_conversion(self, stage=None):
        bodies = {}
        for lead in self:
            body = self.env._(
                "Converted to opportunity by moving it to the stage %(stage)s.",
                stage=(stage or lead.stage_id).display_name,
            )
            bodies[lead.id] = Markup("<p>%s</p>") % body
        self._message_log_batch(bodies=bodies)

    # ------------------------------------------------------------
    # LOST ARCHIVE
    # ------------------------------------------------------------

    def _handle_won_lost(self, old_status_by_lead, new_status_by_lead):
        """Every path to lost (wizard, action_set_lost, write, import) writes
        a loss row and applies its contact policy; every restore stamps it."""
        result = super()._handle_won_lost(old_status_by_lead, new_status_by_lead)
        lost = self.browse()
        restored = self.browse()
        for lead in self:
            was_lost = old_status_by_lead.get(lead.id, {}).get("is_lost")
            is_lost = new_status_by_lead.get(lead.id, {}).get("is_lost")
            if is_lost and not was_lost:
                lost |= lead
            elif was_lost and not is_lost:
                restored |= lead
        if lost:
            lost._canvas_record_losses()
        if restored:
            restored._canvas_record_restores()
        self._canvas_on_won_lost(old_status_by_lead, new_status_by_lead)  # issue 7: outcome, won customer
        return result

    def action_set_lost(self, **additional_values):
        # stock archives first and writes the reason after: a lead whose
        # probability is already 0 is lost in between, so pass the reason along
        leads = self.with_context(canvas_lost_values=additional_values)
        given_reason = self.env["crm.lost.reason"].browse(additional_values.get("lost_reason_id"))
        # the re-target policy a loss sets goes into stock's own write: one
        # tracked UPDATE per lead rather than two
        retarget = defaultdict(list)
        for lead in self:
            if lead.won_status != "lost" and lead.contact_policy != "do_not_contact":
                policy, retarget_date = lead._canvas_loss_policy(given_reason)[1:]
                if policy == "retarget":
                    retarget[retarget_date].append(lead.id)
        result = True
        for retarget_date, ids in retarget.items():
            result = super(
                CrmLead, leads.browse(ids).with_context(canvas_contact_policy=True, canvas_retarget_written=True)
            ).action_set_lost(**additional_values, contact_policy="retarget", retarget_date=retarget_date)
        others = self - self.browse([lead_id for ids in retarget.values() for lead_id in ids])
        if others:
            result = super(CrmLead, leads.browse(others.ids)).action_set_lost(**additional_values)
        return result

    def _track_get_fields(self):
        # the re-target date a loss sets is on its loss row (Losses tab) and
        # on the form, and the loss's tracking message says the policy
        # changed: tracking the date as well cost a tracking value per lead
        # lost. A date edited by hand is tracked as before.
        fnames = super()._track_get_fields()
        if self.env.context.get("canvas_retarget_written"):
            return fnames - {"retarget_date"}
        return fnames

    def _canvas_loss_policy(self, given_reason):
        """(reason, contact policy, re-target date) of a loss of this lead:
        its reason's policy, or the stricter one chosen in the loss wizard."""
        reason = self.lost_reason_id or given_reason
        policy = self.env.context.get("canvas_loss_policy") or reason.contact_policy or "none"
        if policy != "retarget":
            return reason, policy, None
        return reason, policy, fields.Date.context_today(self) + timedelta(days=reason.retarget_days)

    def _canvas_record_losses(self):
        """One loss row per lead, then the contact policy its reason implies
        (or the stricter one chosen in the loss wizard)."""
        context = self.env.context
        note = context.get("canvas_loss_note") or False
        reason_id = (context.get("canvas_lost_values") or {}).get("lost_reason_id")
        given_reason = self.env["crm.lost.reason"].browse(reason_id)
        # lost work leaves the reps' to-do lists; its loss row keeps what it was
        activities, cancelled = self.env["mail.activity"], {}
        if not str2bool(self.env["ir.config_parameter"].sudo().get_param(KEEP_ACTIVITIES_PARAM, "False")):
            activities, cancelled = self._canvas_open_activities()
        rows = []
        by_policy = defaultdict(list)
        for lead in self:
            reason, policy, retarget_date = lead._canvas_loss_policy(given_reason)
            rows.append((lead.id, reason.id or None, policy, retarget_date, cancelled.get(lead.id)))
            # a prospect who asked not to be contacted stays so; a re-target
            # from action_set_lost is written by it
            if policy == "retarget" and context.get("canvas_retarget_written"):
                continue
            if lead.contact_policy != "do_not_contact" and policy != "none":
                by_policy[policy, retarget_date or False].append(lead.id)
        self._canvas_insert_losses(rows, note)
        activities.with_context(canvas_skip_next_action_rule=True).unlink()
        for (policy, retarget_date), ids in by_policy.items():
            leads = self.browse(ids)
            if policy == "do_not_contact":
                leads._canvas_set_do_not_contact()
            else:
                leads.with_context(canvas_contact_policy=True).write(
                    {"contact_policy": "retarget", "retarget_date": retarget_date}
                )

    def _canvas_insert_losses(self, rows, note):
        """Insert the loss rows of a batch in one statement: `rows` are
        (lead id, reason id, contact policy, re-target date, cancelled
        activities), the rest is the lead as it is now, from the cache (no
        flush of the leads in the middle of stock's lost write). The closing
        note is the same for the batch: sanitized once, as the field would."""
        Loss = self.env["crm.lead.loss"].sudo()
        Loss.flush_model()
        now = self.env.cr.now()
        leads = self.browse([row[0] for row in rows])
        lead_ids, reason_ids, policies, retarget_dates, cancelled = (list(column) for column in zip(*rows, strict=True))
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_lead_loss (
                    lead_id, reason_id, contact_policy, retarget_date, cancelled_activities, lead_name, stage_id,
                    lead_type, expected_revenue, currency_id, user_id, team_id, company_id,
                    note, date, lost_by_id, create_uid, create_date, write_uid, write_date
                )
                SELECT loss.*, %(note)s, %(now)s, %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(lead_ids)s::int[], %(reason_ids)s::int[], %(policies)s::varchar[],
                              %(retarget_dates)s::date[], %(cancelled)s::text[], %(names)s::varchar[],
                              %(stage_ids)s::int[], %(types)s::varchar[], %(revenues)s::numeric[],
                              %(currency_ids)s::int[], %(user_ids)s::int[], %(team_ids)s::int[],
                              %(company_ids)s::int[]) AS loss
                """,
                note=Loss._fields["note"].convert_to_column(note, Loss) if note else None,
                now=now,
                uid=self.env.uid,
                lead_ids=lead_ids,
                reason_ids=reason_ids,
                policies=policies,
                retarget_dates=retarget_dates,
                cancelled=cancelled,
                names=leads.mapped("name"),
                stage_ids=[lead.stage_id.id or None for lead in leads],
                types=[lead.type for lead in leads],
                revenues=[lead.expected_revenue for lead in leads],
                currency_ids=[lead.company_currency.id or None for lead in leads],
                user_ids=[lead.user_id.id or None for lead in leads],
                team_ids=[lead.team_id.id or None for lead in leads],
                company_ids=[lead.company_id.id or None for lead in leads],
            )
        )
        Loss.invalidate_model()
        self.invalidate_recordset(["loss_ids"])

    def _canvas_set_do_not_contact(self, message=None):
        """Honour a prospect's wish not to be contacted: the lead says so and
        its email and phone go to the blacklists (done by the system: reps
        have no rights on them)."""
        self.with_context(canvas_contact_policy=True).write(
            {"contact_policy": "do_not_contact", "retarget_date": False}
        )
        emails = {lead.email_normalized for lead in self if lead.email_normalized}
        if emails:
            Blacklist = self.env["mail.blacklist"].sudo().with_context(active_test=False)
            existing = Blacklist.search([("email", "in", list(emails))])
            existing.filtered(lambda entry: not entry.active).action_unarchive()
            Blacklist.create([{"email": email} for email in emails - set(existing.mapped("email"))])
        phones = [lead.phone_sanitized for lead in self if lead.phone_sanitized]
        if phones:
            self.env["phone.blacklist"].sudo()._add(list(set(phones)))
        body = message or self.env._(
            "Do not contact: the prospect's wish not to be contacted again is recorded; their email and "
            "phone are on the blacklists."
        )
        self._message_log_batch(bodies=dict.fromkeys(self.ids, Markup("<p>%s</p>") % body))

    def _canvas_open_activities(self):
        """The open activities of these records, and what they are:
        {lead id: a line per activity}."""
        activities = (
            self.env["mail.activity"].sudo().search([("res_model", "=", "crm.lead"), ("res_id", "in", self.ids)])
        )
        return activities, {
            lead_id: "\n".join(
                " - ".join(filter(None, [a.activity_type_id.name, a.summary, str(a.date_deadline)]))
                for a in lead_activities
            )
            for lead_id, lead_activities in activities.grouped("res_id").items()
        }

    def _canvas_cancel_activities(self):
        """Cancel the open activities of these records: they leave the reps'
        to-do lists, and the chatter keeps what they were. (A loss keeps it
        in its loss row instead.)"""
        activities, cancelled = self._canvas_open_activities()
        if not activities:
            return
        activities.with_context(canvas_skip_next_action_rule=True).unlink()
        title = self.env._("These open activities were cancelled.")
        self.browse(list(cancelled))._message_log_batch(
            bodies={
                lead_id: Markup("<p>%s</p><ul>%s</ul>")
                % (title, Markup("").join(Markup("<li>%s</li>") % item for item in text.split("\n")))
                for lead_id, text in cancelled.items()
            }
        )

    def _canvas_record_restores(self):
        losses = self.env["crm.lead.loss"].sudo().search([("lead_id", "in", self.ids), ("restored_date", "=", False)])
        losses.write({"restored_date": fields.Datetime.now(), "restored_by_id": self.env.uid})
        # the restore is in stock's tracking message and on the loss rows; a
        # prospect who asked not to be contacted is worth a word
        unwilling = self.filtered(lambda lead: lead.contact_policy == "do_not_contact")
        if unwilling:
            body = Markup("<p>%s</p>") % self.env._("Restored: the prospect still does not want to be contacted.")
            unwilling._message_log_batch(bodies=dict.fromkeys(unwilling.ids, body))

    def _canvas_flag_returning_prospects(self):
        """A new lead whose email or phone belongs to a lost lead points to
        that loss; if that prospect asked not to be contacted, so is the new
        lead. Two searches for the whole batch."""
        fresh = self.filtered(lambda lead: lead.active and (lead.email_normalized or lead.phone_sanitized))
        if not fresh:
            return
        emails = list({lead.email_normalized for lead in fresh if lead.email_normalized})
        phones = list({lead.phone_sanitized for lead in fresh if lead.phone_sanitized})
        match = Domain.OR(
            [
                Domain("email_normalized", "in", emails) if emails else Domain.FALSE,
                Domain("phone_sanitized", "in", phones) if phones else Domain.FALSE,
            ]
        )
        Loss = self.env["crm.lead.loss"].sudo().with_context(active_test=False)
        losses = Loss.search(
            Domain("lead_id", "any", Domain("id", "not in", self.ids) & match), order="date desc, id desc"
        )
        if not losses:
            return
        latest_by_key, do_not_contact = {}, set()
        for loss in losses:
            lead = loss.lead_id
            for key in (("email", lead.email_normalized), ("phone", lead.phone_sanitized)):
                if key[1]:
                    latest_by_key.setdefault(key, loss)
                    if lead.contact_policy == "do_not_contact":
                        do_not_contact.add(key)
        wish_kept = self.browse()
        for lead in fresh:
            keys = [("email", lead.email_normalized), ("phone", lead.phone_sanitized)]
            previous = [latest_by_key[key] for key in keys if key in latest_by_key]
            if not previous:
                continue
            lead.previous_loss_id = max(previous, key=lambda loss: (loss.date, loss.id))
            if any(key in do_not_contact for key in keys):
                wish_kept |= lead
        if wish_kept:
            wish_kept._canvas_set_do_not_contact(
                self.env._(
                    "Do not contact: this prospect was lost before and asked not to be contacted again; "
                    "their wish is kept."
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_loss_history(self):
        """Lost leads of the canvas keep their history. A duplicate folded by
        a merge can go: its losses moved to the lead that survives. Teams
        outside the canvas delete as in stock, and keep the loss rows."""
        kept = self.filtered(lambda lead: lead.use_initiative_stages and lead.sudo().loss_ids)
        if kept:
            raise UserError(
                self.env._(
                    "Lost leads are never deleted: archive them or mark them lost, their history is kept. %(names)s",
                    names=", ".join(kept.mapped("display_name")),
                )
            )

    def _merge_dependences(self, opportunities):
        result = super()._merge_dependences(opportunities)
        losses = opportunities.sudo().loss_ids
        if losses:
            losses.write({"lead_id": self.id})
        return result

    def action_canvas_allow_contact(self):
        """Lift a do-not-contact (sales managers): the prospect agreed to be
        contacted again. Removes them from the blacklists; logged."""
        self._canvas_check_manager()
        leads = self.filtered(lambda lead: lead.contact_policy == "do_not_contact")
        leads.with_context(canvas_contact_policy=True).write({"contact_policy": "allowed"})
        for email in {lead.email_normalized for lead in leads if lead.email_normalized}:
            self.env["mail.blacklist"].sudo()._remove(email)
        phones = list({lead.phone_sanitized for lead in leads if lead.phone_sanitized})
        if phones:
            self.env["phone.blacklist"].sudo()._remove(phones)
        body = self.env._("Contact allowed again by %(user)s.", user=self.env.user.name)
        leads._message_log_batch(bodies=dict.fromkeys(leads.ids, Markup("<p>%s</p>") % body))

    def action_canvas_forget_contact(self):
        """Erase the personal data of a prospect (GDPR) and keep the rest:
        the lead, its losses and their figures stay for the statistics;
        a do-not-contact stays on the blacklists."""
        self._canvas_check_manager()
        for lead in self:
            lead.write(
                {
                    "name": self.env._("Forgotten contact #%(id)s", id=lead.id),
                    "partner_id": False,
                    "contact_name": False,
                    "partner_name": False,
                    "email_from": False,
                    "email_cc": False,
                    "phone": False,
                    "function": False,
                    "website": False,
                    "street": False,
                    "street2": False,
                    "zip": False,
                    "city": False,
                    "state_id": False,
                    "country_id": False,
                    "description": False,
                }
            )
        body = self.env._("Personal data erased by %(user)s at the prospect's request.", user=self.env.user.name)
        self._message_log_batch(bodies=dict.fromkeys(self.ids, Markup("<p>%s</p>") % body))

    def _canvas_check_manager(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers can do this."))

    # ------------------------------------------------------------
    # STAGE RULES
    # ------------------------------------------------------------

    def _canvas_check_stage_rules(self, stage, vals, moving=True):
        """Refuse to put any record of `self` in `stage` if that breaks a
        rule: the stage's required fields (values being written count), its
        next action, and the pipeline's move rules. Nothing is written then;
        the error names every record and what it lacks. A few queries for
        the whole batch. Returns {lead: rule} for the move rules a sales
        manager bypassed."""
        if not self:
            return {}
        problems = defaultdict(list)
        for fname in self.env["crm.stage"]._canvas_required_fields().get(stage.id, ()):
            if fname not in self._fields:
                continue
            label = self._fields[fname]._description_string(self.env)
            if fname in vals:
                if not _is_set(vals[fname]):
                    for lead in self:
                        problems[lead].append(label)
                continue
            for lead in self:
                if not lead[fname]:
                    problems[lead].append(label)
        if stage.requires_next_action and not any(_is_set(vals.get(fname)) for fname in NEXT_ACTION_FIELDS):
            planned = {
                res_id
                for (res_id,) in self.env["mail.activity"]
                .sudo()
                ._read_group([("res_model", "=", "crm.lead"), ("res_id", "in", self.ids)], ["res_id"])
            }
            for lead in self:
                if lead.id not in planned:
                    problems[lead].append(self.env._("a next action"))
        bypassed = {}
        if moving:
            for lead, rule in self._canvas_broken_move_rules(stage).items():
                if self._canvas_may_bypass():
                    bypassed[lead] = rule
                else:
                    problems[lead].append(rule)
        if problems:
            lines = "\n".join(
                "- %s: %s" % (lead.display_name, ", ".join(missing)) for lead, missing in problems.items()
            )
            raise UserError(
                self.env._(
                    "These records cannot go to the stage “%(stage)s” yet:\n%(lines)s",
                    stage=stage.display_name,
                    lines=lines,
                )
            )
        return bypassed

    def _canvas_broken_move_rules(self, stage):
        """{lead: rule} for the records whose move into `stage` skips stages
        forward or goes back while their team forbids it. Winning is never a
        skip."""
        params = self.env["ir.config_parameter"].sudo()
        skip_default = str2bool(params.get_param(FORBID_SKIP_PARAM, "False"))
        back_default = str2bool(params.get_param(FORBID_BACK_PARAM, "False"))
        team_rules = self.env["crm.team"]._canvas_move_rules()
        broken, orders = {}, {}
        if not (skip_default or back_default or team_rules):
            return broken
        for lead in self:
            team = lead.team_id
            skip, back = team_rules.get(team.id, ("default", "default"))
            forbid_skip = skip == "forbid" or (skip != "allow" and skip_default)
            forbid_back = back == "forbid" or (back != "allow" and back_default)
            if not (forbid_skip or forbid_back) or not lead.stage_id:
                continue
            if team not in orders:
                orders[team] = self._canvas_stage_order(team)
            order = orders[team]
            if lead.stage_id.id not in order or stage.id not in order:
                continue
            current, target = order.index(lead.stage_id.id), order.index(stage.id)
            if forbid_skip and target > current + 1 and not stage.is_won:
                broken[lead] = self.env._("it would skip stages (one stage at a time)")
            elif forbid_back and target < current:
                broken[lead] = self.env._("it would move back")
        return broken

    @api.model
    def _canvas_stage_order(self, team):
        """Ids of the stages a record of `team` goes through, in board order."""
        domain = Domain.OR([Domain("team_ids", "=", False), Domain("team_ids", "in", team.ids)])
        if not team.use_initiative_stages:
            domain &= Domain("stage_kind", "=", "opportunity")
        stages = self.env["crm.stage"].sudo().search(domain)
        return stages.sorted(lambda stage: (stage.stage_kind != "lead", stage.sequence, stage.id)).ids

    def _canvas_may_bypass(self):
        return self.env.user.has_group("sales_team.group_sale_manager") and str2bool(
            self.env["ir.config_parameter"].sudo().get_param(MANAGER_BYPASS_PARAM, "False")
        )

    def _canvas_log_bypass(self, stage, bypassed):
        bodies = {
            lead.id: Markup("<p>%s</p>")
            % self.env._(
                "Moved to %(stage)s by %(user)s although %(rule)s: a sales manager's bypass.",
                stage=stage.display_name,
                user=self.env.user.name,
                rule=rule,
            )
            for lead, rule in bypassed.items()
        }
        self.browse(list(bodies))._message_log_batch(bodies=bodies)

    @api.depends("stage_id", "team_id", "type", "next_action_date")
    @api.depends_context("uid")
    def _compute_canvas_next_stage_needs(self):
        orders = {}
        for lead in self:
            lead.canvas_next_stage_needs = False
            if not lead.stage_id:
                continue
            team = lead.team_id
            if team not in orders:
                orders[team] = self._canvas_stage_order(team)
            order = orders[team]
            if lead.stage_id.id not in order or order.index(lead.stage_id.id) + 1 >= len(order):
                continue
            following = self.env["crm.stage"].browse(order[order.index(lead.stage_id.id) + 1])
            needs = [
                self._fields[field.name]._description_string(self.env)
                for field in following.sudo().required_field_ids
                if field.name in self._fields and not lead[field.name]
            ]
            if following.requires_next_action and not lead.next_action_date:
                needs.append(self.env._("a next action"))
            if needs:
                lead.canvas_next_stage_needs = self.env._(
                    "To move to %(stage)s: %(needs)s", stage=following.display_name, needs=", ".join(needs)
                )

    # ------------------------------------------------------------
    # WON CUSTOMERS AND STAGE HISTORY (issue 7)
    # ------------------------------------------------------------

    customer_vat = fields.Char(
        "Tax ID",
        help="The customer's tax ID: converting or winning links the company that has it instead of creating one.",
    )
    stage_history_ids = fields.One2many("crm.lead.stage.history", "lead_id", "Stage history", readonly=True)
    canvas_days_in_stage = fields.Integer(
        "Days in stage",
        compute="_compute_canvas_days_in_stage",
        help="Days since the record entered its current stage.",
    )

    @api.depends("date_last_stage_update")
    def _compute_canvas_days_in_stage(self):
        # stock's mail.tracking.duration.mixin measures the time in a stage from
        # date_last_stage_update (rotting); the card shows the same figure. The
        # clock, not the transaction's time: reading cards costs no query for it
        now = fields.Datetime.now()
        for lead in self:
            since = lead.date_last_stage_update or lead.create_date
            lead.canvas_days_in_stage = (now - since).days if since else 0

    def _canvas_write_with_history(self, vals):
        """Write `vals`, then give every record whose stage changed (by the
        value written or by the stage recomputed after a type or team change)
        a new history row. Nested writes are covered by the outer one."""
        old_stages = {lead.id: lead.stage_id.id for lead in self}
        result = self.with_context(canvas_history_written=True).write(vals)
        moved = self.filtered(lambda lead: lead.stage_id.id != old_stages[lead.id])
        deferred = self.env.cr.cache.get(DEFERRED_HISTORY_CACHE)
        if deferred is not None:
            deferred.extend(moved.ids)
        else:
            moved._canvas_history_open()
        return result

    def _canvas_history_open(self, close=True):
        """Close the open stays of these records and open one in their
        current stage: one statement for the whole batch (a card dragged is
        a request of its own, so this runs once per card). The values come
        from the cache: flushing the leads here would split the UPDATEs the
        ORM groups at the end of the request (the conversion writes a lead
        several times)."""
        leads = self.filtered("stage_id")
        if not leads:
            return
        History = self.env["crm.lead.stage.history"]
        History.flush_model()
        now, uid = self.env.cr.now(), self.env.uid
        close_open_stays = SQL(
            """
            closed AS (
                UPDATE crm_lead_stage_history
                   SET date_out = %(now)s,
                       duration_days = EXTRACT(EPOCH FROM (%(now)s - date_in)) / 86400.0,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                 WHERE lead_id IN %(ids)s
                   AND date_out IS NULL
            ),
            """,
            now=now,
            uid=uid,
            ids=tuple(self.ids),
        )
        self.env.cr.execute(
            SQL(
                """
                WITH %(close)s
                new_stays AS (
                    SELECT *
                      FROM unnest(%(lead_ids)s::int[], %(names)s::varchar[], %(stage_ids)s::int[],
                                  %(stage_kinds)s::varchar[], %(types)s::varchar[], %(team_ids)s::int[],
                                  %(user_ids)s::int[], %(company_ids)s::int[], %(outcomes)s::varchar[])
                )
                INSERT INTO crm_lead_stage_history (
                    lead_id, lead_name, stage_id, stage_kind, lead_type, team_id, user_id, company_id, outcome,
                    date_in, moved_by_id, create_uid, create_date, write_uid, write_date
                )
                SELECT new_stays.*, %(now)s, %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM new_stays
                """,
                close=close_open_stays if close else SQL(""),
                lead_ids=leads.ids,
                names=leads.mapped("name"),
                stage_ids=[lead.stage_id.id for lead in leads],
                stage_kinds=[lead.stage_id.stage_kind for lead in leads],
                types=[lead.type for lead in leads],
                team_ids=[lead.team_id.id or None for lead in leads],
                user_ids=[lead.user_id.id or None for lead in leads],
                company_ids=[lead.company_id.id or None for lead in leads],
                outcomes=[lead._canvas_outcome() for lead in leads],
                now=now,
                uid=uid,
            )
        )
        History.invalidate_model()
        self.invalidate_recordset(["stage_history_ids"])

    def _canvas_outcome(self):
        """ "won" or "lost" if the lead is, else None. An open lead outside
        the won stages is neither: reading `won_status` would compute the
        predictive probability it depends on, which stock computes once at
        the end of the request (a second time per lead in a conversion)."""
        if self.active and not self.stage_id.is_won:
            return None
        return self.won_status if self.won_status in ("won", "lost") else None

    def _canvas_on_won_lost(self, old_status_by_lead, new_status_by_lead):
        """A lead that closes writes its outcome on its stays (a restore
        clears it); a won lead of the canvas gets its customer."""
        outcomes = defaultdict(list)
        won = self.browse()
        for lead in self:
            old = old_status_by_lead.get(lead.id, {})
            new = new_status_by_lead.get(lead.id, {})
            was_won, was_lost = bool(old.get("is_won")), bool(old.get("is_lost"))
            is_won, is_lost = bool(new.get("is_won")), bool(new.get("is_lost"))
            if (was_won, was_lost) == (is_won, is_lost):
                continue
            outcomes["won" if is_won else "lost" if is_lost else None].append(lead.id)
            if is_won and not was_won:
                won |= lead
        History = self.env["crm.lead.stage.history"].sudo()
        if outcomes:
            History.flush_model()
        for outcome, lead_ids in outcomes.items():
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead_stage_history SET outcome = %s WHERE lead_id IN %s",
                    outcome,
                    tuple(lead_ids),
                )
            )
        if outcomes:
            History.invalidate_model(["outcome"])
        won._canvas_make_customers()

    def _canvas_make_customers(self):
        """Won makes a customer (leads of the canvas teams, unless a setting
        turns it off): the lead's partner, else one matching its email or tax
        ID, else one created from its data as the stock conversion does; it
        is marked a customer and the chatter says so."""
        leads = self.filtered("use_initiative_stages")
        if not leads or str2bool(self.env["ir.config_parameter"].sudo().get_param(WON_NO_CUSTOMER_PARAM, "False")):
            return
        created = leads._canvas_assign_customers() or self.env["res.partner"]
        customers = leads.partner_id
        self.env["res.partner"]._canvas_increase_customer_rank(customers)
        bodies = {}
        for lead in leads:
            partner = lead.partner_id
            if partner in created:
                body = self.env._(
                    "Won: %(customer)s is a new customer, created from this record.", customer=partner.display_name
                )
            else:
                body = self.env._("Won: %(customer)s is a customer.", customer=partner.display_name)
            bodies[lead.id] = Markup("<p>%s</p>") % body
        leads._message_log_batch(bodies=bodies)

    def _canvas_companies_by_vat(self):
        """{lead: company} for the leads whose tax ID an existing company has
        (compared without spaces, dots or dashes). One query for the batch."""
        normalized = {lead: _normalize_vat(lead.customer_vat) for lead in self if lead.customer_vat}
        normalized = {lead: vat for lead, vat in normalized.items() if vat}
        if not normalized:
            return {}
        self.env["res.partner"].flush_model(["vat", "is_company", "active", "company_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (UPPER(REGEXP_REPLACE(vat, '[^A-Za-z0-9]', '', 'g')))
                       UPPER(REGEXP_REPLACE(vat, '[^A-Za-z0-9]', '', 'g')), id
                  FROM res_partner
                 WHERE is_company
                   AND active
                   AND (company_id IS NULL OR company_id IN %(companies)s)
                   AND UPPER(REGEXP_REPLACE(vat, '[^A-Za-z0-9]', '', 'g')) IN %(vats)s
              ORDER BY UPPER(REGEXP_REPLACE(vat, '[^A-Za-z0-9]', '', 'g')), id
                """,
                companies=tuple(self.env.companies.ids),
                vats=tuple(set(normalized.values())),
            )
        )
        company_by_vat = {vat: self.env["res.partner"].browse(partner_id) for vat, partner_id in rows}
        return {lead: company_by_vat[vat] for lead, vat in normalized.items() if vat in company_by_vat}

    def _prepare_customer_values(self, partner_name, is_company=False, parent_id=False):
        values = super()._prepare_customer_values(partner_name, is_company=is_company, parent_id=parent_id)
        # the tax ID belongs to the company, or to the customer when there is none
        if self.customer_vat and not parent_id:
            values["vat"] = self.customer_vat
        return values

    def action_canvas_open_customer(self):
        """Open the customer of the record (the Customer smart button)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_close_stage_history(self):
        """A deleted lead's stays are kept (their lead becomes empty): close
        the open one so that its duration is known."""
        self.env["crm.lead.stage.history"].sudo().flush_model()
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead_stage_history
                   SET date_out = %(now)s, duration_days = EXTRACT(EPOCH FROM (%(now)s - date_in)) / 86400.0
                 WHERE lead_id IN %(ids)s AND date_out IS NULL
                """,
                now=now,
                ids=tuple(self.ids) or (0,),
            )
        )
