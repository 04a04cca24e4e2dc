"""First contact on time: a sales team may promise to contact its new
initiatives within N hours of their creation (off by default). An initiative
that nobody of its team has contacted by then is overdue: flagged on its card,
found by the *To contact* filter, counted on the team's dashboard per
salesperson; optionally handed back to the team's lead assignment.

Contacted means: an activity of the lead marked done (a call logged so, a
meeting held), or a message sent from its chatter (not an internal note), by
its salesperson, the team's leader or a member of the team. The rule is one
SQL expression (`_first_contact_overdue_sql`): the flag computes with it and
the filter searches with it, so the two cannot disagree. Nothing is stored
and no cron runs: the time is elapsed time since the creation, the same in
every timezone (the deadline shows in the user's own).
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import system


class CrmTeam(models.Model):
    _inherit = "crm.team"

    first_contact_hours = fields.Integer(
        "Contact new initiatives within",
        help="Hours after its creation by which someone of the team must have contacted a new "
        "initiative (an activity done, or a message sent from its chatter). 0: no limit.",
    )
    first_contact_overdue_count = fields.Integer("To contact", compute="_compute_first_contact_overdue_count")
    first_contact_reassign = fields.Boolean(
        "Hand back initiatives not contacted in time",
        help="The lead assignment (CRM settings) takes them from their salesperson and gives them again "
        "to a member of the team who has room.",
    )

    _first_contact_hours_positive = models.Constraint(
        "CHECK (first_contact_hours IS NULL OR first_contact_hours >= 0)",
        "The hours to contact new initiatives cannot be negative.",
    )

    @api.model
    @tools.ormcache()
    def _canvas_first_contact_hours(self):
        """{team id: hours} of the teams that set a limit: every board reads
        it, a manager changes it (the write clears the cache)."""
        self.flush_model(["first_contact_hours"])
        self.env.cr.execute("SELECT id, first_contact_hours FROM crm_team WHERE first_contact_hours > 0")
        return dict(self.env.cr.fetchall())

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("first_contact_hours") for vals in vals_list):
            self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if "first_contact_hours" in vals:
            self.env.registry.clear_cache()
        return super().write(vals)

    def _compute_first_contact_overdue_count(self):
        counts = {}
        if self.ids and self.env["crm.team"]._canvas_first_contact_hours():
            groups = self.env["crm.lead"]._read_group(
                [("team_id", "in", self.ids), ("first_contact_overdue", "=", True)], ["team_id"], ["__count"]
            )
            counts = {team.id: count for team, count in groups}
        for team in self:
            team.first_contact_overdue_count = counts.get(team.id, 0)

    def _action_assign_leads(self, force_quota=False, creation_delta_days=7):
        self._canvas_hand_back_overdue()
        return super()._action_assign_leads(force_quota=force_quota, creation_delta_days=creation_delta_days)

    def _canvas_hand_back_overdue(self):
        """Before stock assigns, the initiatives of the teams that ask for it
        that nobody contacted in time go back to the unassigned leads the
        assignment takes (one write, a chatter line each)."""
        teams = self.filtered(lambda team: team.first_contact_reassign and team.first_contact_hours)
        if not teams:
            return
        leads = self.env["crm.lead"].search(
            [("team_id", "in", teams.ids), ("user_id", "!=", False), ("first_contact_overdue", "=", True)]
        )
        if not leads:
            return
        bodies = {
            lead.id: Markup("<p>%s</p>")
            % self.env._(
                "Not contacted within %(hours)s hours by %(user)s: handed back to the team's lead assignment.",
                hours=lead.team_id.first_contact_hours,
                user=lead.user_id.name,
            )
            for lead in leads
        }
        leads.write({"user_id": False, "date_open": False})
        system.log(leads, bodies)

    def action_open_first_contact_overdue(self):
        """The team's initiatives waiting for their first contact, by salesperson."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_canvas_pipeline.crm_lead_action_first_contact")
        action["domain"] = [("team_id", "=", self.id)]
        return action


class CrmLead(models.Model):
    _inherit = "crm.lead"

    first_contact_deadline = fields.Datetime(
        "Contact by",
        compute="_compute_first_contact",
        help="When the team promised to have contacted this new initiative.",
    )
    first_contact_overdue = fields.Boolean(
        "To contact",
        compute="_compute_first_contact",
        search="_search_first_contact_overdue",
        help="Nobody of the team has contacted this new initiative within the team's limit.",
    )

    @api.model
    def _first_contact_overdue_sql(self, alias, now):
        """Whether the lead of table alias `alias` is overdue for its first
        contact at `now` (SQL)."""
        limits = self.env["crm.team"]._canvas_first_contact_hours()
        if not limits:
            return SQL("FALSE")
        lead = SQL.identifier(alias)
        comment = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        return SQL(
            """COALESCE(%(lead)s.active AND %(lead)s.type = 'lead' AND %(lead)s.team_id IN %(teams)s
            AND %(lead)s.create_date < %(now)s - make_interval(hours => (
                SELECT first_contact_hours FROM crm_team WHERE id = %(lead)s.team_id))
            AND NOT EXISTS (
                SELECT 1 FROM mail_message msg
                 WHERE msg.model = 'crm.lead' AND msg.res_id = %(lead)s.id
                   AND (msg.mail_activity_type_id IS NOT NULL
                        OR (msg.message_type IN ('comment', 'email_outgoing') AND msg.subtype_id = %(comment)s))
                   AND msg.author_id IN (
                       SELECT usr.partner_id FROM res_users usr
                        WHERE usr.id = %(lead)s.user_id
                           OR usr.id = (SELECT user_id FROM crm_team WHERE id = %(lead)s.team_id)
                           OR usr.id IN (SELECT member.user_id FROM crm_team_member member
                                          WHERE member.crm_team_id = %(lead)s.team_id AND member.active))), FALSE)""",
            lead=lead,
            teams=tuple(limits),
            now=now,
            comment=comment,
        )

    def _canvas_flush_first_contact(self):
        self.flush_model(["active", "type", "team_id", "user_id"])
        self.env["mail.message"].flush_model(["model", "res_id", "mail_activity_type_id", "message_type", "subtype_id"])
        self.env["crm.team.member"].flush_model(["user_id", "crm_team_id", "active"])

    @api.depends("create_date", "type", "team_id", "active")
    def _compute_first_contact(self):
        limits = self.env["crm.team"]._canvas_first_contact_hours()
        now = fields.Datetime.now()
        waiting = self.filtered(
            lambda lead: lead.id and lead.active and lead.type == "lead" and lead.team_id.id in limits
        )
        overdue = set()
        late = waiting.filtered(lambda lead: lead.create_date + timedelta(hours=limits[lead.team_id.id]) < now)
        if late:
            self._canvas_flush_first_contact()
            self.env.cr.execute(
                SQL(
                    "SELECT lead.id FROM crm_lead lead WHERE lead.id IN %s AND %s",
                    tuple(late.ids),
                    self._first_contact_overdue_sql("lead", now),
                )
            )
            overdue = {row[0] for row in self.env.cr.fetchall()}
        for lead in self:
            hours = limits.get(lead.team_id.id) if lead in waiting else None
            lead.first_contact_deadline = lead.create_date + timedelta(hours=hours) if hours else False
            lead.first_contact_overdue = lead.id in overdue

    def _search_first_contact_overdue(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        wanted = True in value
        if operator == "not in":
            wanted = not wanted
        now = fields.Datetime.now()
        self._canvas_flush_first_contact()

        def to_sql(model, alias, query):
            sql = model._first_contact_overdue_sql(alias, now)
            return sql if wanted else SQL("NOT %s", sql)

        def predicate(lead):
            return lead.first_contact_overdue == wanted

        return Domain.custom(to_sql=to_sql, predicate=predicate)
