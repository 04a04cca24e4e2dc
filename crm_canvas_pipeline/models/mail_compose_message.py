"""Mass mails to leads (a mailing, *Send email* on a selection of leads)
leave out the prospects who asked not to be contacted again, on that lead or
any other (models/crm_lead/opt_out.py): the composer cancels their mail as
opted out, batch by batch, whichever ids it was asked to mail."""

from odoo import models
from odoo.tools import SQL


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _get_optout_emails(self, mail_values_dict):
        opt_out = super()._get_optout_emails(mail_values_dict)
        if self.model != "crm.lead" or not mail_values_dict:
            return opt_out
        return list(opt_out) + self._canvas_left_out_emails(tuple(mail_values_dict))

    def _canvas_left_out_emails(self, lead_ids, reasons=("do_not_contact",), outside=None):
        """The emails of the leads `lead_ids` left out for one of `reasons`,
        or matching `outside` (SQL on alias ``lead``): one query."""
        leads = self.env["crm.lead"].sudo()
        leads._canvas_flush_opt_outs()
        self.env.cr.execute(
            SQL(
                "SELECT lead.email_normalized FROM crm_lead lead WHERE lead.id IN %s AND (%s IN %s %s)",
                lead_ids,
                leads._exclusion_sql("lead"),
                tuple(reasons),
                SQL("OR %s", outside) if outside else SQL(""),
            )
        )
        return [email for (email,) in self.env.cr.fetchall() if email]
