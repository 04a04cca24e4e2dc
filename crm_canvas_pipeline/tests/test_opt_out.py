"""Every opt-out honoured before re-targeting: the pool leaves out, and the
Reactivate wizard refuses, whoever opted out on another lead, a blacklist or
a mailing list; the pool's filters and the field say the same."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import HOSTILE_CONTEXTS, CanvasRpcCase


@tagged("post_install", "-at_install")
class TestOptOut(CanvasRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        reason = cls.env.ref("crm_canvas_pipeline.lost_reason_not_reachable")

        def lead(key, **values):
            return Lead.create(
                {
                    "name": "Pool %s" % key,
                    "type": "lead",
                    "team_id": cls.team_a.id,
                    "user_id": cls.user_rep.id,
                    "email_from": "pool-%s@optout.example.com" % key,
                    **values,
                }
            )

        cls.clean = lead("clean", phone="+34 600 900 001")
        cls.twin = lead("twin")
        cls.by_phone_twin = lead("phone-twin", phone="+34 600 900 002")
        cls.email_blacklisted = lead("email-bl")
        cls.phone_blacklisted = lead("phone-bl", phone="+34 600 900 003")
        cls.opted_out = lead("opted")
        pool = cls.clean | cls.twin | cls.by_phone_twin | cls.email_blacklisted | cls.phone_blacklisted
        cls.pool = pool | cls.opted_out
        cls.pool.action_set_lost(lost_reason_id=reason.id)
        # the opt-outs, said elsewhere than on these leads
        lead("twin-dnc", email_from=cls.twin.email_from).write({"contact_policy": "do_not_contact"})
        lead("phone-dnc", email_from="other@optout.example.com", phone="+34 600 900 002").write(
            {"contact_policy": "do_not_contact"}
        )
        cls.env["mail.blacklist"].sudo()._add(cls.email_blacklisted.email_from)
        cls.env["phone.blacklist"].sudo()._add(["+34 600 900 003"])
        mailing_list = cls.env["mailing.list"].create({"name": "Boletín"})
        cls.env["mailing.contact"].create(
            {
                "name": "Opted out",
                "email": cls.opted_out.email_from,
                "subscription_ids": [(0, 0, {"list_id": mailing_list.id, "opt_out": True})],
            }
        )
        cls.expected = {
            cls.clean: False,
            cls.twin: "do_not_contact",
            cls.by_phone_twin: "do_not_contact",
            cls.email_blacklisted: "blacklisted",
            cls.phone_blacklisted: "blacklisted",
            cls.opted_out: "opted_out",
        }

    def test_every_opt_out_is_found_and_the_search_agrees(self):
        pool = self.pool.with_context(active_test=False)
        self.assertEqual({lead: lead.retarget_exclusion for lead in pool}, self.expected)
        Lead = self.env["crm.lead"].with_context(active_test=False)
        for value in (False, "do_not_contact", "blacklisted", "opted_out"):
            wanted = {lead for lead, reason in self.expected.items() if reason == value}
            for operator in ("=", "!="):
                domain = [("id", "in", pool.ids), ("retarget_exclusion", operator, value)]
                expected = wanted if operator == "=" else set(self.expected) - wanted
                self.assertEqual(set(Lead.search(domain)), expected, (operator, value))
                self.assertEqual(set(pool.filtered_domain(domain[1:])), expected, (operator, value))

    def test_the_pool_shows_who_may_be_contacted_and_why_the_others_not(self):
        action = self.env.ref("crm_canvas_pipeline.crm_lead_action_retarget_pool")
        context = safe_eval(action.context)
        self.assertTrue(context.get("search_default_canvas_contactable"))
        arch = action.search_view_id.get_combined_arch()
        self.assertIn('name="canvas_contactable"', arch)
        self.assertIn('name="canvas_left_out"', arch)
        Lead = self.env["crm.lead"].with_user(self.user_manager).with_context(active_test=False)
        domain = [("id", "in", self.pool.ids), *safe_eval(action.domain, {"context_today": date.today})]
        contactable = Lead.search([*domain, ("retarget_exclusion", "=", False)])
        self.assertEqual(contactable, self.clean)
        left_out = Lead.search([*domain, ("retarget_exclusion", "!=", False)])
        self.assertEqual(set(left_out.mapped("retarget_exclusion")), {"do_not_contact", "blacklisted", "opted_out"})

    def test_reactivate_refuses_every_opted_out_prospect(self):
        for lead, reason in self.expected.items():
            if not reason:
                continue
            wizard = (
                self.env["crm.lead.reactivate"]
                .with_user(self.user_rep)
                .with_context(active_model="crm.lead", active_ids=(lead | self.clean).ids)
                .create({})
            )
            with self.assertRaisesRegex(UserError, "may not be contacted again"):
                wizard.action_reactivate()
            self.assertEqual(self.clean.won_status, "lost")
        # over JSON-RPC, whatever the context
        for context in HOSTILE_CONTEXTS:
            wizard_id = self.rpc_as(
                "canvas_rep",
                "crm.lead.reactivate",
                "create",
                [{"lead_ids": [(6, 0, (self.email_blacklisted | self.clean).ids)]}],
                context=context,
            )
            self.rpc_as(
                "canvas_rep",
                "crm.lead.reactivate",
                "action_reactivate",
                [[wizard_id]],
                context=context,
                expect=UserError,
            )
        self.assertEqual(self.clean.won_status, "lost")
        self.env["crm.lead.reactivate"].with_context(active_model="crm.lead", active_ids=self.clean.ids).create(
            {}
        ).action_reactivate()
        self.assertEqual(self.clean.won_status, "pending")
        self.assertCanvasInvariants()

    def test_a_mass_mail_to_leads_leaves_out_do_not_contact(self):
        """Send email on a selection of leads (no mailing): the prospects who
        asked not to be contacted get no mail, the others do."""
        leads = self.clean | self.twin | self.by_phone_twin
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.user_manager)
            .with_context(active_model="crm.lead", active_ids=leads.ids)
            .create(
                {
                    "composition_mode": "mass_mail",
                    "model": "crm.lead",
                    "res_ids": repr(leads.ids),
                    "subject": "Novedades",
                    "body": "<p>Hola</p>",
                }
            )
        )
        composer._action_send_mail()
        mails = self.env["mail.mail"].sudo().search([("model", "=", "crm.lead"), ("res_id", "in", leads.ids)])
        going = mails.filtered(lambda mail: mail.state not in ("cancel", "exception"))
        self.assertEqual(set(going.mapped("res_id")), {self.clean.id})
