from odoo import models
from odoo.tools import SQL


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _canvas_left_out_emails(self, lead_ids, reasons=("do_not_contact",), outside=None):
        """A mailing leaves out what it says (mailing_mailing.py); a campaign
        also every lead outside its audience, whichever ids were asked for."""
        mailing = self.mass_mailing_id
        if not mailing:
            return super()._canvas_left_out_emails(lead_ids, reasons, outside)
        if mailing.canvas_retarget:
            self.env["crm.lead.retarget"].flush_model(["mailing_id", "lead_id"])
            outside = SQL("lead.id NOT IN (SELECT lead_id FROM crm_lead_retarget WHERE mailing_id = %s)", mailing.id)
        return super()._canvas_left_out_emails(lead_ids, mailing._canvas_excluded_reasons(), outside)
