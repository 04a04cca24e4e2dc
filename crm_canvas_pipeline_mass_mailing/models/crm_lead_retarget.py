"""The audience of a re-target campaign: one row per prospect a campaign
addressed, with the lost reason they had then, and what came of it (a
reply, a click, a comeback, an unsubscribe). Written by the module only (the
campaign wizard, the mail gateway, the unsubscribe page); read in the
re-target results. Rows are history: nothing deletes them but the mailing
they belong to."""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError


class CrmLeadRetarget(models.Model):
    _name = "crm.lead.retarget"
    _description = "Prospect addressed by a re-target campaign"
    _order = "id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", "Lead", required=True, index=True, ondelete="restrict", readonly=True)
    mailing_id = fields.Many2one("mailing.mailing", "Mailing", required=True, index=True, ondelete="cascade")
    campaign_id = fields.Many2one(related="mailing_id.campaign_id", store=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", "Lost Reason", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales Team", readonly=True)
    replied_date = fields.Datetime("Replied On", readonly=True)
    clicked_date = fields.Datetime("Clicked On", readonly=True)
    reactivated_date = fields.Datetime("Brought back on", readonly=True)
    unsubscribed_date = fields.Datetime("Unsubscribed On", readonly=True)

    def _canvas_answered(self, how):
        """The prospects of these rows answered their campaign (`how`: "reply"
        or "click"): stamp the rows, and bring back each lead still lost and
        contactable into the first initiative stage of its team, with its
        salesperson (else the team's leader) and a next action due today. A lead the stage rules
        refuse stays lost, and its chatter says why: the answer is never
        lost with it (the reply is the mail gateway's message)."""
        now = fields.Datetime.now()
        rows = self.sudo()
        stamp = "replied_date" if how == "reply" else "clicked_date"
        rows.filtered(lambda row: not row[stamp]).write({stamp: now})
        waiting = rows.filtered(
            lambda row: (
                not row.reactivated_date and row.lead_id.won_status == "lost" and not row.lead_id.retarget_exclusion
            )
        )
        activity_type = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False) or self.env.ref(
            "mail.mail_activity_data_todo"
        )
        for row in waiting:
            lead = row.lead_id.with_context(lang=row.lead_id.user_id.lang or self.env.lang)
            env = lead.env
            note = env._(
                "Brought back by the campaign “%(campaign)s”: the prospect %(how)s.",
                campaign=row.mailing_id.subject or row.mailing_id.display_name,
                how=env._("replied") if how == "reply" else env._("clicked a link"),
            )
            try:
                with env.cr.savepoint():
                    lead._canvas_reactivate(
                        stage=lambda lead: lead._canvas_comeback_stage(),
                        # a prospect nobody sells to goes to the team's leader, not to
                        # whoever runs the mail gateway
                        user=lead.user_id or lead.team_id.user_id or None,
                        activity={
                            "activity_type_id": activity_type.id,
                            "date_deadline": fields.Date.context_today(lead.with_context(tz=lead.user_id.tz)),
                            "summary": env._("Answer the re-target reply"),
                        },
                        note=Markup("<p>%s</p>") % note,
                    )
                    row.reactivated_date = now
            except (UserError, ValidationError) as error:
                lead._message_log(
                    body=Markup("<p>%s</p><p>%s</p>")
                    % (
                        env._(
                            "The prospect answered the campaign “%(campaign)s” but could not be brought back:",
                            campaign=row.mailing_id.subject or row.mailing_id.display_name,
                        ),
                        error.args[0] if error.args else "",
                    )
                )
