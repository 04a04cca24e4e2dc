"""Odoo's Privacy Lookup (Settings > Privacy Lookup) and the canvas: a
lookup of a person lists their loss and stage-history rows next to their
leads, and its Delete forgets them (crm_canvas_pipeline's Forget contact)
instead: the lead, its losses and its history stay, anonymous, as the lost
archive promises."""

from odoo import models, tools
from odoo.tools import SQL

# the records whose Delete forgets the prospect: {model: the lead of a record}
FORGOTTEN = {
    "crm.lead": lambda records: records,
    "crm.lead.loss": lambda records: records.lead_id,
    "crm.lead.stage.history": lambda records: records.lead_id,
}


class PrivacyLookupWizard(models.TransientModel):
    _inherit = "privacy.lookup.wizard"

    def _get_query(self):
        query = super()._get_query()
        name = self.name.strip()
        email = tools.email_normalize(self.email.strip())
        # the person's leads, by email or by the name of the contact
        leads = SQL(
            "SELECT id FROM crm_lead WHERE email_normalized = %s OR contact_name ILIKE %s OR partner_name ILIKE %s",
            email,
            name,
            name,
        )
        for model_name, table in (
            ("crm.lead.loss", "crm_lead_loss"),
            ("crm.lead.stage.history", "crm_lead_stage_history"),
        ):
            query = SQL(
                """%(query)s
                UNION ALL
                SELECT %(model_id)s AS res_model_id, id AS res_id, True AS is_active
                  FROM %(table)s
                 WHERE lead_id IN (%(leads)s)""",
                query=query,
                model_id=self.env["ir.model"]._get_id(model_name),
                table=SQL.identifier(table),
                leads=leads,
            )
        return query


class PrivacyLookupWizardLine(models.TransientModel):
    _inherit = "privacy.lookup.wizard.line"

    def action_unlink(self):
        self.ensure_one()
        if self.res_model not in FORGOTTEN:
            return super().action_unlink()
        records = self.env[self.res_model].sudo().with_context(active_test=False).browse(self.res_id).exists()
        leads = FORGOTTEN[self.res_model](records)
        if leads and not leads.forgotten_date:
            leads.with_user(self.env.user)._canvas_forget_scope()._canvas_forget()
        self.execution_details = "%s %s #%s" % (self.env._("Forgotten"), self.res_model_id.name, self.res_id)
        self.is_unlinked = True
