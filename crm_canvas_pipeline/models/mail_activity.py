from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import str2bool

from .res_config_settings import REQUIRE_NEXT_ACTION_PARAM


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

    def _action_done(self, feedback=False, attachment_ids=None):
        self._canvas_check_next_action_left()
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        self._canvas_check_next_action_left()
        return super().unlink()

    def action_feedback_schedule_next(self, feedback=False, attachment_ids=None):
        # the rep plans the next one in the dialog this opens
        return super(MailActivity, self.with_context(canvas_skip_next_action_rule=True)).action_feedback_schedule_next(
            feedback=feedback, attachment_ids=attachment_ids
        )

    def _canvas_check_next_action_left(self):
        """With the setting on, the last open activity of an open
        opportunity cannot end without the next one: the rep is asked to
        plan it (Done & Schedule Next). A few queries for the whole batch."""
        if self.env.context.get("canvas_skip_next_action_rule") or not self:
            return
        lead_ids = {activity.res_id for activity in self if activity.res_model == "crm.lead" and activity.active}
        if not lead_ids:
            return
        if not str2bool(self.env["ir.config_parameter"].sudo().get_param(REQUIRE_NEXT_ACTION_PARAM, "False")):
            return
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search([("id", "in", list(lead_ids)), ("type", "=", "opportunity"), ("won_status", "=", "pending")])
        )
        if not leads:
            return
        remaining = {
            res_id
            for (res_id,) in self.sudo()._read_group(
                [("res_model", "=", "crm.lead"), ("res_id", "in", leads.ids), ("id", "not in", self.ids)],
                ["res_id"],
            )
        }
        stranded = leads.filtered(lambda lead: lead.id not in remaining)
        if stranded:
            raise UserError(
                self.env._(
                    "An open opportunity always has a next action. Plan the next one for %(names)s "
                    "(Done & Schedule Next), or close the opportunity.",
                    names=", ".join(stranded.mapped("display_name")),
                )
            )
