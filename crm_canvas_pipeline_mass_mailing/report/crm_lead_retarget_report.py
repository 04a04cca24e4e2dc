"""Re-target results: per campaign and lost reason, the prospects a campaign
addressed, sent to, who replied, came back, and won again with their revenue
(won after the campaign was made). A view over the audience rows and their
leads: nothing written on a lead's path pays for it."""

from odoo import fields, models
from odoo.tools import SQL


class CrmLeadRetargetReport(models.Model):
    _name = "crm.lead.retarget.report"
    _description = "Re-target results"
    _auto = False
    _order = "date desc"
    _rec_name = "lead_id"

    date = fields.Datetime("Campaign made on", readonly=True)
    lead_id = fields.Many2one("crm.lead", "Lead", readonly=True)
    mailing_id = fields.Many2one("mailing.mailing", "Mailing", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", "Campaign", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", "Lost Reason", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales Team", readonly=True)
    company_currency = fields.Many2one("res.currency", "Currency", readonly=True)
    targeted_count = fields.Integer("Re-targeted", readonly=True, aggregator="sum")
    sent_count = fields.Integer("Sent", readonly=True, aggregator="sum")
    replied_count = fields.Integer("Replied", readonly=True, aggregator="sum")
    reactivated_count = fields.Integer("Brought back", readonly=True, aggregator="sum")
    won_count = fields.Integer("Won again", readonly=True, aggregator="sum")
    won_revenue = fields.Monetary("Revenue won", currency_field="company_currency", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT row.id, row.create_date AS date, row.lead_id, row.mailing_id, row.campaign_id,
                   row.lost_reason_id, row.user_id, row.team_id, company.currency_id AS company_currency,
                   1 AS targeted_count,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM mailing_trace trace
                        WHERE trace.mass_mailing_id = row.mailing_id AND trace.model = 'crm.lead'
                          AND trace.res_id = row.lead_id
                          AND trace.trace_status NOT IN ('cancel', 'error', 'bounce')
                   ) THEN 1 ELSE 0 END AS sent_count,
                   CASE WHEN row.replied_date IS NOT NULL THEN 1 ELSE 0 END AS replied_count,
                   CASE WHEN row.reactivated_date IS NOT NULL THEN 1 ELSE 0 END AS reactivated_count,
                   CASE WHEN %(won)s THEN 1 ELSE 0 END AS won_count,
                   CASE WHEN %(won)s THEN lead.expected_revenue ELSE 0 END AS won_revenue
              FROM crm_lead_retarget row
              JOIN crm_lead lead ON lead.id = row.lead_id
              LEFT JOIN res_company company ON company.id = lead.company_id
            """,
            # closing dates are kept to the second, creation dates finer
            won=SQL("(lead.won_status = 'won' AND lead.date_closed >= date_trunc('second', row.create_date))"),
        )
