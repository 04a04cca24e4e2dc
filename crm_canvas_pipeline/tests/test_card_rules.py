"""One definition per rule. The next action's state is computed on the
server for the field, its search and the Canvas' progress bars (a grouping),
and drawn by the cards in the browser from the date (card_rules.js, so that
a board costs no computed field per card); the days in stage likewise. On
the same data, at the edges of the day in two timezones, every one of them
gives the same answer."""

import json
from datetime import date, datetime, timedelta

import pytz
from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import CanvasCommon

ZONES = ("Europe/Madrid", "America/Mexico_City")
DEADLINES = (False, date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11))
STATES = ("none", "overdue", "today", "planned")


def instants(tz):
    """UTC instants just before and just after midnight of 2026-03-10 in
    `tz`, and at its noon."""
    zone = pytz.timezone(tz)
    for local in (datetime(2026, 3, 9, 23, 59, 30), datetime(2026, 3, 10, 0, 0, 30), datetime(2026, 3, 10, 12)):
        yield zone.localize(local).astimezone(pytz.utc).replace(tzinfo=None)


@tagged("post_install", "-at_install")
class TestCardRules(CanvasCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leads = cls._leads(len(DEADLINES), email_prefix="rules")
        for lead, deadline in zip(cls.leads, DEADLINES, strict=True):
            if deadline:
                lead.next_action_date = deadline

    def _server_states(self, tz, instant):
        """{lead: state} as the field computes it, and as the search and the
        grouping find it, at `instant` for a user in `tz`."""
        leads = self.leads.with_context(tz=tz)
        with freeze_time(instant):
            leads.invalidate_recordset(["next_action_state"])
            computed = {lead: lead.next_action_state for lead in leads}
            searched = {
                lead: state
                for state in STATES
                for lead in leads.search([("id", "in", leads.ids), ("next_action_state", "=", state)])
            }
            grouped = {
                lead: state
                for state, found in leads._read_group(
                    [("id", "in", leads.ids)], ["next_action_state"], ["id:recordset"]
                )
                for lead in found.with_context(tz=tz)
            }
        return computed, searched, grouped

    def test_server_field_search_and_grouping_agree(self):
        for tz in ZONES:
            for instant in instants(tz):
                with self.subTest(tz=tz, instant=instant):
                    computed, searched, grouped = self._server_states(tz, instant)
                    self.assertEqual(searched, computed)
                    self.assertEqual(grouped, computed)
                    # the edges: the same deadline changes state at the user's midnight
                    self.assertEqual(
                        [computed[lead] for lead in self.leads.with_context(tz=tz)],
                        ["none", "today", "planned", "planned"]
                        if zone_hour(tz, instant) == 23
                        else ["none", "overdue", "today", "planned"],
                    )

    def test_cards_draw_what_the_server_computes(self):
        """The browser's rules, fed the server's data (dates as the web client
        reads them, the clock in the user's zone), give the server's answers."""
        cases = []
        Lead = self.env["crm.lead"]
        for tz in ZONES:
            for instant in instants(tz):
                for deadline in DEADLINES:
                    since = instant - timedelta(days=3, seconds=-1)
                    with freeze_time(instant):
                        lead = Lead.with_context(tz=tz).new(
                            {"next_action_date": deadline, "date_last_stage_update": since}
                        )
                        state, days = lead.next_action_state, lead.canvas_days_in_stage
                    cases.append(
                        {
                            "tz": tz,
                            "now": instant.isoformat(),
                            "deadline": deadline and deadline.isoformat(),
                            "since": since.isoformat(),
                            "state": state,
                            "days": days,
                        }
                    )
        self.assertEqual({case["state"] for case in cases}, set(STATES))
        self.assertEqual({case["days"] for case in cases}, {2})
        code = """
            const { nextActionState, daysInStage } = odoo.loader.modules.get("@crm_canvas_pipeline/card/card_rules");
            const { DateTime } = luxon;
            const wrong = [];
            for (const c of %s) {
                const now = DateTime.fromISO(c.now, { zone: "utc" }).setZone(c.tz);
                // a date field's value, read by the web client in the user's zone
                const deadline = c.deadline && DateTime.fromISO(c.deadline, { zone: c.tz });
                // a datetime field's value: UTC on the server
                const since = DateTime.fromISO(c.since, { zone: "utc" }).setZone(c.tz);
                const got = { state: nextActionState(deadline, now), days: daysInStage(since, now) };
                if (got.state !== c.state || got.days !== c.days) {
                    wrong.push({ ...c, got });
                }
            }
            if (wrong.length) {
                console.error("the cards disagree with the server: " + JSON.stringify(wrong));
            } else {
                console.log("test successful");
            }
            """ % json.dumps(cases)
        ready = "!!odoo.loader.modules.get('@crm_canvas_pipeline/card/card_rules')"
        self.browser_js("/odoo", code, ready=ready, login=self.user_rep.login)


def zone_hour(tz, instant):
    """The hour of UTC `instant` in `tz`."""
    return pytz.utc.localize(instant).astimezone(pytz.timezone(tz)).hour
