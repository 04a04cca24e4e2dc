"""Next action: every lead carries a stored mirror of its earliest open
activity (mail.activity stays the truth), so that it sorts, groups and
filters; editing the mirror plans or reschedules the activity, and the form
and the cards plan calls, meetings and tasks. Its state is
next_action_state.py's."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...tools import system
from ...tools.input_check import check_input

NEXT_ACTION_FIELDS = ("next_action_type_id", "next_action_date", "next_action_summary", "next_action_user_id")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # The mirror's columns carry no index: marking an activity done rewrites
    # them, and with no indexed column changed PostgreSQL can keep the new
    # row on its page (a HOT update) instead of adding an entry to each of
    # the table's indexes.
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

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, frozenset(NEXT_ACTION_FIELDS), vals_list, defaults=True)
        # the next action is planned once the leads exist with their
        # followers: an activity created inside the ORM's create subscribes
        # its assignee before mail.thread does, and both would insert them
        vals_list = [dict(vals) for vals in vals_list]
        planned = [{fname: vals.pop(fname) for fname in NEXT_ACTION_FIELDS if fname in vals} for vals in vals_list]
        leads = super().create(vals_list)
        leads._canvas_plan_activities(
            [(lead, values) for lead, values in zip(leads, planned, strict=True) if self._canvas_plans(values)]
        )
        return leads

    def write(self, vals):
        check_input(self, frozenset(NEXT_ACTION_FIELDS), [vals])
        result = super().write(vals)
        if any(fname in vals for fname in NEXT_ACTION_FIELDS):
            # the ORM protects written fields from their own recompute: read
            # the next action back from the activity it planned (its
            # assignee, its type's defaults)
            for field in self.pool.field_computed[self._fields["next_action_date"]]:
                self.env.add_to_compute(field, self)
        return result

    # ------------------------------------------------------------
    # THE MIRROR
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
        to_plan = []
        for lead in self:
            activity = lead.next_activity_id
            if not activity:
                values = {
                    fname: lead._fields[fname].convert_to_write(lead[fname], lead) for fname in NEXT_ACTION_FIELDS
                }
                if self._canvas_plans(values):
                    to_plan.append((lead, values))
                continue
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
        for vals, activities in changes.items():
            activities.write(dict(vals))
        self._canvas_plan_activities(to_plan)

    @api.model
    def _canvas_plans(self, values):
        """Whether next-action values plan something: a type, a date or a
        summary (an assignee alone plans nothing)."""
        return any(values.get(fname) for fname in ("next_action_type_id", "next_action_date", "next_action_summary"))

    def _canvas_plan_activities(self, planned):
        """Plan the activities of [(lead, next-action values)] in one create:
        the type's defaults fill what is not given; the lead's salesperson
        does it."""
        if not planned:
            return
        Activity = self.env["mail.activity"]
        default_type = Activity._default_activity_type_for_model("crm.lead")
        model_id = self.env["ir.model"]._get_id("crm.lead")
        vals_list = []
        for lead, values in planned:
            activity_type = self.env["mail.activity.type"].browse(values.get("next_action_type_id")) or default_type
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": activity_type.id,
                    "date_deadline": values.get("next_action_date") or activity_type._get_date_deadline(),
                    "summary": values.get("next_action_summary") or activity_type.summary,
                    "user_id": values.get("next_action_user_id") or (lead.user_id or self.env.user).id,
                }
            )
        system.own(Activity).create(vals_list)

    def _canvas_cancel_activities(self):
        """Cancel the open activities of these records: they leave the reps'
        to-do lists, and the chatter keeps what they were. (A loss keeps it
        in its loss row instead.)"""
        activities, cancelled = self._canvas_open_activities()
        if not activities:
            return
        activities.unlink()
        title = self.env._("These open activities were cancelled.")
        system.log(
            self,
            {
                lead_id: Markup("<p>%s</p><ul>%s</ul>")
                % (title, Markup("").join(Markup("<li>%s</li>") % item for item in text.split("\n")))
                for lead_id, text in cancelled.items()
            },
        )

    def _canvas_open_activities(self):
        """The open activities of these records (as the system), and what
        they are: {lead id: a line per activity}."""
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(active_test=True)
            .search([("res_model", "=", "crm.lead"), ("res_id", "in", self.ids)])
        )
        return activities, {
            lead_id: "\n".join(
                " - ".join(filter(None, [a.activity_type_id.name, a.summary, str(a.date_deadline)]))
                for a in lead_activities
            )
            for lead_id, lead_activities in activities.grouped("res_id").items()
        }

    # ------------------------------------------------------------
    # PLANNING FROM THE FORM AND THE CARD
    # ------------------------------------------------------------

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
