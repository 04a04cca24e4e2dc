from odoo import fields, models
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    # the field of the `account` module, defined the same way so that a won
    # lead makes a customer whether or not invoicing is installed
    customer_rank = fields.Integer(default=0, copy=False)

    def _canvas_increase_customer_rank(self, partners):
        """Add one to the customer rank of each of `partners` (a recordset
        that may repeat a partner: it counts once per occurrence) and of its
        company. One query."""
        counts = {}
        for partner in partners:
            for customer in partner | partner.commercial_partner_id:
                counts[customer.id] = counts.get(customer.id, 0) + 1
        if not counts:
            return
        self.flush_model(["customer_rank"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET customer_rank = COALESCE(partner.customer_rank, 0) + rank.n
                  FROM (SELECT UNNEST(%s::int[]) AS id, UNNEST(%s::int[]) AS n) rank
                 WHERE rank.id = partner.id
                """,
                list(counts),
                list(counts.values()),
            )
        )
        self.invalidate_model(["customer_rank"])
