"""Similar records of an initiative: open opportunities with its email, phone
or customer, and the customers with its email. The card of an initiative
says how many before it is moved (``canvas_similar_count``); promoting it
(promotion.py) names them in the conversion's chatter line, with stock's
*Similar Leads* button to merge them. The customer it gets is the existing
one, never a second partner (customer.py). One query for a batch of leads,
whatever its size."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL


class CrmLead(models.Model):
    _inherit = "crm.lead"

    canvas_similar_count = fields.Integer(
        "Similar records",
        compute="_compute_canvas_similar_count",
        help="Open opportunities with the same email, phone or customer, and customers with the same email: "
        "stock's Similar Leads button merges them.",
    )

    def _canvas_similar(self):
        """{lead id: (opportunity ids, customer ids)} of the leads of `self`
        that have any: one query."""
        leads = self.filtered("id")
        if not leads:
            return {}
        self.flush_model(["email_normalized", "phone_sanitized", "partner_id", "type", "active", "won_status"])
        self.env["res.partner"].flush_model(["email_normalized", "customer_rank", "active"])
        # one equality per branch, each on an indexed column (no OR across them)
        open_opportunity = SQL(
            "other.id != lead.id AND other.active AND other.type = 'opportunity' AND other.won_status = 'pending'"
        )
        rows = self.env.execute_query(
            SQL(
                """
                WITH lead AS (
                    SELECT id, email_normalized, phone_sanitized, partner_id FROM crm_lead WHERE id IN %(ids)s
                )
                SELECT lead.id, 'lead', other.id FROM lead
                  JOIN crm_lead other ON other.email_normalized = lead.email_normalized WHERE %(open)s
                 UNION
                SELECT lead.id, 'lead', other.id FROM lead
                  JOIN crm_lead other ON other.phone_sanitized = lead.phone_sanitized WHERE %(open)s
                 UNION
                SELECT lead.id, 'lead', other.id FROM lead
                  JOIN crm_lead other ON other.partner_id = lead.partner_id WHERE %(open)s
                 UNION
                SELECT lead.id, 'partner', partner.id FROM lead
                  JOIN res_partner partner ON partner.email_normalized = lead.email_normalized
                 WHERE partner.active AND partner.customer_rank > 0
                 UNION
                SELECT lead.id, 'partner', partner.id FROM lead
                  JOIN res_partner partner ON partner.id = lead.partner_id
                 WHERE partner.customer_rank > 0
                """,
                ids=tuple(leads.ids),
                open=open_opportunity,
            )
        )
        similar = {}
        for lead_id, kind, record_id in rows:
            opportunities, customers = similar.setdefault(lead_id, ([], []))
            (opportunities if kind == "lead" else customers).append(record_id)
        return similar

    @api.depends("type", "email_normalized", "phone_sanitized", "partner_id")
    def _compute_canvas_similar_count(self):
        # the cards of initiatives only: what a move would promote
        similar = self.filtered(lambda lead: lead.type == "lead")._canvas_similar()
        for lead in self:
            opportunities, customers = similar.get(lead.id, ((), ()))
            lead.canvas_similar_count = len(opportunities) + len(customers)

    def _canvas_similar_notices(self, similar):
        """{lead id: HTML} naming the similar records of each lead of `similar`
        (as _canvas_similar returns it), with links."""
        # the names of every similar record read at once, not lead by lead
        leads = self.env["crm.lead"].browse({i for ids, _customers in similar.values() for i in ids})
        partners = self.env["res.partner"].browse({i for _leads, ids in similar.values() for i in ids})
        notices = {}
        for lead_id, (opportunity_ids, customer_ids) in similar.items():
            links = [record._get_html_link() for record in leads.browse(opportunity_ids).with_prefetch(leads.ids)]
            links += [record._get_html_link() for record in partners.browse(customer_ids).with_prefetch(partners.ids)]
            notices[lead_id] = Markup("<p>%s</p>") % Markup(
                self.env._(
                    "Similar records: %(links)s. The customer linked is the existing one; Similar Leads merges "
                    "the duplicates.",
                    links=Markup(", ").join(links),
                )
            )
        return notices
