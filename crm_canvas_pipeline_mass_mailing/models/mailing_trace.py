"""A prospect answers a campaign: the mail gateway marks the trace of the
mail they answered as replied (mass_mailing's _message_route_process), the
tracked-link redirection as clicked. The rows of that prospect in that
campaign bring them back (crm_lead_retarget.py); a click only where the
campaign says so."""

from odoo import models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    def set_replied(self, domain=None):
        traces = super().set_replied(domain=domain)
        traces._canvas_rows()._canvas_answered("reply")
        return traces

    def set_clicked(self, domain=None):
        traces = super().set_clicked(domain=domain)
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
