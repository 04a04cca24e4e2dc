"""Send a campaign from the re-target pool: a mass mailing (or SMS, with
mass_mailing_sms) to the due prospects of the selection, or of the whole
pool, tagged with a UTM campaign and their lost reasons. Its audience is
written once, as crm.lead.retarget rows (one create for the batch); the
mailing's domain reads those rows, and leaves out, at sending time, whoever
opted out since (mailing_mailing.py)."""

from odoo import Command, api, fields, models
from odoo.addons.crm_canvas_pipeline.tools import system
from odoo.exceptions import UserError
from odoo.fields import Domain


def _mailing_types(model):
    return model.env["mailing.mailing"]._fields["mailing_type"].selection


class CrmLeadRetargetCampaign(models.TransientModel):
    _name = "crm.lead.retarget.campaign"
    _inherit = ["crm.canvas.lead.selection"]
    _description = "Send a re-target campaign"

    lead_ids = fields.Many2many(
        "crm.lead",
        string="Leads",
        context={"active_test": False},
        help="Empty: every prospect of the re-target pool who is due.",
    )
    name = fields.Char("Campaign", required=True, default=lambda self: self._default_name())
    subject = fields.Char("Subject", required=True, default=lambda self: self.env._("We would like to hear from you"))
    mailing_type = fields.Selection(_mailing_types, "Send by", required=True, default="mail")
    reactivate_on_click = fields.Boolean(
        "A click brings the prospect back",
        help="A prospect who clicks a link of this campaign is brought back as if they had replied.",
    )
    recipient_count = fields.Integer("Prospects addressed", compute="_compute_counts")
    left_out_count = fields.Integer("Left out", compute="_compute_counts")

    def _default_name(self):
        return self.env._("Re-target %(date)s", date=fields.Date.to_string(system.user_today(self.env)))

    def _audience_domain(self):
        """The due prospects of the pool, never one who opted out."""
        today = system.user_today(self.env)
        domain = Domain("won_status", "=", "lost") & (
            Domain("retarget_date", "=", False) | Domain("retarget_date", "<=", today)
        )
        if self.lead_ids:
            domain &= Domain("id", "in", self.lead_ids.ids)
        return domain & Domain("retarget_exclusion", "=", False)

    @api.depends("lead_ids")
    def _compute_counts(self):
        leads = self.env["crm.lead"].with_context(active_test=False)
        for wizard in self:
            wizard.recipient_count = leads.search_count(wizard._audience_domain())
            wizard.left_out_count = len(wizard.lead_ids) - wizard.recipient_count if wizard.lead_ids else 0

    def action_create_campaign(self):
        """The mailing, its UTM campaign and its audience; opens the mailing
        for the manager to write and send."""
        self.ensure_one()
        leads = self.env["crm.lead"].with_context(active_test=False).search(self._audience_domain())
        if not leads:
            raise UserError(
                self.env._(
                    "No prospect of the selection may be contacted now: none of them is lost and due for "
                    "re-targeting, or all of them asked not to be contacted, are on a blacklist or left a mailing "
                    "list (the pool's Left out filter says which)."
                )
            )
        tags = self._canvas_reason_tags(leads.lost_reason_id)
        campaign = system.own(self.env["utm.campaign"]).create({"title": self.name, "tag_ids": [Command.set(tags.ids)]})
        mailing = system.own(self.env["mailing.mailing"]).create(
            {
                "subject": self.subject,
                "mailing_type": self.mailing_type,
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": repr(
                    [("canvas_retarget_ids.campaign_id", "=", campaign.id), ("active", "in", [True, False])]
                ),
                "campaign_id": campaign.id,
                "reply_to_mode": "update",
                "canvas_reactivate_on_click": self.reactivate_on_click,
            }
        )
        system.own(self.env["crm.lead.retarget"]).sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "mailing_id": mailing.id,
                    "lost_reason_id": lead.lost_reason_id.id,
                    "user_id": lead.user_id.id,
                    "team_id": lead.team_id.id,
                }
                for lead in leads
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": mailing.id,
            "view_mode": "form",
            "target": "current",
        }

    def _canvas_reason_tags(self, reasons):
        """A UTM tag per lost reason, found or made by name."""
        tags = self.env["utm.tag"].search([("name", "in", reasons.mapped("name"))])
        missing = [name for name in reasons.mapped("name") if name not in tags.mapped("name")]
        if missing:
            # UTM tags are made by administrators in stock: the wizard makes its own
            tags |= system.own(self.env["utm.tag"]).sudo().create([{"name": name} for name in missing])
        return tags
