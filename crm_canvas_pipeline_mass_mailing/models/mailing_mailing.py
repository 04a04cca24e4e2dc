"""Mailings to leads honour every opt-out the module knows (models/crm_lead/
opt_out.py in crm_canvas_pipeline): any mailing to leads leaves out the
prospects who asked not to be contacted again; a re-target campaign (a
mailing with an audience of crm.lead.retarget rows, which only the campaign
wizard writes) leaves out every reason, the blacklists and the mailing-list
opt-outs too. Checked at sending time, in the recipients' domain (the
mailing's queue, A/B tests) and again per batch of the composer (a send to
given record ids, mail_compose_message.py)."""

from odoo import api, fields, models
from odoo.addons.crm_canvas_pipeline.models.crm_lead.opt_out import EXCLUSIONS
from odoo.fields import Domain


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    canvas_retarget_ids = fields.One2many("crm.lead.retarget", "mailing_id", "Re-targeted prospects", readonly=True)
    canvas_retarget = fields.Boolean("Re-target campaign", compute="_compute_canvas_retarget")
    canvas_retarget_count = fields.Integer("Prospects", compute="_compute_canvas_retarget")
    canvas_reactivate_on_click = fields.Boolean(
        "A click brings the prospect back",
        help="A prospect who clicks a link of this campaign is brought back as if they had replied.",
    )

    @api.depends("canvas_retarget_ids")
    def _compute_canvas_retarget(self):
        counts = {}
        if self.ids:
            groups = (
                self.env["crm.lead.retarget"]
                .sudo()
                ._read_group([("mailing_id", "in", self.ids)], ["mailing_id"], ["__count"])
            )
            counts = {mailing.id: count for mailing, count in groups}
        for mailing in self:
            mailing.canvas_retarget_count = counts.get(mailing.id, 0)
            mailing.canvas_retarget = bool(mailing.canvas_retarget_count)

    def _canvas_excluded_reasons(self):
        """The opt-outs this mailing leaves out."""
        self.ensure_one()
        if self.mailing_model_real == "crm.lead" and self.canvas_retarget:
            return [reason for reason, _label in EXCLUSIONS]
        return ["do_not_contact"]

    def _get_recipients_domain(self):
        domain = super()._get_recipients_domain()
        if self.mailing_model_real != "crm.lead":
            return domain
        return domain & Domain("retarget_exclusion", "not in", self._canvas_excluded_reasons())

    def action_view_canvas_retarget(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_canvas_pipeline_mass_mailing.crm_lead_retarget_report_action"
        )
        action["domain"] = [("mailing_id", "=", self.id)]
        return action

    def _canvas_unsubscribed(self, document_id):
        """The prospect of lead `document_id` unsubscribed from this campaign
        (the token of their own link checked): their wish is not to be
        contacted again, on the lead as on the blacklist (stock's)."""
        self.ensure_one()
        if self.mailing_model_real != "crm.lead" or not self.canvas_retarget or not document_id:
            return
        rows = (
            self.env["crm.lead.retarget"]
            .sudo()
            .search([("mailing_id", "=", self.id), ("lead_id", "=", int(document_id))])
        )
        if not rows:
            return
        rows.write({"unsubscribed_date": fields.Datetime.now()})
        lead = rows.lead_id.sudo()
        if lead.contact_policy != "do_not_contact":
            lead.write({"contact_policy": "do_not_contact", "retarget_date": False})
