from odoo import api, fields, models, tools

from ..tools import schema

MOVE_RULE_FIELDS = ("canvas_forbid_skip", "canvas_forbid_back")
RULE_CHOICES = [("default", "As in the CRM settings"), ("forbid", "Forbidden"), ("allow", "Allowed")]


class CrmTeam(models.Model):
    _inherit = "crm.team"

    use_initiative_stages = fields.Boolean(
        "Initiative stages",
        help="Leads of this team move through initiative stages and become opportunities when "
        "they are moved into a pipeline stage (the Canvas). Without it, the team's leads "
        "behave as in standard CRM.",
    )
    canvas_forbid_skip = fields.Selection(
        RULE_CHOICES,
        string="Skipping stages forward",
        required=True,
        default="default",
        help="Whether records of this team may jump over stages when moving forward.",
    )
    canvas_forbid_back = fields.Selection(
        RULE_CHOICES,
        string="Moving back",
        required=True,
        default="default",
        help="Whether records of this team may move back to an earlier stage.",
    )

    def init(self):
        # a registry without this module (crm's, during `-u crm`) still creates teams
        schema.keep_column_defaults(self, "canvas_forbid_skip", "canvas_forbid_back")
        return super().init()

    @api.model
    @tools.ormcache()
    def _canvas_move_rules(self):
        """{team id: (skip rule, back rule)} of the teams that set their own
        move rules; the others follow the settings. Every card moved checks
        them, and they change only when a manager edits a team: read once
        per cache, cleared by those edits."""
        self.flush_model(MOVE_RULE_FIELDS)
        self.env.cr.execute(
            """
            SELECT id, canvas_forbid_skip, canvas_forbid_back
              FROM crm_team
             WHERE canvas_forbid_skip != 'default' OR canvas_forbid_back != 'default'
            """
        )
        return {team_id: (skip, back) for team_id, skip, back in self.env.cr.fetchall()}

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get(fname, "default") != "default" for vals in vals_list for fname in MOVE_RULE_FIELDS):
            self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if vals.keys() & set(MOVE_RULE_FIELDS):
            self.env.registry.clear_cache()
        result = super().write(vals)
        if "use_initiative_stages" in vals:
            # a team that starts or stops using initiative stages: its leads
            # move to a stage of the kind they now belong in
            leads = self.env["crm.lead"].with_context(active_test=False).search([("team_id", "in", self.ids)])
            leads._canvas_move_to_their_kind()
        return result
