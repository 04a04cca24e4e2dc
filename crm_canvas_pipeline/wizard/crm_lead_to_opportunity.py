from odoo import models


class CrmLead2opportunityPartner(models.TransientModel):
    _inherit = "crm.lead2opportunity.partner"

    def _convert_and_allocate(self, leads, user_ids, team_id=False):
        # the conversion wizards (single and mass) convert lead by lead: the
        # first stages are found once, the stays written once at the end
        with leads._canvas_first_stages_once(), leads._canvas_history_deferred():
            return super()._convert_and_allocate(leads, user_ids, team_id=team_id)
