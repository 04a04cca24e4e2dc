import re
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.orm.models import UPDATE_BATCH_SIZE
from odoo.sql_db import Cursor
from odoo.tests import Form, tagged, users
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..hooks import pre_init_hook
from ..models.crm_lead.next_action import NEXT_ACTION_FIELDS
from ..tools.install_sql import fill_next_action_icon
from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestNextAction(CanvasCommon):
    """The next action on every card mirrors the earliest open activity,
    whatever changes the activities; editing it on the lead plans or
    reschedules that activity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.meeting = cls.env.ref("mail.mail_activity_data_meeting")
        cls.today = date.today()

    def _schedule(self, lead, activity_type=None, days=0, summary=False, user=None):
        return self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": lead.id,
                "activity_type_id": (activity_type or self.call).id,
                "date_deadline": self.today + timedelta(days=days),
                "summary": summary,
                "user_id": (user or self.user_rep).id,
            }
        )

    def assertMirrors(self, lead, activity):
        lead.invalidate_recordset()
        self.assertEqual(lead.next_activity_id, activity)
        self.assertEqual(lead.next_action_type_id, activity.activity_type_id)
        self.assertEqual(lead.next_action_date, activity.date_deadline or False)
        self.assertEqual(lead.next_action_summary, activity.summary or False)
        self.assertEqual(lead.next_action_user_id, activity.user_id)
        self.assertEqual(lead.next_action_icon, activity.activity_type_id.icon or False)

    @users("canvas_rep")
    def test_mirror_follows_every_change_of_the_activities(self):
        lead = self._leads(1).with_env(self.env)
        self.assertMirrors(lead, self.env["mail.activity"])
        self.assertEqual(lead.next_action_state, "none")
        later = self._schedule(lead, days=5, summary="Send the brochure")
        self.assertMirrors(lead, later)
        # chatter / stock helper
        lead.activity_schedule("mail.mail_activity_data_todo", date_deadline=self.today + timedelta(days=2))
        sooner = lead.activity_ids.filtered(lambda a: a.activity_type_id == self.todo)
        self.assertMirrors(lead, sooner)
        # edited in the activity form, then rescheduled from its popover
        sooner.write({"summary": "Prepare the demo", "activity_type_id": self.meeting.id})
        self.assertMirrors(lead, sooner)
        sooner.action_reschedule_nextweek()
        self.assertMirrors(lead, min(lead.activity_ids, key=lambda a: (a.date_deadline, a.id)))
        sooner.date_deadline = self.today + timedelta(days=1)
        self.assertMirrors(lead, sooner)
        # done: the next one takes over; cancelled: nothing left
        sooner.action_feedback(feedback="Demo prepared")
        self.assertFalse(sooner.active)
        self.assertMirrors(lead, later)
        later.action_cancel()
        self.assertMirrors(lead, self.env["mail.activity"])
        self.assertEqual(lead.next_action_state, "none")
        self.assertCanvasInvariants()

    def test_card_icon_follows_the_type(self):
        # the card's icon is stored on the lead with the rest of the mirror:
        # a manager changing a type's icon is seen on the next read
        lead = self._leads(1)
        self._schedule(lead, activity_type=self.meeting)
        lead.invalidate_recordset()
        self.assertEqual(lead.next_action_icon, self.meeting.icon)
        self.meeting.icon = "fa-handshake-o"
        lead.invalidate_recordset()
        self.assertEqual(lead.next_action_icon, "fa-handshake-o")
        new_type = self.env["mail.activity.type"].create({"name": "Site visit", "icon": "fa-building"})
        lead.activity_ids.activity_type_id = new_type
        lead.invalidate_recordset()
        self.assertEqual(lead.next_action_icon, "fa-building")

    def test_batch_done_mirrors_each_lead(self):
        # one batch: leads that keep another activity show it, the others
        # are cleared together, and no lead takes another lead's action
        leads = self._leads(4)
        first = self.env["mail.activity"]
        kept = {}
        for index, lead in enumerate(leads):
            first |= self._schedule(lead, days=index, summary="First %s" % index)
            if index % 2:
                kept[lead] = self._schedule(lead, activity_type=self.meeting, days=10 + index, summary="Then")
        first.action_feedback(feedback="Done")
        for lead in leads:
            self.assertMirrors(lead, kept.get(lead, self.env["mail.activity"]))

    def test_done_rewrites_the_lead_in_place(self):
        """Marking an activity done rewrites the lead's next action. No index
        covers a column it writes, so PostgreSQL can update the row on its
        page (HOT) instead of adding an entry to each of the table's indexes.
        Whether the page has room is PostgreSQL's business (the table keeps
        its default fillfactor) and depends on what ran before: the test
        checks the columns, not the pages."""
        cr = self.env.cr
        leads = self._leads(3)
        activities = self.env["mail.activity"]
        for lead in leads:
            activities |= self._schedule(lead, summary="Call back")
        self.env.flush_all()
        written = set()
        execute = Cursor.execute

        def spy(cursor, query, params=None, log_exceptions=True):
            code = query.code if isinstance(query, SQL) else query
            update = re.match(r'\s*UPDATE "crm_lead"\s.*AS "__tmp"\("id", ([^)]*)\)', code, re.DOTALL)
            if update:
                written.update(column.strip('" ') for column in update.group(1).split(","))
            return execute(cursor, query, params, log_exceptions)

        with patch.object(Cursor, "execute", spy):
            activities.action_feedback(feedback="Done")
            self.env.flush_all()
        self.assertFalse(leads.filtered("next_action_date"))
        self.assertTrue(set(NEXT_ACTION_FIELDS) <= written, written)
        # every column an index of crm_lead uses, in its key, expression or predicate
        cr.execute(
            """SELECT DISTINCT a.attname FROM pg_index i
                 JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
                                 AND d.refobjid = i.indrelid AND d.refobjsubid > 0
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = d.refobjsubid
                WHERE i.indrelid = 'crm_lead'::regclass"""
        )
        indexed = {row[0] for row in cr.fetchall()}
        self.assertIn("stage_id", indexed)  # the catalog query sees the indexes
        self.assertFalse(written & indexed, "marking done writes indexed columns of crm_lead")

    def test_mirror_of_another_users_activity_on_a_readable_lead(self):
        """The rep who sees all leads reads the next action that another
        user planned on a lead of another team, and sees it go when done."""
        lead = self._leads(1, team=self.team_a, user=self.user_rep)
        activity = self._schedule(lead, days=1, summary="Call back", user=self.user_rep)
        lead_as_other = lead.with_user(self.user_rep_all)
        self.assertEqual(lead_as_other.next_action_summary, "Call back")
        self.assertEqual(lead_as_other.next_action_user_id, self.user_rep)
        activity.with_user(self.user_rep).action_feedback()
        lead_as_other.invalidate_recordset()
        self.assertFalse(lead_as_other.next_action_date)

    @users("canvas_rep")
    def test_editing_the_lead_plans_and_reschedules_the_activity(self):
        lead = self._leads(1).with_env(self.env)
        tomorrow = self.today + timedelta(days=1)
        lead.write({"next_action_type_id": self.call.id, "next_action_date": tomorrow, "next_action_summary": "Intro"})
        activity = lead.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(
            (activity.activity_type_id, activity.date_deadline, activity.summary, activity.user_id),
            (self.call, tomorrow, "Intro", self.user_rep),
        )
        self.assertMirrors(lead, activity)
        # rescheduling from the card or the list edits the same activity
        lead.next_action_date = tomorrow + timedelta(days=3)
        self.assertEqual(lead.activity_ids, activity)
        self.assertEqual(activity.date_deadline, tomorrow + timedelta(days=3))
        with Form(lead) as form:
            form.next_action_summary = "Intro call"
            form.next_action_type_id = self.todo
        self.assertEqual((activity.summary, activity.activity_type_id), ("Intro call", self.todo))
        with self.assertRaisesRegex(UserError, "mark the activity done or cancel it"):
            lead.next_action_date = False
        self.assertEqual(activity.date_deadline, tomorrow + timedelta(days=3))

    @users("canvas_rep")
    def test_quick_create_with_a_next_action(self):
        """Quick create on a Canvas column plans the next action at once,
        and counts for a stage that requires one."""
        self.stage_lead_new.requires_next_action = True
        form = Form(
            self.env["crm.lead"].with_context(default_type="lead", default_team_id=self.team_a.id),
            view="crm.quick_create_opportunity_form",
        )
        form.name = "Fair visitor"
        form.next_action_type_id = self.call
        form.next_action_date = self.today + timedelta(days=2)
        lead = form.save()
        self.assertEqual(lead.stage_id, self.stage_lead_new)
        self.assertEqual(lead.activity_ids.activity_type_id, self.call)
        self.assertEqual(lead.next_action_date, self.today + timedelta(days=2))
        with self.assertRaisesRegex(UserError, "a next action"):
            self.env["crm.lead"].create({"name": "Nothing planned", "type": "lead", "team_id": self.team_a.id})

    @users("canvas_rep")
    def test_create_with_a_next_action_and_followers(self):
        """With followers on (as in the web client), creating a lead with
        its next action subscribes the assignee once."""
        Lead = self.env["crm.lead"].with_context(tracking_disable=False)
        leads = Lead.create(
            [
                {"name": "Tracked %s" % index, "team_id": self.team_a.id, "next_action_summary": "Hello", **values}
                for index, values in enumerate(
                    [{"next_action_date": self.today + timedelta(days=1)}, {"next_action_type_id": self.todo.id}, {}]
                )
            ]
        )
        self.assertEqual(leads[0].activity_ids.date_deadline, self.today + timedelta(days=1))
        self.assertEqual(leads[1].activity_ids.activity_type_id, self.todo)
        self.assertEqual(leads[2].activity_ids.summary, "Hello")
        for lead in leads:
            self.assertEqual(lead.message_partner_ids, self.user_rep.partner_id)
        self.assertCanvasInvariants()

    def test_mass_edit_plans_in_one_go(self):
        leads = self._leads(4)
        planned = leads[:2]
        for lead in planned:
            self._schedule(lead, days=1)
        friday = self.today + timedelta(days=4)
        leads.with_user(self.user_rep).write({"next_action_date": friday})
        self.assertEqual(set(leads.mapped("next_action_date")), {friday})
        self.assertEqual(len(leads.activity_ids), 4, "one activity each: the planned ones moved, two created")
        self.assertEqual(set(leads.activity_ids.mapped("date_deadline")), {friday})
        self.assertCanvasInvariants()

    def test_states_at_the_edges_of_the_users_day(self):
        """Mexico City is UTC-6: at 05:30 UTC it is still yesterday there."""
        lead = self._leads(1)
        self._schedule(lead)
        lead.next_action_date = date(2026, 3, 9)
        mexico = lead.with_context(tz="America/Mexico_City")
        madrid = lead.with_context(tz="Europe/Madrid")
        with freeze_time("2026-03-10 05:30:00"):
            mexico.invalidate_recordset()
            self.assertEqual(mexico.next_action_state, "today")
            madrid.invalidate_recordset()
            self.assertEqual(madrid.next_action_state, "overdue")
            self.assertIn(lead, mexico.search([("next_action_state", "=", "today")]))
            self.assertIn(lead, madrid.search([("next_action_state", "=", "overdue")]))
        with freeze_time("2026-03-10 06:30:00"):
            mexico.invalidate_recordset()
            self.assertEqual(mexico.next_action_state, "overdue")
            self.assertNotIn(lead, mexico.search([("next_action_state", "=", "today")]))
        with freeze_time("2026-03-08 23:30:00"):
            madrid.invalidate_recordset()  # 00:30 on the 9th in Madrid
            self.assertEqual(madrid.next_action_state, "today")
            mexico.invalidate_recordset()  # 17:30 on the 8th in Mexico
            self.assertEqual(mexico.next_action_state, "planned")

    def _search_filter(self, xmlid, name):
        """The domain of a filter of a search view, as the web client sends it."""
        arch = self.env.ref(xmlid)._get_combined_arch()
        node = arch.xpath("//filter[@name='%s']" % name)[0]
        return node.get("domain")

    def test_filters(self):
        overdue, today, this_week, later, nothing, lost = self._leads(6)
        self._schedule(overdue, days=-2)
        self._schedule(today, days=0)
        self._schedule(this_week, days=1)
        self._schedule(later, days=40)
        self._schedule(lost, days=1)
        lost.action_set_lost()
        Lead = self.env["crm.lead"].with_user(self.user_rep)
        mine = self._leads(0) | overdue | today | this_week | later | nothing | lost
        for view in ("crm.view_crm_case_opportunities_filter", "crm.view_crm_case_leads_filter"):
            found = {}
            for name in (
                "canvas_next_action_overdue",
                "canvas_next_action_today",
                "canvas_next_action_week",
                "canvas_no_next_action",
            ):
                domain = safe_eval(self._search_filter(view, name))
                found[name] = Lead.with_context(active_test=False).search([*domain, ("id", "in", mine.ids)])
            self.assertEqual(found["canvas_next_action_overdue"], overdue)
            self.assertEqual(found["canvas_next_action_today"], today)
            self.assertEqual(found["canvas_no_next_action"], nothing, "a lost lead is not waiting for anything")
            week = found["canvas_next_action_week"]
            self.assertIn(today, week)
            self.assertNotIn(later, week)
            self.assertNotIn(nothing, week)
            # a calendar week of the user's language: seven days at most
            dates = week.mapped("next_action_date")
            self.assertLess((max(dates) - min(dates)).days, 7)
        # sorting and grouping: stored, so the database does it
        ordered = Lead.search([("id", "in", mine.ids), ("next_action_date", "!=", False)], order="next_action_date")
        self.assertEqual(ordered, overdue | today | this_week | later)
        groups = Lead._read_group([("id", "in", mine.ids)], ["next_action_type_id"], ["__count"])
        self.assertIn((self.call, 4), groups)

    @users("canvas_rep")
    def test_quick_buttons_open_the_planner(self):
        lead = self._leads(1).with_env(self.env)
        call = lead.action_canvas_schedule_call()
        self.assertEqual(call["res_model"], "mail.activity.schedule")
        self.assertEqual(call["context"]["default_activity_type_id"], self.call.id)
        wizard = Form(self.env["mail.activity.schedule"].with_context(**call["context"]))
        wizard.summary = "Discovery call"
        wizard.save().action_schedule_activities()
        self.assertEqual(lead.next_action_type_id, self.call)
        self.assertEqual(lead.next_action_summary, "Discovery call")
        task = lead.action_canvas_schedule_task()
        self.assertEqual(task["context"]["default_activity_type_id"], self.todo.id)
        # meetings on an initiative, not only on opportunities
        self.assertEqual(lead.type, "lead")
        meeting = lead.action_canvas_schedule_meeting()
        self.assertEqual(meeting["context"]["default_opportunity_id"], lead.id)
        start = self.env.cr.now() + timedelta(days=2)
        event = (
            self.env["calendar.event"]
            .with_context(**meeting["context"])
            .create({"name": "Meet Contact 0", "start": start, "stop": start + timedelta(hours=1)})
        )
        self.assertEqual(event.opportunity_id, lead)
        self.assertIn(event, lead.calendar_event_ids)
        # the meeting is the initiative's next action (the call was planned first)
        self.assertIn(event, lead.activity_ids.calendar_event_id)
        self.assertCanvasInvariants()

    def test_a_rep_cannot_plan_on_a_lead_they_cannot_write(self):
        other = self._leads(1, team=self.team_b, user=self.user_rep_all)
        # the own-documents rep cannot even read it
        with self.assertRaises(AccessError):
            other.with_user(self.user_rep).action_canvas_schedule_call()
        with self.assertRaises(AccessError):
            other.with_user(self.user_rep).write({"next_action_date": self.today})
        with self.assertRaises(AccessError):
            self.env["mail.activity"].with_user(self.user_rep).create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": other.id,
                    "activity_type_id": self.call.id,
                    "user_id": self.user_rep.id,
                }
            )
        # an internal user without sales rights neither
        with self.assertRaises(AccessError):
            other.with_user(self.user_internal).action_canvas_schedule_task()
        self.assertFalse(other.activity_ids)

    def test_do_not_contact_refuses_quick_buttons(self):
        lead = self._leads(1)
        lead.contact_policy = "do_not_contact"
        with self.assertRaisesRegex(UserError, "asked not to be contacted"):
            lead.with_user(self.user_rep).action_canvas_schedule_call()
        with self.assertRaisesRegex(UserError, "asked not to be contacted"):
            lead.with_user(self.user_rep).next_action_date = self.today

    def _set_param(self, key, value):
        self.env["ir.config_parameter"].sudo().set_param("crm_canvas_pipeline.%s" % key, value)

    def test_rule_open_opportunity_needs_a_next_action(self):
        opportunity = self._leads(1, type="opportunity", stage_id=self.stage_opp_first.id)
        first = self._schedule(opportunity, days=1)
        second = self._schedule(opportunity, days=2)
        initiative = self._leads(1, email_prefix="initiative")
        lone = self._schedule(initiative, days=1)
        # off by default: the last activity goes like in stock
        first.action_feedback()
        self._set_param("require_next_action", "True")
        with self.assertRaisesRegex(UserError, "always has a next action"):
            second.with_user(self.user_rep).action_feedback()
        self.assertTrue(second.active)
        with self.assertRaisesRegex(UserError, "always has a next action"):
            second.with_user(self.user_rep).action_cancel()
        self.assertTrue(second.exists())
        # Done & Schedule Next asks for the next one instead
        action = second.with_user(self.user_rep).action_feedback_schedule_next()
        self.assertEqual((action["res_model"], action["context"]["default_res_id"]), ("mail.activity", opportunity.id))
        self.assertFalse(second.active)
        # with another one planned, done is fine
        third, fourth = self._schedule(opportunity, days=3), self._schedule(opportunity, days=4)
        third.with_user(self.user_rep).action_feedback()
        # initiatives and closed opportunities are not concerned
        lone.with_user(self.user_rep).action_feedback()
        opportunity.action_set_lost()
        self.assertFalse(fourth.exists(), "losing cancels the open activities whatever the rule")
        self._set_param("require_next_action", "False")
        self.assertCanvasInvariants()

    def test_rule_rotting_counts_from_the_last_activity(self):
        self.stage_opp_first.rotting_threshold_days = 5
        opportunity = self._leads(1, type="opportunity", stage_id=self.stage_opp_first.id)
        untouched = self._leads(1, type="opportunity", stage_id=self.stage_opp_first.id, email_prefix="untouched")
        old = self.env.cr.now() - timedelta(days=10)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET date_last_stage_update = %s WHERE id IN %s",
                old,
                tuple((opportunity | untouched).ids),
            )
        )
        (opportunity | untouched).invalidate_recordset()
        both = opportunity | untouched
        self.assertTrue(all(both.mapped("is_rotting")))
        # a note logged today
        opportunity.with_context(mail_notrack=True).message_post(
            body="Talked to them at the fair", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        both.invalidate_recordset(["is_rotting", "rotting_days"])
        self.assertTrue(opportunity.is_rotting, "off by default: only a stage change counts")
        rotting = self.env["crm.lead"].search([("id", "in", both.ids), ("is_rotting", "=", True)])
        self.assertEqual(rotting, both)
        self._set_param("rotting_from_activity", "True")
        both.invalidate_recordset(["is_rotting", "rotting_days"])
        self.assertFalse(opportunity.is_rotting)
        self.assertTrue(untouched.is_rotting)
        self.assertEqual(self.env["crm.lead"].search([("id", "in", both.ids), ("is_rotting", "=", True)]), untouched)
        self.assertEqual(self.env["crm.lead"].search([("id", "in", both.ids), ("is_rotting", "=", False)]), opportunity)
        # a done activity resets it too
        activity = self._schedule(untouched, days=0)
        activity.action_feedback()
        both.invalidate_recordset(["is_rotting", "rotting_days"])
        self.assertFalse(untouched.is_rotting)
        self.assertFalse(self.env["crm.lead"].search([("id", "in", both.ids), ("is_rotting", "=", True)]))

    def _our_queries(self, func):
        """Queries that read or write the next-action mirror while `func`
        runs (with the flush that follows)."""
        queries = []
        execute = Cursor.execute

        def spy(cr, query, params=None, log_exceptions=True):
            code = query.code if isinstance(query, SQL) else query
            if "next_action_" in code:
                queries.append(code)
            return execute(cr, query, params, log_exceptions)

        self.env.flush_all()
        with patch.object(Cursor, "execute", spy), patch("random.random", lambda: 1):
            func()
            self.env.flush_all()
        return len(queries)

    def _call_each(self, leads):
        """A call due today on each of `leads`, created in one call."""
        model_id = self.env["ir.model"]._get_id("crm.lead")
        return self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": self.call.id,
                    "date_deadline": self.today,
                    "user_id": self.user_rep.id,
                }
                for lead in leads
            ]
        )

    def test_batch_feedback_costs_no_query_per_activity(self):
        """Completing 1,000 activities in one call updates the mirror in
        the ORM's batches of UPDATE_BATCH_SIZE rows, not lead by lead."""
        counts = {}
        for size in (100, 1000):
            leads = self._leads(size, email_prefix="feedback%s-" % size)
            activities = self._call_each(leads)
            self.env.invalidate_all()
            counts[size] = self._our_queries(lambda activities=activities: activities.action_feedback())
            self.assertFalse(leads.filtered("next_action_date"), "every next action is gone")
        self.assertLessEqual(counts[1000], counts[100] + (1000 - 100) // UPDATE_BATCH_SIZE)
        self.assertCanvasInvariants()

    def test_batch_activity_changes_cost_a_constant(self):
        """Archiving, rescheduling and deleting activities in batch: the
        mirror adds the same queries for 10 leads and for 60."""

        def measure(size, operation):
            leads = self._leads(size, email_prefix="const%s%s-" % (operation, size))
            activities = self._call_each(leads)
            self.env.flush_all()
            self.env.invalidate_all()
            count0 = self.env.cr.sql_log_count
            with patch("random.random", lambda: 1):
                if operation == "archive":
                    activities.action_archive()
                elif operation == "reschedule":
                    activities.write({"date_deadline": self.today + timedelta(days=3)})
                else:
                    activities.unlink()
                self.env.flush_all()
            return self.env.cr.sql_log_count - count0, leads

        for operation in ("archive", "reschedule", "unlink"):
            measure(10, operation)  # warm-up
            small, _leads = measure(10, operation)
            big, leads = measure(60, operation)
            self.assertLessEqual(big, small + 1, operation)
            expected = self.today + timedelta(days=3) if operation == "reschedule" else False
            self.assertEqual(set(leads.mapped("next_action_date")), {expected}, operation)

    def test_install_fills_the_mirror_in_sql(self):
        """pre_init_hook's SQL agrees with the ORM's compute."""
        leads = self._leads(3)
        self._schedule(leads[0], days=3, summary="late")
        self._schedule(leads[0], days=1, summary="soon")
        self._schedule(leads[1], days=2, summary="only")
        self.env.flush_all()
        expected = [(lead.next_activity_id.id, lead.next_action_date, lead.next_action_summary) for lead in leads]
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET next_action_type_id = NULL, next_action_date = NULL, next_action_summary = NULL, "
                "next_action_icon = NULL WHERE id IN %s",
                tuple(leads.ids),
            )
        )
        pre_init_hook(self.env)
        leads.invalidate_recordset()
        self.assertEqual(
            [(lead.next_activity_id.id, lead.next_action_date, lead.next_action_summary) for lead in leads], expected
        )
        self.assertEqual(leads[0].next_action_summary, "soon")
        self.assertEqual(leads.mapped("next_action_icon"), [self.call.icon, self.call.icon, False])

    def test_upgrade_fills_the_icon_in_sql(self):
        """The 19.0.1.3.0 migration's SQL agrees with the ORM's compute."""
        leads = self._leads(2)
        self._schedule(leads[0], activity_type=self.meeting)
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE crm_lead SET next_action_icon = NULL WHERE id IN %s", tuple(leads.ids)))
        fill_next_action_icon(self.env.cr)
        leads.invalidate_recordset()
        self.assertEqual(leads.mapped("next_action_icon"), [self.meeting.icon, False])
