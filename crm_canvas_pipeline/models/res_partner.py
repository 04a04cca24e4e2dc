import logging
from collections import Counter

from psycopg2 import errors as pgerrors

from odoo import fields, models

_logger = logging.getLogger(__name__)
RANK_BUMPS = "crm_canvas_pipeline.res.partner.customer_rank"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # the field of the `account` module, defined the same way so that a won
    # lead makes a customer whether or not invoicing is installed
    customer_rank = fields.Integer(default=0, copy=False)

    def _canvas_increase_customer_rank(self):
        """One more win for each of these partners (one may come several
        times) and for its company, as `account`'s `_increase_rank` does: a
        partner who is no customer yet becomes one at once, so that a search
        for customers finds it; the rank of one who already is, a row that
        two reps winning leads of the same company would wait on, is bumped
        after the commit, in a transaction of its own."""
        wins = Counter()
        for partner in self:
            wins.update({partner.id, partner.commercial_partner_id.id})
        postcommit = self.env.cr.postcommit
        bumps = postcommit.data.setdefault(RANK_BUMPS, Counter())
        already_registered = bool(bumps)
        first = {}
        for customer in self.browse(list(wins)):
            if customer.customer_rank:
                bumps[customer.id] += wins[customer.id]
            else:
                first.setdefault(wins[customer.id], []).append(customer.id)
        for count, ids in first.items():
            self.browse(ids).sudo().write({"customer_rank": count})
        if already_registered or not bumps:
            return

        @postcommit.add
        def increase_customer_rank():
            try:
                with self.env.registry.cursor() as cr:
                    partners = self.env(cr=cr)[self._name].sudo().browse(list(bumps))
                    for partner in partners.with_context(prefetch_fields=False):
                        partner.customer_rank += bumps[partner.id]
                    bumps.clear()
            except pgerrors.OperationalError:
                _logger.debug("Cannot update partner ranks.")
