from odoo import models
from odoo.tools import SQL


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _get_optout_emails(self, mail_values_dict):
        """Per batch of a mailing to leads, the emails of the leads it must
        leave out (mailing_mailing.py), and for a campaign the leads outside
        its audience: cancelled as opted out, with a trace
        that says so, whichever way the batch was asked for."""
        opt_out = super()._get_optout_emails(mail_values_dict)
        if self.model != "crm.lead" or not self.mass_mailing_id or not mail_values_dict:
            return opt_out
        mailing = self.mass_mailing_id
        leads = self.env["crm.lead"].sudo()
        leads._canvas_flush_opt_outs()
        # a campaign goes to its audience only, whichever ids were asked for
        outside = SQL("")
        if mailing.canvas_retarget:
            self.env["crm.lead.retarget"].flush_model(["mailing_id", "lead_id"])
            outside = SQL("OR lead.id NOT IN (SELECT lead_id FROM crm_lead_retarget WHERE mailing_id = %s)", mailing.id)
        self.env.cr.execute(
            SQL(
                "SELECT lead.email_normalized FROM crm_lead lead WHERE lead.id IN %s AND (%s IN %s %s)",
                tuple(mail_values_dict),
                leads._exclusion_sql("lead"),
                tuple(mailing._canvas_excluded_reasons()),
                outside,
            )
        )
        return list(opt_out) + [email for (email,) in self.env.cr.fetchall() if email]
