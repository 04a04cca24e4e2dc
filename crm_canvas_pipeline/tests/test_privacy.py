"""Forget contact: a prospect's personal data erased everywhere Odoo keeps
it for their lead, behind a manager's confirmation; the figures and the
history rows stay. Attacked as a rep over JSON-RPC too."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from .common import HOSTILE_CONTEXTS, CanvasRpcCase

PERSON = "Juan Pérez"
COMPANY = "Pérez Hermanos"
EMAIL = "juan.perez@correo.example.com"
EMAIL_OLD = "juanp@viejo.example.com"
PHONE = "+34 612 345 678"
# what must be found nowhere once forgotten (but on the blacklists)
WORDS = (PERSON, COMPANY, EMAIL, EMAIL_OLD, PHONE, "+34612345678", "Calle Mayor 7")
# the tables Odoo keeps the lead's person in
TABLES = (
    "crm_lead",
    "mail_message",
    "mail_tracking_value",
    "mail_activity",
    "mail_mail",
    "calendar_event",
    "res_partner",
    "crm_lead_loss",
    "crm_lead_stage_history",
)


@tagged("post_install", "-at_install")
class TestForgetContact(CanvasRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_unreachable = cls.env.ref("crm_canvas_pipeline.lost_reason_not_reachable")

    def _prospect(self, suffix=""):
        """Juan Pérez's lead as a rep leaves it: created, the email
        corrected, notes and an email of his, promoted (a customer made of
        him), lost twice."""
        env = self.env(user=self.user_rep, context=dict(self.env.context, tracking_disable=False))
        lead = env["crm.lead"].create(
            {
                "name": "Sillas para %s" % PERSON,
                "type": "lead",
                "team_id": self.team_a.id,
                "user_id": self.user_rep.id,
                "contact_name": PERSON,
                "partner_name": COMPANY,
                "email_from": EMAIL_OLD,
                "phone": PHONE,
                "street": "Calle Mayor 7",
                "city": "Sevilla",
                "description": "<p>%s quiere 12 sillas</p>" % PERSON,
                "expected_revenue": 1500,
            }
        )
        self.env.cr.flush()
        lead.write({"email_from": EMAIL})
        lead.message_post(body="Llamé a %s al %s" % (PERSON, PHONE), subtype_xmlid="mail.mt_note")
        lead.sudo().message_post(
            body="Hola, soy Juan: mandadme el presupuesto.",
            author_id=False,
            email_from='"%s" <%s>' % (PERSON, EMAIL),
            message_type="email",
        )
        lead.activity_schedule("mail.mail_activity_data_call", summary="Llamar a %s" % PERSON, user_id=self.user_rep.id)
        lead.write({"stage_id": self.stage_opp_first.id})
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id.email, EMAIL)
        lead.action_set_lost(lost_reason_id=self.reason_unreachable.id)
        lead.action_restore()
        lead.action_set_lost(lost_reason_id=self.reason_unreachable.id)
        self.env.cr.flush()
        return lead.with_env(self.env)

    def _found(self, words=WORDS):
        """{(table, column): ids} of the rows where any of `words` is left."""
        self.env.flush_all()
        self.env.cr.flush()
        found = {}
        for table in TABLES:
            self.env.cr.execute(
                """SELECT column_name FROM information_schema.columns
                    WHERE table_name = %s AND data_type IN ('character varying', 'text', 'jsonb')""",
                [table],
            )
            for (column,) in self.env.cr.fetchall():
                condition = SQL(" OR ").join(
                    SQL("%s::text ILIKE %s", SQL.identifier(column), "%" + word + "%") for word in words
                )
                if table == "mail_message":
                    # the suppression lists' own chatter is the blacklist entry
                    condition = SQL("(%s) AND model NOT IN ('mail.blacklist', 'phone.blacklist')", condition)
                self.env.cr.execute(SQL("SELECT id FROM %s WHERE %s", SQL.identifier(table), condition))
                ids = [row[0] for row in self.env.cr.fetchall()]
                if ids:
                    found[table, column] = ids
        return found

    def _forget(self, leads, same_contact=False, user=None):
        wizard = Form(
            self.env["crm.lead.forget"]
            .with_user(user or self.user_manager)
            .with_context(active_model="crm.lead", active_ids=leads.ids)
        )
        wizard.same_contact = same_contact
        wizard.confirmed = True
        record = wizard.save()
        counts = {fname: record[fname] for fname in record._fields if fname.endswith("_count")}
        record.action_forget()
        return counts

    def test_forget_erases_the_person_everywhere_and_keeps_the_figures(self):
        lead = self._prospect()
        partner = lead.partner_id
        losses = lead.loss_ids
        stays = self.env["crm.lead.stage.history"].search([("lead_id", "=", lead.id)])
        figures = losses.read(["expected_revenue", "reason_id", "date", "stage_id", "lead_type"])
        # the scenario put the person where the erasure must reach
        self.assertEqual(len(losses), 2)
        before = self._found()
        for where in (("crm_lead", "email_from"), ("mail_tracking_value", "old_value_char"), ("res_partner", "email")):
            self.assertIn(where, before)
        self.assertIn(("mail_message", "email_from"), before)
        self.assertIn(("crm_lead_loss", "lead_name"), before)

        counts = self._forget(lead)
        self.assertEqual(counts["lead_count"], 1)
        self.assertEqual(counts["loss_count"], 2)
        self.assertEqual(counts["stay_count"], len(stays))
        self.assertGreaterEqual(counts["tracking_count"], 1)
        self.assertGreaterEqual(counts["message_count"], 2)
        self.assertGreaterEqual(counts["partner_erased_count"], 1)

        self.assertEqual(self._found(), {})
        self.assertFalse(partner.exists())
        # what is no personal data stays
        self.assertEqual(lead.loss_ids, losses)
        self.assertEqual(losses.read(["expected_revenue", "reason_id", "date", "stage_id", "lead_type"]), figures)
        self.assertEqual(self.env["crm.lead.stage.history"].search([("lead_id", "=", lead.id)]), stays)
        self.assertEqual(lead.expected_revenue, 1500)
        self.assertTrue(lead.forgotten_date)
        # the wish is kept: never contacted again, the suppression list holds them
        self.assertEqual(lead.contact_policy, "do_not_contact")
        blacklist = self.env["mail.blacklist"].sudo().search([("email", "=", EMAIL)])
        self.assertTrue(blacklist.active)
        self.assertTrue(self.env["phone.blacklist"].sudo().search([("number", "=", "+34612345678")]))
        self.assertEqual(lead.with_context(active_test=False).retarget_exclusion, "do_not_contact")
        # one audit line: who, and when (the message's date)
        audit = lead.message_ids.filtered(lambda message: "Personal data erased by" in (message.body or ""))
        self.assertEqual(len(audit), 1)
        self.assertIn(self.user_manager.name, audit.body)
        self.assertCanvasInvariants()

    def test_a_partner_with_other_documents_is_unlinked_and_kept(self):
        lead = self._prospect()
        partner = lead.partner_id
        # another deal of the same customer, under another email: a document
        other = self.env["crm.lead"].create(
            {"name": "Otra compra", "type": "opportunity", "team_id": self.team_a.id, "partner_id": partner.id}
        )
        other.email_from = "compras@otra.example.com"
        # forgotten with an unrelated lead: only Juan's lead names the contact kept
        unrelated = self._leads(1, email_prefix="unrelated-forget")
        counts = self._forget(lead | unrelated)
        self.assertEqual(counts["partner_erased_count"], 0)
        self.assertEqual(counts["partner_kept_count"], 1)
        self.assertTrue(partner.exists())
        self.assertFalse(lead.partner_id)
        self.assertEqual(other.partner_id, partner)
        self.assertTrue(
            lead.message_ids.filtered(lambda message: ("#%s" % partner.id) in (message.body or "")),
            "the chatter says which contact was left to an administrator",
        )
        self.assertFalse(unrelated.message_ids.filtered(lambda message: ("#%s" % partner.id) in (message.body or "")))
        self.assertTrue(unrelated.forgotten_date)

    def test_the_other_leads_of_the_prospect_only_when_asked(self):
        lead = self._prospect()
        twin = self.env["crm.lead"].create({"name": "Juan otra vez", "type": "lead", "email_from": EMAIL})
        self._forget(lead)
        self.assertEqual(twin.email_from, EMAIL)
        self._forget(twin, same_contact=True)
        self.assertFalse(twin.email_from)
        lead2 = self.env["crm.lead"].create({"name": "Juan 3", "type": "lead", "phone": "+34 699 111 222"})
        lead3 = self.env["crm.lead"].create({"name": "Juan 4", "type": "lead", "phone": "+34 699 111 222"})
        self._forget(lead2, same_contact=True)
        self.assertTrue(lead3.forgotten_date)
        self.assertFalse(lead3.phone)

    def test_forget_needs_the_confirmation_and_a_manager(self):
        lead = self._prospect()
        wizard = self.env["crm.lead.forget"].with_user(self.user_manager).create({"lead_ids": [(6, 0, lead.ids)]})
        with self.assertRaisesRegex(UserError, "confirmation"):
            wizard.action_forget()
        self.assertEqual(lead.email_from, EMAIL)
        with self.assertRaises(AccessError):
            self.env["crm.lead.forget"].with_user(self.user_rep).create({"lead_ids": [(6, 0, lead.ids)]})
        with self.assertRaises(AccessError):
            lead.with_user(self.user_rep)._canvas_forget()
        self.assertEqual(lead.email_from, EMAIL)
        # never a header button next to Won and Lost: the gear menu, managers only
        arch = lead.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("forget", arch.lower())
        action = self.env.ref("crm_canvas_pipeline.crm_lead_forget_action")
        self.assertEqual(action.binding_model_id.model, "crm.lead")
        self.assertEqual(action.group_ids, self.env.ref("sales_team.group_sale_manager"))

    def test_a_rep_cannot_forget_nor_stamp_over_json_rpc(self):
        lead = self._leads(1, email_prefix="rpc-forget", phone="+34 600 777 001")
        email = lead.email_from
        for context in HOSTILE_CONTEXTS:
            self.rpc_as(
                "canvas_rep",
                "crm.lead.forget",
                "create",
                [{"lead_ids": [(6, 0, lead.ids)], "confirmed": True}],
                context=context,
                expect=AccessError,
            )
            self.rpc_as("canvas_rep", "crm.lead", "_canvas_forget", [lead.ids], context=context, expect=AccessError)
            self.rpc_as(
                "canvas_rep",
                "crm.lead",
                "write",
                [lead.ids, {"forgotten_date": "2020-01-01 00:00:00"}],
                context=context,
                expect=AccessError,
            )
            # refused: by the stamp's check, or before it by another of the module's
            self.rpc_as(
                "canvas_rep",
                "crm.lead",
                "create",
                [{"name": "Stamped", "type": "lead"}],
                context=dict(context, default_forgotten_date="2020-01-01 00:00:00"),
                expect=(AccessError, ValidationError),
            )
        self.rpc_as(
            "canvas_rep",
            "crm.lead",
            "create",
            [{"name": "Stamped", "type": "lead", "forgotten_date": "2020-01-01 00:00:00"}],
            expect=AccessError,
        )
        self.rpc_as(
            "canvas_rep",
            "crm.lead",
            "create",
            [{"name": "Stamped", "type": "lead"}],
            context={"default_forgotten_date": "2020-01-01 00:00:00"},
            expect=AccessError,
        )
        self.assertEqual(lead.email_from, email)
        self.assertFalse(lead.forgotten_date)
        # loss rows of a lead not forgotten keep their names, even for the system
        lead.action_set_lost(lost_reason_id=self.reason_unreachable.id)
        with self.assertRaisesRegex(UserError, "history"):
            lead.loss_ids.sudo().write({"lead_name": "Renamed"})
        # a manager forgets over JSON-RPC, whatever the context says
        wizard_id = self.rpc_as(
            "canvas_manager",
            "crm.lead.forget",
            "create",
            [{"lead_ids": [(6, 0, lead.ids)], "confirmed": True}],
            context=HOSTILE_CONTEXTS[2],
        )
        self.rpc_as("canvas_manager", "crm.lead.forget", "action_forget", [[wizard_id]], context=HOSTILE_CONTEXTS[2])
        self.assertFalse(lead.email_from)
        self.assertTrue(lead.forgotten_date)
        self.assertCanvasInvariants()
