import unittest
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.crm_canvas_pipeline.tests.common import CanvasCommon
from odoo.tests import HttpCase, tagged

from .test_campaign import new_marketer, reply

TOUR_TIMEOUT = 600
PROSPECT = "Sillas de oficina"
CAMPAIGN = "Demasiado caro, seis meses después"


@tagged("post_install", "-at_install")
class TestCampaignJourney(HttpCase, CanvasCommon):
    """Issue 21's story in Chromium: a manager sends a campaign to the
    prospects lost "too expensive" seven months ago, one of them replies (the
    mail gateway), and their rep finds them back in the first initiative
    column with a call planned."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_marketer(cls.env)
        Lead = cls.env["crm.lead"]
        values = {"type": "opportunity", "team_id": cls.team_a.id, "user_id": cls.user_rep.id}
        values["stage_id"] = cls.stage_opp_proposal.id
        cls.prospect = Lead.create(
            dict(values, name=PROSPECT, contact_name="Nuria Vidal", email_from="nuria@oficinas.example.com")
        )
        cls.other = Lead.create(
            dict(values, name="Mesas de reunión", contact_name="Pau Roig", email_from="pau@reuniones.example.com")
        )
        cls.unwilling = Lead.create(
            dict(values, name="Archivadores", contact_name="Eva Sanz", email_from="eva@archivo.example.com")
        )
        with freeze_time(fields.Datetime.now() - timedelta(days=210)):
            (cls.prospect | cls.other | cls.unwilling).action_set_lost(
                lost_reason_id=cls.env.ref("crm.lost_reason_1").id
            )
        cls.unwilling.write({"contact_policy": "do_not_contact"})

    def _run_tour(self, tour, login):
        # a browser that cannot start fails the test: a skipped one checks nothing
        try:
            self.start_tour("/odoo", tour, login=login, timeout=TOUR_TIMEOUT)
        except unittest.SkipTest as skip:
            self.fail("tour %s could not run in Chromium: %s" % (tour, skip))

    def test_manager_sends_a_campaign_and_the_rep_answers_the_reply(self):
        self._run_tour("crm_canvas_retarget_campaign_manager", "canvas_marketer")
        mailing = self.env["mailing.mailing"].search([("campaign_id.title", "=", CAMPAIGN)])
        self.assertEqual(len(mailing), 1)
        self.assertEqual(mailing.canvas_retarget_ids.lead_id, self.prospect | self.other)
        mailing.with_user(self.marketer).action_send_mail()
        reply(self, self.prospect, mailing, "Me interesa otra vez, ¿me llamáis?")
        self.assertEqual((self.prospect.active, self.prospect.stage_id), (True, self.stage_lead_new))
        answer = self.prospect.message_ids.filtered(lambda msg: "Me interesa otra vez" in (msg.body or ""))
        self.assertEqual(len(answer), 1, "the reply is not on the lead")
        self._run_tour("crm_canvas_retarget_campaign_rep", "canvas_rep")
        self.assertEqual(self.other.won_status, "lost")
