from odoo import api, models
from odoo.exceptions import UserError


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        lead_ids = [activity.res_id for activity in activities if activity.res_model == "crm.lead"]
        if lead_ids:
            refused = (
                self.env["crm.lead"]
                .sudo()
                .with_context(active_test=False)
                .search([("id", "in", lead_ids), ("contact_policy", "=", "do_not_contact")])
            )
            if refused:
                raise UserError(
                    self.env._(
                        "%(names)s asked not to be contacted again: no call, meeting or task can be planned.",
                        names=", ".join(refused.mapped("display_name")),
                    )
                )
        return activities
