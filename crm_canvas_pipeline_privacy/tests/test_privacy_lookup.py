from odoo.addons.crm_canvas_pipeline.tests.common import CanvasCommon
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestPrivacyLookup(CanvasCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Privacy Lookup is in the settings: an administrator who manages sales
        cls.user_admin = mail_new_test_user(
            cls.env,
            login="canvas_privacy_admin",
            name="Ada Admin",
            email="ada.admin@example.com",
            groups="base.group_system,sales_team.group_sale_manager",
        )

    def test_lookup_lists_the_losses_and_delete_forgets(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Mesa para Lucía",
                "type": "lead",
                "team_id": self.team_a.id,
                "user_id": self.user_rep.id,
                "contact_name": "Lucía Gómez",
                "email_from": "lucia.gomez@privacidad.example.com",
                "expected_revenue": 900,
            }
        )
        lead.action_set_lost(lost_reason_id=self.env.ref("crm.lost_reason_1").id)
        loss, stays = lead.loss_ids, self.env["crm.lead.stage.history"].search([("lead_id", "=", lead.id)])
        self.assertTrue(loss and stays)
        wizard = (
            self.env["privacy.lookup.wizard"]
            .with_user(self.user_admin)
            .create({"name": "Lucía Gómez", "email": "lucia.gomez@privacidad.example.com"})
        )
        wizard.action_lookup()
        found = {(line.res_model, line.res_id) for line in wizard.line_ids}
        self.assertIn(("crm.lead", lead.id), found)
        self.assertIn(("crm.lead.loss", loss.id), found)
        for stay in stays:
            self.assertIn(("crm.lead.stage.history", stay.id), found)
        # Delete on the loss line forgets the prospect: nothing is deleted
        line = wizard.line_ids.filtered(lambda line: line.res_model == "crm.lead.loss")
        line.action_unlink()
        self.assertTrue(lead.exists() and loss.exists() and stays.exists())
        self.assertTrue(lead.forgotten_date)
        self.assertFalse(lead.email_from)
        self.assertNotIn("Lucía", loss.lead_name)
        self.assertEqual(loss.expected_revenue, 900)
        self.assertIn("Forgotten", wizard.execution_details)
        # and Delete all (the lead's line too) deletes nothing either
        wizard.line_ids.action_unlink_all()
        self.assertTrue(lead.exists() and loss.exists())
        self.assertCanvasInvariants()
