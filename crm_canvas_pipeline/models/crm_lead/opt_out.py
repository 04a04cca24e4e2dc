"""Opt-outs: who may not be re-targeted, and why. Every path that contacts
lost prospects again (the re-target pool, the Reactivate wizard, a campaign)
leaves out a prospect who opted out anywhere, not only on the lead at hand:

- ``do_not_contact``: this lead, another lead with the same email, phone or
  partner, asked not to be contacted again;
- ``blacklisted``: the email or phone is on Odoo's blacklists (an
  unsubscribe from a mailing, a bounce handled so, a manager's entry; crm
  keeps a lead's email and its partner's the same);
- ``opted_out``: the email opted out of a mailing list (``mass_mailing``).

The rule is one SQL expression (`_exclusion_sql`): the pool's filters search
with it and the field computes with it, so the two cannot disagree.
"""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

EXCLUSIONS = [
    ("do_not_contact", "Asked not to be contacted"),
    ("blacklisted", "On a blacklist"),
    ("opted_out", "Unsubscribed from mailing lists"),
]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    retarget_exclusion = fields.Selection(
        EXCLUSIONS,
        "Left out because",
        compute="_compute_retarget_exclusion",
        search="_search_retarget_exclusion",
        help="Why this prospect may not be contacted again, whichever lead or list they said it on.",
    )

    def _exclusion_sql(self, alias):
        """The reason the lead of table alias `alias` is left out of
        re-targeting, '' when none (SQL)."""
        lead = SQL.identifier(alias)
        # each set is read once for the whole search (uncorrelated
        # subqueries), not once per lead
        do_not_contact = SQL(
            """%(lead)s.contact_policy = 'do_not_contact'
            OR %(lead)s.email_normalized IN (
                SELECT email_normalized FROM crm_lead WHERE contact_policy = 'do_not_contact')
            OR %(lead)s.phone_sanitized IN (
                SELECT phone_sanitized FROM crm_lead WHERE contact_policy = 'do_not_contact')
            OR %(lead)s.partner_id IN (
                SELECT partner_id FROM crm_lead WHERE contact_policy = 'do_not_contact')""",
            lead=lead,
        )
        blacklisted = SQL(
            """%(lead)s.email_normalized IN (SELECT email FROM mail_blacklist WHERE active)
            OR %(lead)s.phone_sanitized IN (SELECT number FROM phone_blacklist WHERE active)""",
            lead=lead,
        )
        cases = [SQL("WHEN %s THEN 'do_not_contact'", do_not_contact), SQL("WHEN %s THEN 'blacklisted'", blacklisted)]
        if "mailing.subscription" in self.env:
            opted_out = SQL(
                """%(lead)s.email_normalized IN (
                    SELECT contact.email_normalized FROM mailing_subscription sub
                      JOIN mailing_contact contact ON contact.id = sub.contact_id
                     WHERE sub.opt_out)""",
                lead=lead,
            )
            cases.append(SQL("WHEN %s THEN 'opted_out'", opted_out))
        return SQL("(CASE %s ELSE '' END)", SQL(" ").join(cases))

    def _canvas_flush_opt_outs(self):
        self.flush_model(["contact_policy", "email_normalized", "phone_sanitized", "partner_id"])
        for model in ("mail.blacklist", "phone.blacklist", "mailing.subscription", "mailing.contact"):
            if model in self.env:
                self.env[model].flush_model()

    def _compute_retarget_exclusion(self):
        ids = tuple(lead.id for lead in self if lead.id)
        reasons = {}
        if ids:
            self._canvas_flush_opt_outs()
            self.env.cr.execute(
                SQL(
                    "SELECT lead.id, %s FROM crm_lead lead WHERE lead.id IN %s",
                    self._exclusion_sql("lead"),
                    ids,
                )
            )
            reasons = dict(self.env.cr.fetchall())
        for lead in self:
            lead.retarget_exclusion = reasons.get(lead.id) or False

    def _search_retarget_exclusion(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        wanted = tuple({reason or "" for reason in value})
        self._canvas_flush_opt_outs()

        def to_sql(model, alias, query):
            sql = SQL("%s IN %s", model._exclusion_sql(alias), wanted)
            return SQL("NOT (%s)", sql) if operator == "not in" else sql

        def predicate(lead):
            return ((lead.retarget_exclusion or "") in wanted) == (operator == "in")

        return Domain.custom(to_sql=to_sql, predicate=predicate)

    def _canvas_check_contactable(self):
        """Refuse to contact again any of these prospects who opted out."""
        left_out = self.filtered("retarget_exclusion")
        if left_out:
            labels = dict(self._fields["retarget_exclusion"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "These prospects may not be contacted again; take them out of the selection: %(names)s.",
                    names="; ".join(
                        "%s (%s)" % (lead.display_name, labels[lead.retarget_exclusion]) for lead in left_out
                    ),
                )
            )
