"""Screenshots of the module's main screens for the README and the Apps page.

Not part of `make test` (tagged -standard, and kept out of pytest by the root
conftest.py): `make screenshots` runs it with --test-tags and
CANVAS_SCREENSHOTS_DIR set, and it writes one PNG per screen there. Each
screen is opened in Chromium as a sales manager, on data the test builds.
"""

import base64
import os
import struct
from datetime import date, timedelta
from unittest.mock import patch

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import Form, HttpCase, tagged
from odoo.tests.common import ChromeBrowser

# Runs in the page once it is loaded: waits for `selector`, clicks `click` if
# given, lets the view settle, then signals success to the test.
WAIT_AND_SETTLE = """
(async () => {
    const until = Date.now() + 20000;
    const find = (selector) => document.querySelector(selector);
    while (!find(%(selector)r)) {
        if (Date.now() > until) {
            console.error("screenshot: nothing matches " + %(selector)r);
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (%(click)r) {
        find(%(click)r).click();
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    console.log("test successful");
})()
"""


@tagged("-standard", "canvas_screenshots", "post_install", "-at_install")
class TestScreenshots(HttpCase):
    browser_size = "1920x1080"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.manager = mail_new_test_user(
            cls.env,
            login="canvas_shots",
            name="Marta Manager",
            email="marta.manager@example.com",
            groups="sales_team.group_sale_manager",
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Iberia",
                "use_leads": True,
                "use_initiative_stages": True,
                "use_opportunities": True,
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, cls.manager.ids)],
            }
        )
        ref = cls.env.ref
        tags = cls.env["crm.tag"].create([{"name": name} for name in ("Furniture", "Fit-out", "Referral")])
        initiatives = {
            "new": ref("crm_canvas_pipeline.stage_initiative_new"),
            "contacted": ref("crm_canvas_pipeline.stage_initiative_contacted"),
            "qualified": ref("crm_canvas_pipeline.stage_initiative_qualified"),
        }
        cls.stage_proposition = ref("crm.stage_lead3")
        pipeline = {
            "new": ref("crm.stage_lead1"),
            "qualified": ref("crm.stage_lead2"),
            "proposition": cls.stage_proposition,
            "won": ref("crm.stage_lead4"),
        }
        rows = [
            # name, type, stage, company, contact, revenue, tags, priority
            ("Chairs for 40 desks", "lead", initiatives["new"], "Talleres Ebro", "Lucía Pardo", 0, [0], "2"),
            ("Reception furniture", "lead", initiatives["new"], "Clínica Arga", "Jon Etxeberria", 0, [0], "1"),
            ("Meeting room screens", "lead", initiatives["contacted"], "Bodegas Sil", "Ana Vidal", 0, [2], "1"),
            ("Warehouse shelving", "lead", initiatives["qualified"], "Logística Tajo", "Pau Roig", 0, [1], "2"),
            ("Open-plan fit-out", "opportunity", pipeline["new"], "Estudio Duero", "Marta Gil", 48000, [1], "2"),
            ("Canteen tables", "opportunity", pipeline["qualified"], "Colegio Miño", "Iñigo Sanz", 12500, [0], "1"),
            (
                "Ergonomic desks",
                "opportunity",
                pipeline["proposition"],
                "Seguros Turia",
                "Elena Ruiz",
                22000,
                [0, 2],
                "3",
            ),
            ("Conference chairs", "opportunity", pipeline["won"], "Hotel Segura", "David Mora", 9800, [0], "2"),
        ]
        cls.leads = cls.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": lead_type,
                    "stage_id": stage.id,
                    "team_id": cls.team.id,
                    "user_id": cls.manager.id,
                    "partner_name": company,
                    "contact_name": contact,
                    "email_from": "%s@example.com" % contact.split()[0].lower(),
                    "expected_revenue": revenue,
                    "tag_ids": [(6, 0, [tags[i].id for i in tag_indexes])],
                    "priority": priority,
                }
                for name, lead_type, stage, company, contact, revenue, tag_indexes, priority in rows
            ]
        )
        # Losses for the archive and for the lead form's Losses tab: one lead
        # lost, restored, then lost again.
        lost = cls.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": "opportunity",
                    "stage_id": pipeline["qualified"].id,
                    "team_id": cls.team.id,
                    "user_id": cls.manager.id,
                    "partner_name": company,
                    "contact_name": contact,
                    "email_from": "%s@example.com" % contact.split()[0].lower(),
                    "expected_revenue": revenue,
                }
                for name, company, contact, revenue in [
                    ("Lobby sofas", "Hostal Ebro", "Rosa Blanco", 7400),
                    ("Classroom desks", "Academia Sella", "Luis Prieto", 15600),
                    ("Showroom lighting", "Motos Nalón", "Sara Crespo", 5200),
                    ("Call-centre booths", "Contacta Bilbao", "Unai Olano", 31000),
                ]
            ]
        )
        cls.lead_relost = lost[0]
        cls.lead_relost.write({"phone": "+34 941 000 123", "tag_ids": [(6, 0, tags[:2].ids)], "priority": "2"})
        cls._lose(cls.lead_relost, ref("crm.lost_reason_1"), "<p>Over budget this year; call again in spring.</p>")
        cls.lead_relost.with_user(cls.manager).action_restore()
        cls._lose(cls.lead_relost, ref("crm_canvas_pipeline.lost_reason_competitor"), "<p>Chose a local maker.</p>")
        # lost twice, now back with a call planned: the form shows both
        cls.lead_relost.with_user(cls.manager).action_restore()
        cls.lead_relost.with_user(cls.manager).write(
            {
                "next_action_type_id": ref("mail.mail_activity_data_call").id,
                "next_action_date": date.today() + timedelta(days=2),
                "next_action_summary": "Call back about the spring budget",
            }
        )
        # next actions on the cards: late, today, planned, and none
        planned = [
            (0, "mail.mail_activity_data_call", -2, "Call to confirm the headcount"),
            (2, "mail.mail_activity_data_meeting", 0, "Visit the meeting rooms"),
            (3, "mail.mail_activity_data_todo", 3, "Send the shelving catalogue"),
            (4, "mail.mail_activity_data_meeting", 1, "Walk the floor with the architect"),
            (6, "mail.mail_activity_data_todo", 5, "Send the written proposal"),
        ]
        cls.env["mail.activity"].create(
            [
                {
                    "res_model_id": cls.env["ir.model"]._get_id("crm.lead"),
                    "res_id": cls.leads[index].id,
                    "activity_type_id": ref(xmlid).id,
                    "date_deadline": date.today() + timedelta(days=days),
                    "summary": summary,
                    "user_id": cls.manager.id,
                }
                for index, xmlid, days, summary in planned
            ]
        )
        # a few moves, for the pipeline flow report
        cls.leads[3].write({"stage_id": pipeline["new"].id})
        cls.leads[4].write({"stage_id": pipeline["qualified"].id})
        cls.leads[5].write({"stage_id": pipeline["proposition"].id})
        cls._lose(lost[1], ref("crm_canvas_pipeline.lost_reason_no_budget"), "<p>Budget moved to next year.</p>")
        cls._lose(lost[2], ref("crm_canvas_pipeline.lost_reason_not_reachable"), "<p>Three calls, no answer.</p>")
        cls._lose(lost[3], ref("crm_canvas_pipeline.lost_reason_do_not_contact"), "<p>Asked us not to call again.</p>")
        # A stage with rules, for the stage form
        cls.stage_proposition.write(
            {
                "required_field_ids": [
                    (
                        6,
                        0,
                        cls.env["ir.model.fields"]
                        .search([("model", "=", "crm.lead"), ("name", "in", ("partner_id", "expected_revenue"))])
                        .ids,
                    )
                ],
                "requires_next_action": True,
                "guidance": "<p>Send the written proposal and agree on a date to review it together.</p>",
            }
        )

    @classmethod
    def _lose(cls, lead, reason, note):
        env = cls.env(user=cls.manager)
        wizard = Form(env["crm.lead.lost"].with_context(active_model="crm.lead", default_lead_ids=lead.ids))
        wizard.lost_reason_id = reason
        wizard.lost_feedback = note
        wizard.save().action_lost_reason_apply()

    def _shoot(self, name, url, selector, click=None, login="canvas_shots"):
        """Open `url` as `login`, wait for `selector` (and click `click`),
        and save the page as `name`.png in CANVAS_SCREENSHOTS_DIR."""
        folder = os.environ.get("CANVAS_SCREENSHOTS_DIR")
        self.assertTrue(folder and os.path.isdir(folder), "CANVAS_SCREENSHOTS_DIR: run this through `make screenshots`")
        shots = []
        wait_code_ok = ChromeBrowser._wait_code_ok

        def wait_then_capture(browser, *args, **kwargs):
            wait_code_ok(browser, *args, **kwargs)
            # the page is still open here: the test has signalled success
            shots.append(browser._websocket_request("Page.captureScreenshot", params={"format": "png"}, timeout=30))

        code = WAIT_AND_SETTLE % {"selector": selector, "click": click or ""}
        with patch.object(ChromeBrowser, "_wait_code_ok", wait_then_capture):
            self.browser_js(url, code, login=login, timeout=120)
        self.assertEqual(len(shots), 1, "no screenshot of %s" % url)
        png = base64.b64decode(shots[0]["data"])
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        self.assertEqual((width, height), (1920, 1080))
        with open(os.path.join(folder, name + ".png"), "wb") as f:
            f.write(png)

    def test_screenshots(self):
        self._shoot(
            "canvas",
            "/odoo/action-crm_canvas_pipeline.crm_lead_action_open_canvas",
            ".o_kanban_renderer .o_kanban_record",
        )
        self._shoot(
            "lead_form_losses",  # with its next action above the tabs
            "/odoo/crm.lead/%d" % self.lead_relost.id,
            ".o_form_view .o_notebook a[name='canvas_losses']",
            click=".o_form_view .o_notebook a[name='canvas_losses']",
        )
        self._shoot(
            "stage_form_rules",
            "/odoo/action-crm.crm_stage_action/%d" % self.stage_proposition.id,
            ".o_form_view .o_field_widget[name='required_field_ids'] .o_tag",
        )
        self._shoot(
            "pipeline_flow",
            "/odoo/action-crm_canvas_pipeline.crm_lead_stage_report_action_funnel",
            ".o_pivot table tbody tr",
        )
        self._shoot(
            "lost_archive",
            "/odoo/action-crm_canvas_pipeline.crm_lead_loss_action_archive",
            ".o_list_renderer .o_data_row",
        )
