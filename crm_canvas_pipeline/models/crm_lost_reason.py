from odoo import api, fields, models
from odoo.exceptions import ValidationError

KEEP_ACTIVITIES_PARAM = "crm_canvas_pipeline.loss_keep_activities"

CONTACT_POLICIES = [
    ("retarget", "Re-target later"),
    ("do_not_contact", "Do not contact"),
    ("none", "No policy"),
]


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

    contact_policy = fields.Selection(
        CONTACT_POLICIES,
        string="Contact policy",
        required=True,
        default="none",
        help="What losing for this reason means for contacting the prospect again: re-target them after "
        "some days, never contact them again (their email and phone go to the blacklists), or nothing.",
    )
    retarget_days = fields.Integer(
        "Re-target after (days)", help="Days after the loss when the prospect may be contacted again."
    )
    note_required = fields.Boolean("Note required", help="A closing note must explain a loss for this reason.")

    @api.constrains("contact_policy", "retarget_days")
    def _check_retarget_days(self):
        for reason in self:
            if reason.contact_policy == "retarget" and reason.retarget_days <= 0:
                raise ValidationError(
                    self.env._(
                        "The lost reason “%(reason)s” re-targets prospects: give the number of days after "
                        "which they may be contacted again.",
                        reason=reason.display_name,
                    )
                )
