from odoo import api, fields, models


class CrmTag(models.Model):
    _inherit = "crm.tag"

    active = fields.Boolean(
        default=True, help="Archived tags stay on the leads that carry them but are no longer offered."
    )

    @api.model
    def name_search(self, name="", domain=None, operator="ilike", limit=100):
        # leads read their tags with archived ones: pickers still offer active tags only
        return super(CrmTag, self.with_context(active_test=True)).name_search(
            name=name, domain=domain, operator=operator, limit=limit
        )
