from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    use_initiative_stages = fields.Boolean(
        "Initiative stages",
        help="Leads of this team move through initiative stages and become opportunities when "
        "they are moved into a pipeline stage (the Canvas). Without it, the team's leads "
        "behave as in standard CRM.",
    )
