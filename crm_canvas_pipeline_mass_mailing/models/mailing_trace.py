"""A prospect answers a campaign: the mail gateway routes their reply (its
references name the mail they answered), the public tracking route counts
their click. Only those two paths bring them back (crm_lead_retarget.py):
`set_replied` and `set_clicked` are public methods a mass mailing user may
call over JSON-RPC, so they only mark the trace, as in stock."""

from odoo import api, models, tools


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        result = super()._message_route_process(message, message_dict, routes)
        # the gateway runs as the system (fetchmail's cron, the mailgate
        # script); a user who feeds message_process a forged reply over
        # JSON-RPC brings nobody back
        if routes and self.env.is_system():
            references = message_dict.get("references") or message_dict.get("in_reply_to") or ""
            message_ids = tools.mail.mail_header_msgid_re.findall(references)
            if message_ids:
                traces = self.env["mailing.trace"].sudo().search([("message_id", "in", message_ids)])
                traces._canvas_rows()._canvas_answered("reply")
        return result


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    def set_clicked(self, domain=None):
        traces = super().set_clicked(domain=domain)
        # the public tracking route counts clicks as superuser; a client
        # calling set_clicked (or add_click) itself does not
        if self.env.su:
            rows = traces._canvas_rows()
            rows.filtered(lambda row: row.mailing_id.canvas_reactivate_on_click)._canvas_answered("click")
        return traces

    def _canvas_rows(self):
        """The re-target rows of these traces: same campaign, same lead."""
        traces = self.filtered(lambda trace: trace.model == "crm.lead" and trace.res_id and trace.mass_mailing_id)
        rows = self.env["crm.lead.retarget"].sudo()
        if not traces:
            return rows
        pairs = {(trace.mass_mailing_id.id, trace.res_id) for trace in traces}
        candidates = rows.search(
            [("mailing_id", "in", traces.mass_mailing_id.ids), ("lead_id", "in", list({pair[1] for pair in pairs}))]
        )
        return candidates.filtered(lambda row: (row.mailing_id.id, row.lead_id.id) in pairs)
