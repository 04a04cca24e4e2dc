"""Tags: an archived tag stays on the leads that carry it (the pickers offer
active tags only, see crm_tag.py); Add tags / Remove tags on a selection is
the tag wizard's."""

from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    tag_ids = fields.Many2many(context={"active_test": False})
