"""Re-target campaigns: the audience is the due prospects only, never one
who opted out (when the campaign is made, when it is sent, and when a
client names the recipients itself); a reply to the campaign, through the
mail gateway, brings exactly that prospect back; an unsubscribe makes them
do-not-contact; the results add up."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.crm_canvas_pipeline.tests.common import HOSTILE_CONTEXTS, CanvasRpcCase
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger


def new_marketer(env):
    """A sales manager who is an Email Marketing user: who sends campaigns."""
    return mail_new_test_user(
        env,
        login="canvas_marketer",
        name="Mario Marketing",
        email="mario.marketing@example.com",
        groups="sales_team.group_sale_manager,mass_mailing.group_mass_mailing_user",
    )


def reply_email(test, lead, mailing, body):
    """The mail of the prospect who answers the mail they got."""
    trace = mailing.mailing_trace_ids.filtered(lambda trace: trace.res_id == lead.id)
    test.assertTrue(trace.message_id, "the campaign was not sent to %s" % lead.name)
    return (
        f"Return-Path: <{lead.email_from}>\nFrom: {lead.contact_name} <{lead.email_from}>\nTo: ventas@example.com\n"
        f"Subject: Re: {mailing.subject}\nMessage-ID: <reply-{lead.id}-{len(lead.message_ids)}@campaign.example.com>\n"
        f"In-Reply-To: {trace.message_id}\nReferences: {trace.message_id}\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    )


def reply(test, lead, mailing, body):
    """The prospect answers the mail they got, through the mail gateway."""
    raw = reply_email(test, lead, mailing, body)
    with mute_logger("odoo.addons.mail.models.mail_thread"):
        test.env["mail.thread"].message_process(False, raw)


@tagged("post_install", "-at_install")
class TestRetargetCampaign(CanvasRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_marketer(cls.env)
        Lead = cls.env["crm.lead"]
        cls.expensive = cls.env.ref("crm.lost_reason_1")  # re-target after 180 days

        def lead(key, **values):
            return Lead.create(
                {
                    "name": "Campaign %s" % key,
                    "type": "lead",
                    "team_id": cls.team_a.id,
                    "user_id": cls.user_rep.id,
                    "contact_name": "Prospect %s" % key,
                    "email_from": "prospect-%s@campaign.example.com" % key,
                    "expected_revenue": 1000,
                    **values,
                }
            )

        cls.due = lead("due-1") | lead("due-2") | lead("due-3")
        cls.dnc_twin = lead("dnc-twin")
        cls.blacklisted = lead("blacklisted")
        cls.not_due = lead("not-due")
        old = cls.due | cls.dnc_twin | cls.blacklisted
        # lost "too expensive" seven months ago: due now
        with freeze_time(fields.Datetime.now() - timedelta(days=210)):
            old.action_set_lost(lost_reason_id=cls.expensive.id)
        cls.not_due.action_set_lost(lost_reason_id=cls.expensive.id)
        lead("dnc", email_from=cls.dnc_twin.email_from).write({"contact_policy": "do_not_contact"})
        cls.env["mail.blacklist"].sudo()._add(cls.blacklisted.email_from)
        cls.pool = old | cls.not_due

    def _campaign(self, leads=None, user=None, context=None, **values):
        Wizard = self.env["crm.lead.retarget.campaign"].with_user(user or self.marketer)
        if context:
            Wizard = Wizard.with_context(**context)
        wizard = Wizard.create({"lead_ids": [(6, 0, leads.ids)] if leads else [], **values})
        action = wizard.action_create_campaign()
        return self.env["mailing.mailing"].browse(action["res_id"])

    def _reply(self, lead, mailing, body="Me interesa de nuevo"):
        reply(self, lead, mailing, body)

    def test_audience_is_the_due_prospects_who_may_be_contacted(self):
        mailing = self._campaign()
        rows = mailing.canvas_retarget_ids
        self.assertEqual(rows.lead_id & self.pool, self.due)
        self.assertEqual(set(rows.mapped("lost_reason_id")), {self.expensive})
        self.assertTrue(mailing.canvas_retarget)
        self.assertIn(self.expensive.name, mailing.campaign_id.tag_ids.mapped("name"))
        self.assertEqual(set(mailing._get_recipients()), set(rows.lead_id.ids))
        # a selection keeps only who is due and contactable
        mailing = self._campaign(self.pool)
        self.assertEqual(mailing.canvas_retarget_ids.lead_id, self.due)

    def test_a_selection_nobody_may_be_contacted_in_says_why(self):
        with self.assertRaisesRegex(UserError, "Left out filter"):
            self._campaign(self.dnc_twin | self.blacklisted | self.not_due)

    def test_nobody_who_opted_out_is_ever_sent_the_campaign(self):
        mailing = self._campaign(self.pool)
        # one of the audience asks, elsewhere, not to be contacted before the send
        said_no = self.due[0]
        self.env["crm.lead"].create(
            {"name": "Another", "type": "lead", "team_id": self.team_a.id, "email_from": said_no.email_from}
        ).write({"contact_policy": "do_not_contact"})
        self.assertNotIn(said_no.id, mailing._get_remaining_recipients())
        # a client that names the recipients itself, the opted-out ones among them
        everyone = self.pool.ids
        self.rpc_as("canvas_marketer", "mailing.mailing", "action_send_mail", [mailing.ids, everyone])
        traces = {trace.res_id: trace for trace in mailing.mailing_trace_ids}
        for lead in self.pool.with_context(active_test=False):
            if lead in self.due - said_no:
                self.assertIn(traces[lead.id].trace_status, ("outgoing", "pending", "sent"), lead.name)
            elif lead.id in traces:
                self.assertEqual(traces[lead.id].trace_status, "cancel", lead.name)
        for lead in (said_no, self.dnc_twin, self.blacklisted):
            self.assertFalse(
                self.env["mail.mail"]
                .sudo()
                .search(
                    [
                        ("mailing_id", "=", mailing.id),
                        ("res_id", "=", lead.id),
                        ("state", "not in", ("cancel", "exception")),
                    ]
                ),
                "a mail would go to %s" % lead.name,
            )

    def test_any_mailing_to_leads_leaves_out_do_not_contact(self):
        mailing = (
            self.env["mailing.mailing"]
            .with_user(self.marketer)
            .create(
                {
                    "subject": "Novedades",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": repr([("id", "in", self.pool.ids), ("active", "in", [True, False])]),
                }
            )
        )
        recipients = set(mailing._get_recipients())
        self.assertNotIn(self.dnc_twin.id, recipients)
        self.assertIn(self.blacklisted.id, recipients)  # stock cancels it at sending (its blacklist)
        self.assertIn(self.due[0].id, recipients)

    def test_a_reply_brings_exactly_that_prospect_back(self):
        mailing = self._campaign(self.pool)
        mailing.with_user(self.marketer).action_send_mail()
        back, others = self.due[0], self.due[1:]
        losses = back.loss_ids
        self._reply(back, mailing)
        self.assertTrue(back.active)
        self.assertEqual(back.won_status, "pending")
        self.assertEqual(back.type, "lead")
        self.assertEqual(back.stage_id, self.stage_lead_new)
        self.assertEqual(back.user_id, self.user_rep)
        self.assertEqual(back.loss_ids, losses, "the loss rows stay")
        self.assertTrue(losses.restored_date)
        activity = back.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, "Answer the re-target reply")
        self.assertEqual(activity.user_id, self.user_rep)
        self.assertEqual(activity.date_deadline, fields.Date.context_today(back.with_context(tz=self.user_rep.tz)))
        self.assertTrue(back.message_ids.filtered(lambda msg: mailing.subject in (msg.body or "")))
        self.assertTrue(back.message_ids.filtered(lambda msg: "Me interesa de nuevo" in (msg.body or "")))
        for lead in others.with_context(active_test=False):
            self.assertEqual(lead.won_status, "lost")
        row = mailing.canvas_retarget_ids.filtered(lambda row: row.lead_id == back)
        self.assertTrue(row.replied_date and row.reactivated_date)
        # a second reply changes nothing more
        self._reply(back, mailing, body="Otra vez")
        self.assertEqual(len(back.activity_ids), 1)
        self.assertCanvasInvariants()

        # the results add up, then the prospect is won again
        Report = self.env["crm.lead.retarget.report"].with_user(self.marketer)
        measures = [
            "targeted_count:sum",
            "sent_count:sum",
            "replied_count:sum",
            "reactivated_count:sum",
            "won_count:sum",
            "won_revenue:sum",
        ]
        [[reason, *totals]] = Report._read_group([("mailing_id", "=", mailing.id)], ["lost_reason_id"], measures)
        self.assertEqual(reason, self.expensive)
        self.assertEqual(totals, [3, 3, 1, 1, 0, 0])
        back.write({"stage_id": self.stage_opp_first.id})
        back.write({"stage_id": self.stage_won.id})
        self.env.flush_all()
        row = mailing.canvas_retarget_ids.filtered(lambda row: row.lead_id == back)
        self.assertEqual((back.won_status, back.date_closed >= row.create_date.replace(microsecond=0)), ("won", True))
        [[*totals]] = Report._read_group([("mailing_id", "=", mailing.id)], [], measures)
        self.assertEqual(totals, [3, 3, 1, 1, 1, 1000])

    def test_a_prospect_nobody_sells_to_comes_back_to_the_team_leader(self):
        orphan = self.due[2]
        orphan.user_id = False
        mailing = self._campaign(self.pool)
        mailing.with_user(self.marketer).action_send_mail()
        self._reply(orphan, mailing)
        self.assertEqual(orphan.won_status, "pending")
        self.assertEqual(orphan.user_id, self.team_a.user_id)
        self.assertEqual(orphan.activity_ids.user_id, self.team_a.user_id)

    def test_a_forged_answer_brings_nobody_back(self):
        mailing = self._campaign(self.pool, reactivate_on_click=True)
        mailing.with_user(self.marketer).action_send_mail()
        lead = self.due[0]
        trace = mailing.mailing_trace_ids.filtered(lambda trace: trace.res_id == lead.id)
        for context in HOSTILE_CONTEXTS:
            self.rpc_as("canvas_marketer", "mailing.trace", "set_replied", [trace.ids], context=context)
            self.rpc_as("canvas_marketer", "mailing.trace", "set_clicked", [trace.ids], context=context)
            # the mail gateway's entry point, fed a forged reply by a user
            try:  # refused or not: what counts is the lead below
                self.rpc_as(
                    "canvas_marketer",
                    "mail.thread",
                    "message_process",
                    [False, reply_email(self, lead, mailing, "Forged")],
                    context=context,
                )
            except JsonRpcException:
                pass
        self.assertEqual(lead.won_status, "lost")
        self.assertFalse(mailing.canvas_retarget_ids.filtered(lambda row: row.lead_id == lead).reactivated_date)
        # the prospect's own click, counted by the public tracking route (as superuser)
        trace.sudo().set_clicked()
        self.assertEqual(lead.won_status, "pending")

    def test_unsubscribing_makes_the_prospect_do_not_contact(self):
        mailing = self._campaign(self.pool)
        lead = self.due[1]
        email = lead.email_normalized
        token = mailing._generate_mailing_recipient_token(lead.id, email)
        self.env.flush_all()
        response = self.url_open(
            "/mailing/%s/unsubscribe_oneclick?document_id=%s&email=%s&hash_token=%s"
            % (mailing.id, lead.id, email, token),
            method="POST",
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(lead.contact_policy, "do_not_contact")
        self.assertEqual(lead.retarget_exclusion, "do_not_contact")
        self.assertTrue(mailing.canvas_retarget_ids.filtered(lambda row: row.lead_id == lead).unsubscribed_date)
        # a forged token changes nothing for another prospect
        other = self.due[2]
        self.url_open(
            "/mailing/%s/unsubscribe_oneclick?document_id=%s&email=%s&hash_token=forged"
            % (mailing.id, other.id, other.email_normalized),
            method="POST",
        )
        self.env.invalidate_all()
        self.assertNotEqual(other.contact_policy, "do_not_contact")

    def test_over_json_rpc(self):
        # a rep may not make a campaign, nor write its audience
        self.rpc_as("canvas_rep", "crm.lead.retarget.campaign", "create", [{}], expect=AccessError)
        for login in ("canvas_rep", "canvas_marketer"):
            self.rpc_as(
                login,
                "crm.lead.retarget",
                "create",
                [{"lead_id": self.dnc_twin.id, "mailing_id": 1}],
                expect=AccessError,
            )
        # a manager's campaign, whatever the context, leaves out whoever opted out
        for context in HOSTILE_CONTEXTS:
            wizard_id = self.rpc_as(
                "canvas_marketer",
                "crm.lead.retarget.campaign",
                "create",
                [{"lead_ids": [(6, 0, self.pool.ids)]}],
                context=context,
            )
            action = self.rpc_as(
                "canvas_marketer",
                "crm.lead.retarget.campaign",
                "action_create_campaign",
                [[wizard_id]],
                context=context,
            )
            mailing = self.env["mailing.mailing"].browse(action["res_id"])
            self.assertEqual(mailing.canvas_retarget_ids.lead_id, self.due, context)
            self.assertNotIn(self.dnc_twin.id, mailing._get_recipients())
            # the audience rows cannot be rewritten to add someone
            self.rpc_as(
                "canvas_marketer",
                "crm.lead.retarget",
                "write",
                [mailing.canvas_retarget_ids[:1].ids, {"lead_id": self.dnc_twin.id}],
                context=context,
                expect=AccessError,
            )

    def test_a_campaign_costs_the_same_queries_for_few_or_many_prospects(self):
        Lead = self.env["crm.lead"]

        def lost(count, key):
            leads = Lead.create(
                [
                    {
                        "name": "Batch %s %s" % (key, index),
                        "type": "lead",
                        "team_id": self.team_a.id,
                        "user_id": self.user_rep.id,
                        "email_from": "batch-%s-%s@campaign.example.com" % (key, index),
                    }
                    for index in range(count)
                ]
            )
            with freeze_time(fields.Datetime.now() - timedelta(days=210)):
                leads.action_set_lost(lost_reason_id=self.expensive.id)
            self.env.invalidate_all()
            return leads

        few, many = lost(5, "few"), lost(60, "many")
        self._campaign(lost(2, "warm"))  # the caches of a first campaign (tags, models) warm
        counts = []
        for leads in (few, many):
            counts.append(self._queries(lambda leads=leads: self._campaign(leads)))
            self.assertEqual(len(self.env["crm.lead.retarget"].search([("lead_id", "in", leads.ids)])), len(leads))
        self.assertEqual(counts[0], counts[1], "queries per prospect: %s" % counts)
