from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty, str2bool

from ..models.crm_lead.contact_policy import restriction
from ..models.crm_lost_reason import CONTACT_POLICIES
from ..tools import system
from ..tools.input_check import check_input

REASON_OPTIONAL_PARAM = "crm_canvas_pipeline.loss_reason_optional"
WIZARD_INPUT_FIELDS = frozenset({"contact_policy", "lost_reason_id", "lost_feedback"})


class CrmLeadLost(models.TransientModel):
    _inherit = "crm.lead.lost"

    contact_policy = fields.Selection(
        CONTACT_POLICIES,
        string="Contact policy",
        compute="_compute_contact_policy",
        store=True,
        precompute=True,
        readonly=False,
        help="What the reason implies for contacting the prospect again. You may make it stricter.",
    )
    reason_policy = fields.Selection(related="lost_reason_id.contact_policy", string="Policy of the reason")
    note_required = fields.Boolean(related="lost_reason_id.note_required")

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, WIZARD_INPUT_FIELDS, vals_list, defaults=True)
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, WIZARD_INPUT_FIELDS, [vals])
        return super().write(vals)

    @api.depends("lost_reason_id")
    def _compute_contact_policy(self):
        for wizard in self:
            wizard.contact_policy = wizard.lost_reason_id.contact_policy or "none"

    def action_lost_reason_apply(self):
        """Stock's loss, then what only this wizard knows of it on the loss
        rows: the closing note, and the policy if the rep made it stricter
        than the reason's."""
        self.ensure_one()
        self._check_canvas_rules()
        result = super().action_lost_reason_apply()
        chosen, implied = self._canvas_policies()
        self.lead_ids._canvas_complete_losses(
            note=False if is_html_empty(self.lost_feedback) else self.lost_feedback,
            policy=chosen if chosen != implied else None,
        )
        return result

    def _canvas_policies(self):
        """The (contact policy, re-target date) chosen here, and the one the
        reason implies, for a prospect lost today."""
        reason = self.lost_reason_id
        return reason._canvas_lead_policy(self.contact_policy or "none"), reason._canvas_lead_policy()

    def _check_canvas_rules(self):
        optional = str2bool(self.env["ir.config_parameter"].sudo().get_param(REASON_OPTIONAL_PARAM, "False"))
        if not self.lost_reason_id and not optional:
            raise UserError(self.env._("Choose the reason why it is lost."))
        if self.lost_reason_id.note_required and is_html_empty(self.lost_feedback):
            raise UserError(
                self.env._(
                    "The reason “%(reason)s” needs a closing note: say what happened.",
                    reason=self.lost_reason_id.display_name,
                )
            )
        chosen, implied = self._canvas_policies()
        today = system.user_today(self.env)
        if restriction(*chosen, today) < restriction(*implied, today):
            raise UserError(
                self.env._(
                    "The reason “%(reason)s” means “%(policy)s”: the contact policy can be made stricter, not looser.",
                    reason=self.lost_reason_id.display_name,
                    policy=dict(self._fields["contact_policy"]._description_selection(self.env))[
                        self.lost_reason_id.contact_policy or "none"
                    ],
                )
            )
