from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import schema, system

KEEP_ACTIVITIES_PARAM = "crm_canvas_pipeline.loss_keep_activities"

CONTACT_POLICIES = [
    ("retarget", "Re-target later"),
    ("do_not_contact", "Do not contact"),
    ("none", "No policy"),
]
# a reason's policy as the contact policy of the lead lost for it, and back
LEAD_POLICY = {"retarget": "retarget", "do_not_contact": "do_not_contact", "none": "allowed"}
LOSS_POLICY = {value: key for key, value in LEAD_POLICY.items()}


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

    def init(self):
        # a registry without this module (crm's, during `-u crm`) still creates lost reasons
        schema.keep_column_defaults(self, "contact_policy")
        return super().init()

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

    def _canvas_lead_policy(self, policy=None, today=None):
        """(contact policy, re-target date) of a prospect lost `today` (the
        user's) for this reason (none: no reason), or with `policy` (one of
        CONTACT_POLICIES) chosen instead of the reason's own."""
        policy = policy or self.contact_policy or "none"
        if policy != "retarget":
            return LEAD_POLICY[policy], False
        return "retarget", (today or system.user_today(self.env)) + timedelta(days=self.retarget_days)
