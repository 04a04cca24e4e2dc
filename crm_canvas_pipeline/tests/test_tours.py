import base64
import json
import os
import re
import shutil
import struct
import tempfile
import unittest
from datetime import date, timedelta
from unittest.mock import patch

from odoo.tests import Form, HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import CanvasCommon

# Two cores shared with other jobs: a journey of some forty steps needs time.
TOUR_TIMEOUT = 600

# The screens the tours photograph (screenshot() in static/tests/tours/canvas_tour_utils.js),
# by the names the README, the readme fragments and the Apps page use.
SCREENSHOTS = ("canvas", "lead_form_losses", "stage_form_rules", "lost_archive", "pipeline_flow")
SCREENSHOT_SIGNAL = re.compile(r"^canvas-screenshot:([a-z_]+)$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data):
    """(width, height) of the PNG `data` starts with, None if it is none."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


@tagged("post_install", "-at_install")
class TestSeedJourney(HttpCase, CanvasCommon):
    """The seed's user story in Chromium (issue 10): a rep works an
    initiative to a won customer and loses another prospect for good, then a
    manager looks at a lead lost twice and a stage's rules, adds a stage with
    a rule and reads the lost archive and the funnel. The tours drive the
    screens; the assertions here check what they left in the database.

    The tours also take the module's screenshots: a screenshot step logs
    ``canvas-screenshot:<name>`` and waits; the test captures the page and
    answers. They always land in a temporary folder and are checked; with
    CANVAS_SCREENSHOTS_DIR set (``make screenshots``) they are then copied
    there, into static/description/."""

    browser_size = "1920x1080"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.write({"name": "Iberia", "use_initiative_stages": True})
        # the team's pipeline, with names a company would use; stock's stages
        # belong to the other team, out of the Canvas
        cls.stage_opp_first.write({"name": "Discovery", "sequence": 10})
        cls.stage_opp_proposal.write({"name": "Proposal", "sequence": 20})
        cls.stage_won.write({"name": "Won", "sequence": 30})
        ours = cls.stage_opp_first | cls.stage_opp_proposal | cls.stage_won
        cls.env["crm.stage"].search([("stage_kind", "=", "opportunity"), ("id", "not in", ours.ids)]).write(
            {"team_ids": [(6, 0, cls.team_b.ids)]}
        )
        cls.field_revenue = cls.env["ir.model.fields"]._get("crm.lead", "expected_revenue")
        cls.reason_dnc = cls.env.ref("crm_canvas_pipeline.lost_reason_do_not_contact")
        cls._create_showcase()
        cls.loser = cls.env["crm.lead"].create(
            {
                "name": "Terrace furniture",
                "type": "opportunity",
                "team_id": cls.team_a.id,
                "user_id": cls.user_rep.id,
                "stage_id": cls.stage_opp_first.id,
                "partner_name": "Viveros Cierzo",
                "contact_name": "Lola Ortega",
                "email_from": "lola@viveros-cierzo.example.com",
                "phone": "+34 600 111 222",
                "expected_revenue": 6300,
            }
        )
        # The Proposal stage's rules: the rep's opportunity meets the revenue
        # one in the tour; the lead lost twice lacks the email
        cls.stage_opp_proposal.write(
            {
                "required_field_ids": [
                    (6, 0, (cls.field_revenue | cls.env["ir.model.fields"]._get("crm.lead", "email_from")).ids)
                ],
                "requires_next_action": True,
                "requirements": "Send the written proposal and agree on a date to review it together.",
            }
        )

    @classmethod
    def _create_showcase(cls):
        """What the screenshots show besides the journey: the rep's leads
        across initiative and pipeline stages with next actions late, today
        and planned, a lead lost twice and back with a call planned, losses
        with their reasons, and a few moves for the funnel."""
        ref = cls.env.ref
        # fixed colours (the default is random): the same pictures every run
        tags = cls.env["crm.tag"].create(
            [{"name": name, "color": color} for name, color in (("Furniture", 4), ("Fit-out", 2), ("Referral", 10))]
        )
        cls.tag = tags[2]
        initiative_new, contacted, qualified = cls.stage_lead_new, cls.stage_lead_contacted, cls.stage_lead_qualified
        discovery, proposal, won = cls.stage_opp_first, cls.stage_opp_proposal, cls.stage_won
        call, meeting, todo = (
            "mail.mail_activity_data_call",
            "mail.mail_activity_data_meeting",
            "mail.mail_activity_data_todo",
        )
        rows = [
            # name, type, stage, company, contact, revenue, tags, priority, next action (type, days, summary)
            ("Chairs for 40 desks", "lead", initiative_new, "Talleres Ebro", "Lucía Pardo", 0, [0], "2",
             (call, -2, "Call to confirm the headcount")),
            ("Reception furniture", "lead", initiative_new, "Clínica Arga", "Jon Etxeberria", 0, [0], "1", None),
            ("Meeting room screens", "lead", contacted, "Bodegas Sil", "Ana Vidal", 0, [2], "1",
             (meeting, 0, "Visit the meeting rooms")),
            ("Acoustic panels", "lead", qualified, "Radio Cierzo", "Nerea Lasa", 0, [1], "1",
             (todo, 4, "Send the acoustic study")),
            ("Warehouse shelving", "lead", qualified, "Logística Tajo", "Pau Roig", 0, [1], "2",
             (todo, 3, "Send the shelving catalogue")),
            ("Open-plan fit-out", "opportunity", discovery, "Estudio Duero", "Marta Gil", 48000, [1], "2",
             (meeting, 1, "Walk the floor with the architect")),
            ("Canteen tables", "opportunity", discovery, "Colegio Miño", "Iñigo Sanz", 12500, [0], "1", None),
            ("Ergonomic desks", "opportunity", proposal, "Seguros Turia", "Elena Ruiz", 22000, [0, 2], "3",
             (todo, 5, "Send the written proposal")),
            ("Conference chairs", "opportunity", won, "Hotel Segura", "David Mora", 9800, [0], "2", None),
        ]  # fmt: skip
        leads = cls.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": lead_type,
                    "stage_id": stage.id,
                    "team_id": cls.team_a.id,
                    "user_id": cls.user_rep.id,
                    "partner_name": company,
                    "contact_name": contact,
                    "email_from": "%s@example.com" % contact.split()[0].lower(),
                    "expected_revenue": revenue,
                    "tag_ids": [(6, 0, [tags[i].id for i in tag_indexes])],
                    "priority": priority,
                }
                for name, lead_type, stage, company, contact, revenue, tag_indexes, priority, _next in rows
            ]
        )
        cls.env["mail.activity"].create(
            [
                {
                    "res_model_id": cls.env["ir.model"]._get_id("crm.lead"),
                    "res_id": lead.id,
                    "activity_type_id": ref(xmlid).id,
                    "date_deadline": date.today() + timedelta(days=days),
                    "summary": summary,
                    "user_id": cls.user_rep.id,
                }
                for lead, (*_row, next_action) in zip(leads, rows, strict=True)
                if next_action
                for xmlid, days, summary in [next_action]
            ]
        )
        # Losses, for the archive and for the lead form's Losses tab
        lost = cls.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": "opportunity",
                    "stage_id": discovery.id,
                    "team_id": cls.team_a.id,
                    "user_id": cls.user_rep.id,
                    "partner_name": company,
                    "contact_name": contact,
                    "email_from": email,
                    "expected_revenue": revenue,
                }
                for name, company, contact, email, revenue in [
                    # no email yet: what the Proposal stage asks for first
                    ("Lobby sofas", "Hostal Ebro", "Rosa Blanco", False, 7400),
                    ("Classroom desks", "Academia Sella", "Luis Prieto", "luis@example.com", 15600),
                    ("Showroom lighting", "Motos Nalón", "Sara Crespo", "sara@example.com", 5200),
                    ("Call-centre booths", "Contacta Bilbao", "Unai Olano", "unai@example.com", 31000),
                ]
            ]
        )
        # lost, restored, lost again, and back with a call planned: the form
        # shows both losses
        cls.lead_relost = lost[0]
        cls.lead_relost.write({"phone": "+34 941 000 123", "tag_ids": [(6, 0, tags[:2].ids)], "priority": "2"})
        rep = cls.lead_relost.with_user(cls.user_rep)
        cls._lose(cls.lead_relost, ref("crm.lost_reason_1"), "<p>Over budget this year; call again in spring.</p>")
        rep.action_restore()
        cls._lose(cls.lead_relost, ref("crm_canvas_pipeline.lost_reason_competitor"), "<p>Chose a local maker.</p>")
        rep.action_restore()
        rep.write(
            {
                "next_action_type_id": ref(call).id,
                "next_action_date": date.today() + timedelta(days=2),
                "next_action_summary": "Call back about the spring budget",
            }
        )
        # a few moves, for the funnel
        leads.filtered(lambda lead: lead.name == "Warehouse shelving").stage_id = discovery
        leads.filtered(lambda lead: lead.name == "Open-plan fit-out").stage_id = proposal
        cls._lose(lost[1], ref("crm_canvas_pipeline.lost_reason_no_budget"), "<p>Budget moved to next year.</p>")
        cls._lose(lost[2], ref("crm_canvas_pipeline.lost_reason_not_reachable"), "<p>Three calls, no answer.</p>")
        cls._lose(lost[3], ref("crm_canvas_pipeline.lost_reason_do_not_contact"), "<p>Asked us not to call again.</p>")

    @classmethod
    def _lose(cls, lead, reason, note):
        """Lose `lead` through the wizard, as the rep."""
        env = cls.env(user=cls.user_rep)
        wizard = Form(env["crm.lead.lost"].with_context(active_model="crm.lead", default_lead_ids=lead.ids))
        wizard.lost_reason_id = reason
        wizard.lost_feedback = note
        wizard.save().action_lost_reason_apply()

    def setUp(self):
        super().setUp()
        self.shots_dir = tempfile.mkdtemp(prefix="canvas_shots_")
        self.addCleanup(shutil.rmtree, self.shots_dir, ignore_errors=True)
        self.shots_failed = []

    def _capture(self, browser, name):
        """Capture the page for the screenshot step `name`, then answer it.
        Runs in the browser's websocket thread: nothing here may wait for a
        reply, the capture's result comes back through a callback."""

        def answer(expression):
            browser._websocket_send("Runtime.evaluate", params={"expression": expression})

        def save(future):
            try:
                if name not in SCREENSHOTS:
                    raise ValueError("unknown screenshot, expected one of %s" % ", ".join(SCREENSHOTS))
                png = base64.b64decode(future.result(timeout=0)["data"])
                if png_size(png) != (1920, 1080):
                    raise ValueError("not a 1920x1080 PNG: %r" % (png_size(png),))
                with open(os.path.join(self.shots_dir, name + ".png"), "wb") as file:
                    file.write(png)
            except Exception as error:  # said to the page, then by the test
                self.shots_failed.append("%s: %s" % (name, error))
                answer("window.__canvasScreenshotFailed = %s" % json.dumps(str(error)))
                return
            answer("window.__canvasScreenshotDone = %s" % json.dumps(name))

        future = browser._websocket_send("Page.captureScreenshot", params={"format": "png"}, with_future=True)
        if future is not None:  # None: the browser is closing
            future.add_done_callback(save)

    def _run_tour(self, tour, login):
        """start_tour, but a browser that cannot start fails the test: a
        skipped browser test would pass without anything being checked. The
        tour's screenshot steps are answered by _capture."""
        handle_console = ChromeBrowser._handle_console
        test = self

        def handle_console_and_shoot(browser, **params):  # Runtime.consoleAPICalled's
            handle_console(browser, **params)
            args = params.get("args")
            message = args[0].get("value") if params.get("type") == "log" and args else None
            match = SCREENSHOT_SIGNAL.match(message) if isinstance(message, str) else None
            if match:
                test._capture(browser, match.group(1))

        try:
            with patch.object(ChromeBrowser, "_handle_console", handle_console_and_shoot):
                self.start_tour("/odoo", tour, login=login, timeout=TOUR_TIMEOUT)
        except unittest.SkipTest as skip:
            self.fail("tour %s could not run in Chromium: %s" % (tour, skip))

    def _check_screenshots(self):
        """Every screen was captured as a 1920x1080 PNG; with
        CANVAS_SCREENSHOTS_DIR set, copy them there."""
        self.assertFalse(self.shots_failed, "screenshots failed")
        for name in SCREENSHOTS:
            path = os.path.join(self.shots_dir, name + ".png")
            self.assertTrue(os.path.isfile(path), "no screenshot %s.png" % name)
            with open(path, "rb") as file:
                self.assertEqual(png_size(file.read(24)), (1920, 1080), "%s.png: not a 1920x1080 PNG" % name)
            self.assertGreater(os.path.getsize(path), 20000, "%s.png: a blank page?" % name)
        self.assertEqual(sorted(os.listdir(self.shots_dir)), sorted(name + ".png" for name in SCREENSHOTS))
        folder = os.environ.get("CANVAS_SCREENSHOTS_DIR")
        if folder:
            self.assertTrue(os.path.isdir(folder), "CANVAS_SCREENSHOTS_DIR=%s is not a folder" % folder)
            for name in SCREENSHOTS:
                shutil.copyfile(os.path.join(self.shots_dir, name + ".png"), os.path.join(folder, name + ".png"))

    def test_seed_journey_rep_then_manager(self):
        # the stage rule refuses the move once: the server logs that UserError
        with self.assertLogs("odoo.http", "WARNING") as logs:
            self._run_tour("crm_canvas_seed_journey_rep", "canvas_rep")
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertIn("Proposal", logs.output[0])
        self.assertIn("Expected Revenue", logs.output[0])
        self._run_tour("crm_canvas_seed_journey_manager", "canvas_manager")
        self._check_screenshots()

        Lead = self.env["crm.lead"].with_context(active_test=False)
        winner = Lead.search([("name", "=", "Coworking seats")])
        self.assertEqual(len(winner), 1)
        # created, tagged, noted, a call planned, promoted, then won
        self.assertEqual(winner.team_id, self.team_a)
        self.assertEqual(winner.user_id, self.user_rep)
        self.assertEqual(winner.type, "opportunity")
        self.assertTrue(winner.date_conversion)
        self.assertEqual(winner.tag_ids, self.tag)
        note = winner.message_ids.filtered(lambda message: "Wants a quote for twenty seats" in (message.body or ""))
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(note.author_id, self.user_rep.partner_id)
        call = self.env.ref("mail.mail_activity_data_call")
        self.assertEqual(winner.activity_ids.activity_type_id, call)
        self.assertEqual(winner.activity_ids.summary, "Call about the quote")
        self.assertEqual(winner.next_action_type_id, call)
        self.assertEqual(winner.next_action_summary, "Call about the quote")
        self.assertEqual(winner.expected_revenue, 12000)
        self.assertEqual(winner.won_status, "won")
        self.assertTrue(winner.stage_id.is_won)
        self.assertEqual(winner.partner_id.email, "buyer@seed-journey.example.com")
        self.assertGreater(winner.partner_id.customer_rank, 0)
        stays = winner.stage_history_ids.sorted(lambda stay: (stay.date_in, stay.id))
        self.assertEqual(
            stays.stage_id,
            self.stage_lead_new
            | self.stage_lead_contacted
            | self.stage_lead_qualified
            | self.stage_opp_first
            | self.stage_opp_proposal
            | winner.stage_id,
        )
        self.assertEqual(stays.stage_id[:3].mapped("stage_kind"), ["lead"] * 3)
        self.assertEqual(stays[-1].outcome, "won")

        # lost for good: archived, do not contact, on the blacklists
        loser = self.loser
        self.assertEqual(loser.won_status, "lost")
        self.assertFalse(loser.active)
        self.assertEqual(loser.lost_reason_id, self.reason_dnc)
        self.assertEqual(loser.contact_policy, "do_not_contact")
        self.assertEqual(loser.loss_ids.reason_id, self.reason_dnc)
        self.assertIn("They asked us to stop calling", loser.loss_ids.note)
        self.assertTrue(loser.is_blacklisted)
        self.assertTrue(self.env["phone.blacklist"].sudo().search([("number", "=", loser.phone_sanitized)]))

        # the manager's stage and its rule
        stage = self.env["crm.stage"].search([("name", "=", "Negotiation")])
        self.assertEqual(len(stage), 1)
        self.assertEqual(stage.stage_kind, "opportunity")
        self.assertEqual(stage.required_field_ids, self.field_revenue)
        self.assertTrue(stage.requires_next_action)
        self.assertEqual(stage.create_uid, self.user_manager)

        self.assertCanvasInvariants()
