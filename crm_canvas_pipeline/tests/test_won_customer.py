from odoo.tests import tagged, users

from ..models.res_config_settings import WON_NO_CUSTOMER_PARAM
from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestWonCustomer(CanvasCommon):
    """Winning makes a customer without retyping anything, and never a
    duplicate partner."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.existing_company = cls.env["res.partner"].create(
            {"name": "Acme Existing", "is_company": True, "vat": "ESA12345678"}
        )
        cls.existing_contact = cls.env["res.partner"].create(
            {"name": "Eva Existing", "email": "eva@existing.example.com"}
        )

    def _opportunity(self, **values):
        lead = self._leads(1, email_prefix="won", **values).with_env(self.env)
        lead.write({"stage_id": self.stage_opp_first.id})
        return lead

    def _partner_count(self):
        return self.env["res.partner"].sudo().with_context(active_test=False).search_count([])

    @users("canvas_rep")
    def test_win_creates_company_and_contact(self):
        lead = self._leads(1, email_prefix="fresh", phone="+34 600 000 001").with_env(self.env)
        before = self._partner_count()
        lead.action_set_won()  # straight from an initiative: the button
        contact = lead.partner_id
        self.assertEqual(contact.name, "Contact 0")
        self.assertEqual(contact.email, "fresh0@canvas.example.com")
        self.assertEqual(contact.phone, "+34 600 000 001")
        self.assertEqual(contact.parent_id.name, "Company 0")
        self.assertTrue(contact.parent_id.is_company)
        self.assertEqual(self._partner_count(), before + 2)
        self.assertGreaterEqual(contact.customer_rank, 1)
        self.assertGreaterEqual(contact.parent_id.customer_rank, 1)
        self.assertIn("is a new customer", "".join(lead.message_ids.mapped("body")))
        action = lead.action_canvas_open_customer()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", contact.id))
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_drag_to_won_stage_matches_partner_by_email(self):
        lead = self._opportunity(email_from="EVA@existing.example.com")
        # the conversion already linked it; win from a lead without a partner too
        lead.partner_id = False
        before = self._partner_count()
        lead.write({"stage_id": self.stage_won.id})
        self.assertEqual(lead.partner_id, self.existing_contact)
        self.assertEqual(self._partner_count(), before)
        self.assertEqual(self.existing_contact.customer_rank, 1)
        self.assertIn("is a customer", "".join(lead.message_ids.mapped("body")))
        self.assertCanvasInvariants()

    @users("canvas_rep")
    def test_win_matches_company_by_vat(self):
        lead = self._leads(1, email_prefix="vat", customer_vat="es a-1234 5678").with_env(self.env)
        before = self._partner_count()
        lead.action_set_won()
        self.assertEqual(lead.partner_id.parent_id, self.existing_company, "no second company with the same VAT")
        self.assertEqual(self._partner_count(), before + 1, "only the contact is new")
        self.assertEqual(self.existing_company.customer_rank, 1)

    @users("canvas_rep")
    def test_new_company_gets_the_vat(self):
        lead = self._leads(1, email_prefix="newvat", customer_vat="FR99999999999").with_env(self.env)
        lead.action_set_won()
        self.assertEqual(lead.partner_id.parent_id.vat, "FR99999999999")

    @users("canvas_rep")
    def test_win_keeps_the_linked_partner(self):
        lead = self._leads(1, email_prefix="linked", partner_id=self.existing_company.id).with_env(self.env)
        before = self._partner_count()
        lead.action_set_won()
        self.assertEqual(lead.partner_id, self.existing_company)
        self.assertEqual(self._partner_count(), before)
        self.assertEqual(self.existing_company.customer_rank, 1)

    def test_setting_turns_it_off(self):
        self.env["res.config.settings"].create({"canvas_won_no_customer": True}).execute()
        self.assertTrue(self.env["ir.config_parameter"].get_param(WON_NO_CUSTOMER_PARAM))
        # an opportunity created as such has no customer yet (a promotion would link one)
        lead = self.env["crm.lead"].create(
            {"name": "Off", "type": "opportunity", "team_id": self.team_a.id, "partner_name": "Off Co"}
        )
        partner = self._opportunity(email_from="eva@existing.example.com").partner_id
        before = self._partner_count()
        (lead | partner.opportunity_ids).action_set_won()
        self.assertEqual(lead.won_status, "won")
        self.assertFalse(lead.partner_id)
        self.assertEqual(self._partner_count(), before)
        self.assertEqual(partner.customer_rank, 0)
        self.assertNotIn("customer", "".join(lead.message_ids.mapped("body")))
        self.assertCanvasInvariants()

    def test_teams_outside_the_canvas_win_as_in_stock(self):
        self.team_b.use_initiative_stages = False
        lead = self.env["crm.lead"].create(
            {"name": "Stock deal", "type": "opportunity", "team_id": self.team_b.id, "partner_name": "Stock Co"}
        )
        lead.action_set_won()
        self.assertFalse(lead.partner_id)
