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

    def action_feedback(self, feedback=False, attachment_ids=None):
        self._canvas_check_next_action_left()
        return super().action_feedback(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        self._canvas_check_next_action_left()
        return super().unlink()

    # "Done & Schedule Next" (action_feedback_schedule_next) ends the activity
    # and opens the planner of the next one: the way this rule asks for.

    def _canvas_check_next_action_left(self):
        """With the setting on, the last open activity of an open
        opportunity that may be contacted cannot end without the next one:
        the rep is asked to plan it (Done & Schedule Next). The system's own
        cancellations (a loss, a do-not-contact) end them as the system. A
        few queries for the whole batch."""
        if self.env.su or not self:
            return
        lead_ids = {activity.res_id for activity in self if activity.res_model == "crm.lead" and activity.active}
        if not lead_ids:
            return
        if not str2bool(self.env["ir.config_parameter"].sudo().get_param(REQUIRE_NEXT_ACTION_PARAM, "False")):
            return
        leads = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("id", "in", list(lead_ids)),
                    ("type", "=", "opportunity"),
                    ("won_status", "=", "pending"),
                    ("contact_policy", "!=", "do_not_contact"),
                ]
            )
        )
        if not leads:
            return
        # the activities that stay open, and those that chain their next one
        chained = {activity.res_id for activity in self if activity.chaining_type == "trigger"}
        remaining = chained | {
            res_id
            for (res_id,) in self.sudo()
            .with_context(active_test=True)
            ._read_group(
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
