"""Privacy: a prospect forgotten at their request (the GDPR's and Spain's
LOPDGDD's right to erasure), by a sales manager through the Forget contact
wizard (wizard/crm_lead_forget.py), which says first what will go.

Forgetting erases the person everywhere Odoo keeps them for the lead: its
fields, the tracking values, subjects and bodies of its chatter that carry
them, the sender of the messages they sent, its activities and meetings,
the names copied into its loss and stage-history rows, and the partner made
of them when no other document refers to it (else the partner is unlinked
from the lead, and left to an administrator, with a note). It keeps what is
no personal data: figures, stages, dates, reasons, the loss and history rows
themselves, and the blacklist entries: a forgotten prospect is never
contacted again, and the suppression list is how that wish keeps being
honoured. One chatter line says who erased and when.
"""

import re

import psycopg2
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ...tools import partner_references, system

# the lead's fields that hold the person, stock's and the module's
PERSONAL_FIELDS = (
    "contact_name",
    "partner_name",
    "email_from",
    "email_cc",
    "phone",
    "function",
    "website",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "country_id",
    "description",
    "referred",
    "customer_vat",
)
# tracked fields whose tracking values are erased whatever they say
TRACKED_PERSONAL = frozenset(PERSONAL_FIELDS) | {"name", "partner_id"}
# the fields of a lead or partner whose words name the person in texts
TERM_FIELDS = (
    "name",
    "contact_name",
    "partner_name",
    "email_from",
    "email_normalized",
    "email",
    "phone",
    "phone_sanitized",
    "street",
    "website",
    "vat",
    "customer_vat",
)
# shorter words are in every text: they are not searched for
MIN_TERM = 3


class CrmLead(models.Model):
    _inherit = "crm.lead"

    forgotten_date = fields.Datetime(
        "Personal data erased on",
        readonly=True,
        copy=False,
        help="The prospect's personal data was erased at their request.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if "default_forgotten_date" in self.env.context or any("forgotten_date" in vals for vals in vals_list):
            raise AccessError(self.env._("Only the Forget contact wizard marks a lead forgotten."))
        return super().create(vals_list)

    def write(self, vals):
        # the stamp lets the system erase the names of loss and history rows
        if "forgotten_date" in vals and not self.env.su:
            raise AccessError(self.env._("Only the Forget contact wizard marks a lead forgotten."))
        return super().write(vals)

    def _canvas_forget_scope(self, same_contact=False):
        """These leads (as the system), and with `same_contact` the other
        leads with the same email or phone."""
        leads = self.sudo().with_context(active_test=False)
        emails = [email for email in leads.mapped("email_normalized") if email]
        phones = [phone for phone in leads.mapped("phone_sanitized") if phone]
        if same_contact and (emails or phones):
            leads |= leads.search(Domain("email_normalized", "in", emails) | Domain("phone_sanitized", "in", phones))
        return leads

    def _canvas_forget_plan(self):
        """What forgetting these leads erases, {kind: records} (the wizard
        counts them), and the pattern of the person's words in texts."""
        leads = self.sudo().with_context(active_test=False)
        linked = leads.partner_id
        pattern = _pattern(leads._canvas_personal_terms(linked.filtered(leads._canvas_is_prospect)))
        messages = self.env["mail.message"].sudo().search([("model", "=", "crm.lead"), ("res_id", "in", leads.ids)])
        erased, kept = leads._canvas_partners_to_erase(linked, messages)
        persons = erased | linked.filtered(leads._canvas_is_prospect)
        carrying = messages.filtered(
            lambda message: (
                message.author_id in persons
                or any(pattern.search(text or "") for text in (message.body, message.subject, message.email_from))
            )
        )
        trackings = messages.tracking_value_ids.filtered(
            lambda value: (
                value.field_id.name in TRACKED_PERSONAL
                or any(pattern.search(text or "") for text in (value.old_value_char, value.new_value_char))
                or any(pattern.search(text or "") for text in (value.old_value_text, value.new_value_text))
            )
        )
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(active_test=False)
            .search([("res_model", "=", "crm.lead"), ("res_id", "in", leads.ids)])
        )
        meetings = (
            self.env["calendar.event"]
            .sudo()
            .with_context(active_test=False)
            .search([("opportunity_id", "in", leads.ids)])
        )
        return {
            "pattern": pattern,
            "leads": leads,
            "messages": carrying,
            "tracking_values": trackings,
            "activities": activities,
            "meetings": meetings,
            "mails": self.env["mail.mail"].sudo().search([("mail_message_id", "in", carrying.ids)]),
            "losses": leads.loss_ids,
            "stays": self.env["crm.lead.stage.history"].sudo().search([("lead_id", "in", leads.ids)]),
            "partners_erased": erased,
            "partners_kept": kept,
            "persons": persons,
        }

    def _canvas_is_prospect(self, partner):
        """Whether `partner` is the person or company of one of these
        leads: same email, phone or name."""
        return any(
            (partner.email_normalized and partner.email_normalized == lead.email_normalized)
            or (partner.phone_sanitized and partner.phone_sanitized == lead.phone_sanitized)
            or (partner.name or "").strip().lower()
            in {(lead.contact_name or "").strip().lower(), (lead.partner_name or "").strip().lower()} - {""}
            for lead in self
        )

    def _canvas_personal_terms(self, partners):
        """The words that name the person in texts: their name, company,
        email, phone (as written and sanitized), address and tax ID, the
        lead's name, and those of the partners made of them."""
        values = (record[fname] for record in [*self, *partners] for fname in TERM_FIELDS if fname in record)
        return {value.strip() for value in values if isinstance(value, str) and len(value.strip()) >= MIN_TERM}

    def _canvas_partners_to_erase(self, linked, messages):
        """(erased, kept) among the partners linked to these leads: the
        person, and the company made with them, go when no other document
        refers to them; any other linked partner stays, unlinked."""
        candidates = linked.filtered(self._canvas_is_prospect)
        candidates |= candidates.parent_id.filtered(self._canvas_is_prospect)
        ignored = {"crm.lead": self.ids, "mail.message": messages.ids, "res.partner": candidates.ids}
        referenced = partner_references.referenced_partner_ids(self.env, candidates.ids, ignored)
        erased = candidates.filtered(lambda partner: partner.id not in referenced)
        # a contact kept keeps its company
        erased -= (candidates - erased).parent_id
        return erased, linked - erased

    def _canvas_forget(self):
        """Forget these leads' prospects (the leads of _canvas_forget_scope);
        {kind: count} of what was erased."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers can forget a contact."))
        leads = self.sudo().with_context(active_test=False)
        # their wish first: never contacted again (blacklists, activities)
        leads.filtered(lambda lead: lead.contact_policy != "do_not_contact").write({"contact_policy": "do_not_contact"})
        plan = leads._canvas_forget_plan()
        scrub = _scrubber(plan["pattern"], self.env._("[erased]"))
        anonymous = self.env._("Forgotten contact")
        linked = {lead.id: lead.partner_id for lead in leads}  # for the audit line
        # tracking the erasure would copy what it erases into the chatter
        leads.with_context(tracking_disable=True).write(
            {
                **dict.fromkeys(PERSONAL_FIELDS, False),
                "partner_id": False,
                "name": anonymous,
                "forgotten_date": fields.Datetime.now(),
            }
        )
        for message in plan["messages"]:
            values = {"body": scrub(message.body), "subject": scrub(message.subject)}
            if message.author_id in plan["persons"] or scrub(message.email_from) != message.email_from:
                values.update(author_id=False, email_from=False, reply_to=False)
            message.write(values)
        for value in plan["tracking_values"]:
            personal = value.field_id.name in TRACKED_PERSONAL
            value.write(
                {
                    fname: (value[fname] and anonymous) if personal else scrub(value[fname])
                    for fname in ("old_value_char", "new_value_char", "old_value_text", "new_value_text")
                }
            )
        for activity in plan["activities"]:
            activity.write({"summary": scrub(activity.summary), "note": scrub(activity.note), "res_name": anonymous})
        for meeting in plan["meetings"]:
            meeting.write({"name": scrub(meeting.name) or anonymous, "description": scrub(meeting.description)})
        for mail in plan["mails"]:
            mail.write({"body_html": scrub(mail.body_html), "email_to": False, "email_cc": False})
        plan["losses"].write({"lead_name": anonymous})
        for loss in plan["losses"]:
            texts = {"note": scrub(loss.note), "cancelled_activities": scrub(loss.cancelled_activities)}
            if texts != {"note": loss.note, "cancelled_activities": loss.cancelled_activities}:
                loss.write(texts)
        plan["stays"].write({"lead_name": anonymous})
        kept = plan["partners_kept"]
        try:
            with self.env.cr.savepoint():
                plan["partners_erased"].unlink()
        except (UserError, psycopg2.IntegrityError):
            # a rule of another module keeps them: left to an administrator
            kept |= plan["partners_erased"]
            plan["partners_erased"] = plan["partners_erased"].browse()
        body = self.env._("Personal data erased by %(user)s at the prospect's request.", user=self.env.user.name)
        bodies = {}
        for lead in leads:
            bodies[lead.id] = Markup("<p>%s</p>") % body
            if linked[lead.id] & kept:
                bodies[lead.id] += Markup("<p>%s</p>") % self.env._(
                    "Contacts %(ids)s were unlinked and kept: other documents refer to them. An administrator "
                    "decides what to erase of them.",
                    ids=", ".join("#%s" % partner.id for partner in linked[lead.id] & kept),
                )
        system.log(leads, bodies)
        return {kind: len(records) for kind, records in plan.items() if isinstance(records, models.BaseModel)}


def _pattern(terms):
    """One case-insensitive pattern of `terms`, as written and as HTML
    escapes them (the longest first); one that matches nothing without."""
    variants = {variant for term in terms for variant in (term, str(escape(term)))}
    if not variants:
        return re.compile(r"(?!)")
    return re.compile("|".join(re.escape(term) for term in sorted(variants, key=len, reverse=True)), re.IGNORECASE)


def _scrubber(pattern, placeholder):
    """A function that replaces the person's words in a text (a string or
    Markup, kept so) by `placeholder`."""

    def scrub(text):
        if not text:
            return text
        replaced = pattern.sub(placeholder, str(text))
        return Markup(replaced) if isinstance(text, Markup) else replaced

    return scrub
