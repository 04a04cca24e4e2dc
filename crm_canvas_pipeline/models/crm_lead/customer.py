"""The lead's customer: the partner a promoted or won record is linked to
(the one it has, else one with the same email, else the company with the
same tax ID, else one created from its data as stock's conversion does), and
winning marks it a customer (``customer_rank``) unless a setting turns it
off."""

import re

from markupsafe import Markup

from odoo import fields, models
from odoo.tools import SQL, str2bool
from odoo.tools.mail import parse_contact_from_email

from ...tools import system
from ..res_config_settings import WON_NO_CUSTOMER_PARAM

# prefixes a tax ID may carry besides the ISO codes: Greece's EL, Northern Ireland's XI
VAT_PREFIXES = ("EL", "XI")


def normalize_vat(vat, countries=()):
    """A tax ID as compared: letters and digits, upper case, without a
    leading country code (`countries`: the ISO codes), so that
    ``ESB12345678`` and ``B 1234 5678`` are one company. Its SQL form is
    `vat_sql`, given the same codes (a test proves both agree)."""
    vat = re.sub(r"[^A-Za-z0-9]", "", vat or "").upper()
    if len(vat) > 2 and vat[:2] in {*countries, *VAT_PREFIXES}:
        vat = vat[2:]
    return vat


def vat_sql(column, countries):
    """normalize_vat in SQL, for the column `column` (an SQL)."""
    cleaned = SQL("UPPER(REGEXP_REPLACE(%s, '[^A-Za-z0-9]', '', 'g'))", column)
    return SQL(
        "(CASE WHEN LENGTH(%(vat)s) > 2 AND LEFT(%(vat)s, 2) IN %(prefixes)s THEN SUBSTR(%(vat)s, 3) ELSE %(vat)s END)",
        vat=cleaned,
        prefixes=tuple({*countries, *VAT_PREFIXES}),
    )


class CrmLead(models.Model):
    _inherit = "crm.lead"

    customer_vat = fields.Char(
        "Tax ID",
        help="The customer's tax ID: converting or winning links the company that has it instead of creating one.",
    )

    def _handle_won_lost(self, old_status_by_lead, new_status_by_lead):
        result = super()._handle_won_lost(old_status_by_lead, new_status_by_lead)
        won = self.filtered(
            lambda lead: (
                new_status_by_lead.get(lead.id, {}).get("is_won")
                and not old_status_by_lead.get(lead.id, {}).get("is_won")
            )
        )
        if won:
            won._canvas_make_customers()
        return result

    def _canvas_make_customers(self):
        """Won makes a customer (leads of the canvas teams, unless a setting
        turns it off): the lead's partner, else one found or created as on
        promotion; it is marked a customer and the chatter says so."""
        leads = self.filtered("use_initiative_stages")
        if not leads or str2bool(self.env["ir.config_parameter"].sudo().get_param(WON_NO_CUSTOMER_PARAM, "False")):
            return
        created = leads._canvas_assign_customers()
        # one win per lead: a partner who wins two counts twice
        self.env["res.partner"].browse([lead.partner_id.id for lead in leads])._canvas_increase_customer_rank()
        bodies = {}
        for lead in leads:
            partner = lead.partner_id
            if partner in created:
                body = self.env._(
                    "Won: %(customer)s is a new customer, created from this record.", customer=partner.display_name
                )
            else:
                body = self.env._("Won: %(customer)s is a customer.", customer=partner.display_name)
            bodies[lead.id] = Markup("<p>%s</p>") % body
        system.log(leads, bodies)

    def _canvas_assign_customers(self):
        """Link each record without a customer to one, like the stock
        wizard's defaults: an existing partner matching the email, else the
        company with its tax ID, else a new one made from the lead's data
        (company and contact). Batched: one search and at most two partner
        creations for the whole recordset. Returns the partners created."""
        Partner = self.env["res.partner"]
        todo = self.filtered(lambda lead: not lead.partner_id)
        if not todo:
            return Partner
        # mail.thread's create subscribes and logs partner by partner; skip it
        # (tracking_disable: a cost) and do the same for the whole batch below;
        # the client's defaults are the lead's, not its customer's
        Partner = system.own(Partner).with_context(tracking_disable=True)
        emails = list({lead.email_normalized for lead in todo if lead.email_normalized})
        matching = {}
        if emails:
            for partner in Partner.search([("email_normalized", "in", emails)], order="is_company desc, id"):
                matching.setdefault(partner.email_normalized, partner)
        partner_by_lead = {lead: matching[lead.email_normalized] for lead in todo if lead.email_normalized in matching}
        to_create = todo.filtered(lambda lead: lead not in partner_by_lead)
        # a company that has the lead's tax ID is its company, never a duplicate
        company_by_vat = to_create._canvas_companies_by_vat()
        # companies first, then their contacts (stock `_create_customer`)
        with_company = to_create.filtered(lambda lead: lead.partner_name and lead not in company_by_vat)
        companies = Partner.create(
            [lead._prepare_customer_values(lead.partner_name, is_company=True) for lead in with_company]
        )
        company_by_lead = dict(zip(with_company, companies, strict=True)) | company_by_vat
        contact_leads, contact_vals = [], []
        for lead in to_create:
            contact_name = lead.contact_name or (
                parse_contact_from_email(lead.email_from)[0] if lead.email_from else False
            )
            company = company_by_lead.get(lead, Partner)
            if contact_name:
                contact_vals.append(lead._prepare_customer_values(contact_name, parent_id=company.id))
            elif company:
                partner_by_lead[lead] = company
                continue
            else:
                contact_vals.append(lead._prepare_customer_values(lead.name))
            contact_leads.append(lead)
        contacts = Partner.create(contact_vals)
        partner_by_lead.update(zip(contact_leads, contacts, strict=True))
        # one write per customer (stock writes each converted lead's own)
        leads_by_partner = {}
        for lead, partner in partner_by_lead.items():
            leads_by_partner[partner] = leads_by_partner.get(partner, self.browse()) | lead
        for partner, leads in leads_by_partner.items():
            leads.write({"partner_id": partner.id})
        self._canvas_follow_and_log(companies | contacts)
        return companies | contacts

    def _canvas_follow_and_log(self, partners):
        """What mail.thread does when a partner is created, for a batch: the
        creator and each partner's salesperson follow it, and its creation is
        logged. One query per salesperson, not per partner."""
        if not partners:
            return
        creator = self.env.user
        for salesperson, group in partners.grouped("user_id").items():
            followers = salesperson.partner_id
            if creator.active and not creator.share:
                followers |= creator.partner_id
            if followers:
                self.env["mail.followers"]._insert_followers(
                    "res.partner",
                    group.ids,
                    followers.ids,
                    customer_ids=[],
                    check_existing=True,
                    existing_policy="skip",
                )
        system.log(partners, {partner.id: partner._creation_message() for partner in partners})

    def _canvas_companies_by_vat(self):
        """{lead: company} for the leads whose tax ID an existing company has
        (compared without spaces, dots or dashes). One query for the batch."""
        if not any(lead.customer_vat for lead in self):
            return {}
        countries = self._canvas_country_codes()
        normalized = {lead: normalize_vat(lead.customer_vat, countries) for lead in self if lead.customer_vat}
        normalized = {lead: vat for lead, vat in normalized.items() if vat}
        if not normalized:
            return {}
        self.env["res.partner"].flush_model(["vat", "is_company", "active", "company_id"])
        vat = vat_sql(SQL.identifier("vat"), countries)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (%(vat)s) %(vat)s, id
                  FROM res_partner
                 WHERE is_company
                   AND active
                   AND (company_id IS NULL OR company_id IN %(companies)s)
                   AND %(vat)s IN %(vats)s
              ORDER BY %(vat)s, id
                """,
                vat=vat,
                companies=tuple(self.env.companies.ids),
                vats=tuple(set(normalized.values())),
            )
        )
        company_by_vat = {vat: self.env["res.partner"].browse(partner_id) for vat, partner_id in rows}
        return {lead: company_by_vat[vat] for lead, vat in normalized.items() if vat in company_by_vat}

    def _canvas_country_codes(self):
        """The ISO codes a tax ID may start with (res.country)."""
        return frozenset(code.upper() for code in self.env["res.country"].sudo().search([]).mapped("code") if code)

    def _prepare_customer_values(self, partner_name, is_company=False, parent_id=False):
        values = super()._prepare_customer_values(partner_name, is_company=is_company, parent_id=parent_id)
        # the tax ID belongs to the company, or to the customer when there is none
        if self.customer_vat and not parent_id:
            values["vat"] = self.customer_vat
        return values

    def action_canvas_open_customer(self):
        """Open the customer of the record (the Customer smart button)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
