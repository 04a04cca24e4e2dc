from odoo import fields, models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    # initiatives of canvas teams have meetings too
    opportunity_id = fields.Many2one(domain="['|', ('type', '=', 'opportunity'), ('use_initiative_stages', '=', True)]")
