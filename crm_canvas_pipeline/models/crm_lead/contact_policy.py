"""Contact policy: whether a prospect may be contacted. Set by losses (their
reason's policy), by hand or by import; a prospect who asked not to be
contacted again is on Odoo's blacklists and gets no activity, and a new lead
with their email or phone keeps their wish.

Owns the one who-may rule every path goes through (form, import, mass edit,
RPC, the Lost wizard, action_set_lost, merge, reactivate): anyone who may
edit the lead may make its policy stricter; only a sales manager may make it
looser, and lifting a do-not-contact is logged.
"""

from datetime import date

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain

from ...tools import returning_prospects, schema, system
from ...tools.input_check import check_input

POLICY_FIELDS = frozenset({"contact_policy", "retarget_date"})
# the class of the chatter lines that record a do-not-contact and its lift:
# the tests' invariants find them in any language
DNC_MARK = "o_canvas_do_not_contact"
ALLOWED_MARK = "o_canvas_contact_allowed"


def restriction(policy, retarget_date, today):
    """How far a policy keeps a prospect away, comparable: do-not-contact is
    strictest; a re-target not yet due is stricter than none, and a later
    date stricter than an earlier one; a re-target that is due keeps no one
    away."""
    if policy == "do_not_contact":
        return (2, date.max)
    if policy == "retarget" and retarget_date:
        retarget_date = fields.Date.to_date(retarget_date) if isinstance(retarget_date, str) else retarget_date
        if retarget_date > today:
            return (1, retarget_date)
    return (0, date.min)


def strictest(today, *policies):
    """The strictest of (policy, re-target date) pairs: policies add up."""
    return max(policies, key=lambda policy: restriction(*policy, today))


class CrmLead(models.Model):
    _inherit = "crm.lead"

    contact_policy = fields.Selection(
        [("allowed", "Allowed"), ("do_not_contact", "Do not contact"), ("retarget", "Re-target from a date")],
        string="Contact policy",
        required=True,
        default="allowed",
        tracking=True,
        copy=False,
        help="Set by losses: a prospect who asked not to be contacted again is never contacted; others "
        "may be re-targeted from a date.",
    )
    retarget_date = fields.Date("Re-target from", index="btree_not_null", copy=False, tracking=True)
    # Nearly every lead is "allowed" with no re-target date, and no search
    # looks for those (the index would not be used for so many rows): the
    # two indexes hold the other leads only.
    _contact_policy_restricted_index = models.Index("(contact_policy) WHERE contact_policy <> 'allowed'")
    # `-u crm` loads crm's models without this module's fields: Odoo drops
    # the column's NOT NULL, then this module sets it again, which makes
    # PostgreSQL scan every lead. This CHECK proves there is no NULL instead.
    _contact_policy_set = models.Constraint(
        "CHECK (contact_policy IS NOT NULL)",
        "Every lead has a contact policy.",
    )
    previous_loss_id = fields.Many2one(
        "crm.lead.loss",
        "Earlier loss",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This prospect was lost before (same email or phone).",
    )
    previous_loss_reason_id = fields.Many2one(related="previous_loss_id.reason_id", string="Earlier loss reason")
    previous_loss_date = fields.Datetime(related="previous_loss_id.date", string="Earlier loss date")

    def init(self):
        # a registry without this module (crm's, during `-u crm`) still creates leads
        schema.keep_column_defaults(self, "contact_policy")
        return super().init()

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, POLICY_FIELDS, vals_list, defaults=True)
        leads = super().create(vals_list)
        leads.filtered(lambda lead: lead.contact_policy == "do_not_contact")._canvas_honour_do_not_contact()
        leads._canvas_flag_returning_prospects()
        return leads

    def write(self, vals):
        check_input(self, POLICY_FIELDS, [vals])
        self._canvas_check_policy_change(vals)
        entering = lifting = self.browse()
        if "contact_policy" in vals:
            if vals["contact_policy"] == "do_not_contact":
                entering = self.filtered(lambda lead: lead.contact_policy != "do_not_contact")
                vals = dict(vals, retarget_date=False)
            else:
                lifting = self.filtered(lambda lead: lead.contact_policy == "do_not_contact")
        result = super().write(vals)
        # as the write left them (a loss inside it may have set the policy again)
        entering.filtered(lambda lead: lead.contact_policy == "do_not_contact")._canvas_honour_do_not_contact()
        lifting.filtered(lambda lead: lead.contact_policy != "do_not_contact")._canvas_log_contact_allowed()
        return result

    def _canvas_check_policy_change(self, vals):
        """The who-may rule: a policy made looser (a do-not-contact lifted, a
        re-target cleared or brought forward before it is due) needs a sales
        manager."""
        if not POLICY_FIELDS & vals.keys() or self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        today = system.user_today(self.env)
        # the same new policy for every record when the write gives both fields
        given = POLICY_FIELDS <= vals.keys() and restriction(vals["contact_policy"], vals["retarget_date"], today)
        looser = self.filtered(
            lambda lead: (
                (
                    given
                    or restriction(
                        vals.get("contact_policy", lead.contact_policy),
                        vals.get("retarget_date", lead.retarget_date),
                        today,
                    )
                )
                < restriction(lead.contact_policy, lead.retarget_date, today)
            )
        )
        if looser:
            raise AccessError(
                self.env._(
                    "Only a sales manager can loosen the contact policy of %(names)s: allow contact again, or "
                    "re-target sooner.",
                    names=", ".join(looser.mapped("display_name")),
                )
            )

    def _canvas_honour_do_not_contact(self):
        """A prospect's wish not to be contacted again: their email and
        phone go to the blacklists (the system does it: reps have no rights
        on them), their open activities are cancelled, the chatter says
        so."""
        if not self:
            return
        emails = {lead.email_normalized for lead in self if lead.email_normalized}
        if emails:
            Blacklist = system.own(self.env["mail.blacklist"]).sudo().with_context(active_test=False)
            existing = Blacklist.search([("email", "in", list(emails))])
            existing.filtered(lambda entry: not entry.active).action_unarchive()
            Blacklist.create([{"email": email} for email in emails - set(existing.mapped("email"))])
        phones = list({lead.phone_sanitized for lead in self if lead.phone_sanitized})
        if phones:
            system.own(self.env["phone.blacklist"]).sudo()._add(phones)
        self._canvas_cancel_activities()
        body = Markup('<p class="%s">%s</p>') % (
            DNC_MARK,
            self.env._(
                "Do not contact: the prospect's wish not to be contacted again is recorded; their email and "
                "phone are on the blacklists."
            ),
        )
        system.log(self, dict.fromkeys(self.ids, body))

    def _canvas_log_contact_allowed(self):
        """A do-not-contact lifted (by a sales manager): off the blacklists,
        unless another lead of the prospect still asks it; logged."""
        if not self:
            return
        emails = {lead.email_normalized for lead in self if lead.email_normalized}
        phones = {lead.phone_sanitized for lead in self if lead.phone_sanitized}
        still = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                Domain("id", "not in", self.ids)
                & Domain("contact_policy", "=", "do_not_contact")
                & (Domain("email_normalized", "in", list(emails)) | Domain("phone_sanitized", "in", list(phones)))
            )
        )
        emails -= set(still.mapped("email_normalized"))
        phones -= set(still.mapped("phone_sanitized"))
        if emails:
            self.env["mail.blacklist"].sudo().search([("email", "in", list(emails))]).action_archive()
        if phones:
            self.env["phone.blacklist"].sudo()._remove(list(phones))
        body = Markup('<p class="%s">%s</p>') % (
            ALLOWED_MARK,
            self.env._("Contact allowed again by %(user)s.", user=self.env.user.name),
        )
        system.log(self, dict.fromkeys(self.ids, body))

    def action_canvas_allow_contact(self):
        """Lift a do-not-contact: the prospect agreed to be contacted again
        (sales managers, see the who-may rule)."""
        self.filtered(lambda lead: lead.contact_policy == "do_not_contact").write({"contact_policy": "allowed"})

    def _canvas_flag_returning_prospects(self):
        """A new lead whose email or phone belongs to a lost lead points to
        that loss (the form's banner); if any lead of that prospect asked
        not to be contacted (lost so, or marked so), so is the new lead. One
        query for the whole batch (and reads of what it finds), one write
        per earlier loss."""
        fresh = self.filtered(lambda lead: lead.active and (lead.email_normalized or lead.phone_sanitized))
        if not fresh:
            return
        emails = list({lead.email_normalized for lead in fresh if lead.email_normalized})
        phones = list({lead.phone_sanitized for lead in fresh if lead.phone_sanitized})
        # the read needs the email and phone of the new leads in the
        # database: flushed whole now, with every field still to compute,
        # they cost one UPDATE (not that one and another at the end)
        fresh.flush_recordset()
        self.flush_model(["email_normalized", "phone_sanitized", "contact_policy"])
        self.env["crm.lead.loss"].flush_model(["lead_id"])
        # the prospect's other leads that were lost or ask not to be
        # contacted: one statement (tools/returning_prospects.py says why)
        Lead = self.sudo().with_context(active_test=False)
        earlier = Lead.browse(returning_prospects.earlier_lead_ids(self.env.cr, self.ids, emails, phones))
        if not earlier:
            return
        latest_by_key, do_not_contact = {}, set()
        for lead in earlier.filtered(lambda lead: lead.contact_policy == "do_not_contact"):
            do_not_contact.update(
                key for key in (("email", lead.email_normalized), ("phone", lead.phone_sanitized)) if key[1]
            )
        for loss in earlier.loss_ids.sorted(lambda loss: (loss.date, loss.id), reverse=True):  # the latest first
            for key in (("email", loss.lead_id.email_normalized), ("phone", loss.lead_id.phone_sanitized)):
                if key[1]:
                    latest_by_key.setdefault(key, loss)
        by_loss, wish_kept = {}, self.browse()
        for lead in fresh:
            keys = [("email", lead.email_normalized), ("phone", lead.phone_sanitized)]
            previous = [latest_by_key[key] for key in keys if key in latest_by_key]
            if previous:
                loss = max(previous, key=lambda loss: (loss.date, loss.id))
                by_loss[loss] = by_loss.get(loss, self.browse()) | lead
            if any(key in do_not_contact for key in keys):
                wish_kept |= lead
        for loss, leads in by_loss.items():
            leads.write({"previous_loss_id": loss.id})
        if wish_kept:
            wish_kept.write({"contact_policy": "do_not_contact"})
            body = Markup("<p>%s</p>") % self.env._(
                "This prospect asked not to be contacted again before: their wish is kept."
            )
            system.log(wish_kept, dict.fromkeys(wish_kept.ids, body))

    def _merge_get_fields_specific(self):
        """A merge keeps the strictest contact policy of the merged records:
        a duplicate's do-not-contact is the prospect's wish too."""
        today = system.user_today(self.env)

        def merged(leads):
            return strictest(today, *((lead.contact_policy, lead.retarget_date) for lead in leads))

        return {
            **super()._merge_get_fields_specific(),
            "contact_policy": lambda fname, leads: merged(leads)[0],
            "retarget_date": lambda fname, leads: merged(leads)[1],
        }
