from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import str2bool

from .res_config_settings import REQUIRE_NEXT_ACTION_PARAM


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._canvas_check_contact_allowed()
        return activities

    def write(self, vals):
        # an activity ends by being archived: marked done (action_feedback
        # archives it), or archived by hand
        if "active" in vals and not vals["active"]:
            self._canvas_check_next_action_left()
        result = super().write(vals)
        if "res_id" in vals or "res_model_id" in vals or "res_model" in vals:
            self._canvas_check_contact_allowed()
        return result

    def action_feedback_schedule_next(self, feedback=False, attachment_ids=None):
        """Done & Schedule Next ends the activity and opens the planner of the
        next one: the way the next-action rule asks for. The rep may end it
        (checked here); it is then archived as the system."""
        self.check_access("write")
        return super(MailActivity, self.sudo()).action_feedback_schedule_next(
            feedback=feedback, attachment_ids=attachment_ids
        )

    def unlink(self):
        self._canvas_check_next_action_left()
        return super().unlink()

    def _canvas_check_contact_allowed(self):
        """No call, meeting or task for a prospect who asked not to be
        contacted again."""
        lead_ids = [activity.res_id for activity in self if activity.res_model == "crm.lead"]
        if not lead_ids:
            return
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
        # the activities that stay open (a chained next one, created when its
        # predecessor is marked done, among them)
        remaining = {
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
