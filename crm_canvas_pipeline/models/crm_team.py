from odoo import fields, models

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
