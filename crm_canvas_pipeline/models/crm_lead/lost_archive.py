"""Lost archive: every loss, whatever the path (the Lost wizard,
action_set_lost, an import, a write over RPC), leaves a loss row that is
never changed afterwards nor deleted, applies its reason's contact policy to
the prospect and takes its open activities off the reps' to-do lists; every
restore stamps the rows it ends. Lost leads of the canvas teams are never
deleted."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import str2bool

from ...tools import system
from ...tools.input_check import check_input
from ..crm_lost_reason import KEEP_ACTIVITIES_PARAM, LEAD_POLICY, LOSS_POLICY
from .contact_policy import POLICY_FIELDS as LOSS_SETS
from .contact_policy import restriction, strictest


class CrmLead(models.Model):
    _inherit = "crm.lead"

    loss_ids = fields.One2many("crm.lead.loss", "lead_id", string="Losses", readonly=True)

    def action_set_lost(self, **additional_values):
        """Stock's lost semantic (archived, probability 0) in one write per
        resulting contact policy, the policy being the strictest of the
        lead's own, its reason's and one asked for (``contact_policy`` and
        ``retarget_date`` among the values). Stock archives first and writes
        the reason after: a lead whose probability is already 0 would be lost
        by the archive alone, before its reason is known. A lead archived
        already is not archived again (its closing date stays), as in
        stock."""
        check_input(self, frozenset({"lost_reason_id", "contact_policy", "retarget_date"}), [additional_values])
        values = dict(additional_values, probability=0, automated_probability=0)
        asked = (values.pop("contact_policy", None) or "allowed", values.pop("retarget_date", None) or False)
        reason = self.env["crm.lost.reason"].browse(values.get("lost_reason_id"))
        today = system.user_today(self.env)
        # the loss's own policy: the same for every lead when the reason is given
        implied = self._canvas_loss_policy(reason, asked, today) if reason else None
        groups = defaultdict(list)
        for lead in self:
            own = (lead.contact_policy, lead.retarget_date)
            policy = strictest(today, own, implied or lead._canvas_loss_policy(reason, asked, today))
            groups[lead.active, policy if policy != own else None].append(lead.id)
        for (active, policy), lead_ids in groups.items():
            extra = {"active": False} if active else {}
            if policy:
                extra.update(contact_policy=policy[0], retarget_date=policy[1])
            self.browse(lead_ids).write({**values, **extra})
        if asked[0] != "allowed":
            self._canvas_complete_losses(policy=asked)
        return True

    def write(self, vals):
        if 0 in self._ids:
            # id 0, which a JSON-RPC client may send, is no record: archiving
            # it would crash in stock's scoring (its creation date is empty);
            # new records (NewId, falsy too) are not concerned
            raise MissingError(self.env._("Record does not exist or has been deleted."))
        # a lead lost already and given another reason gets that reason's
        # policy too (a loss inside this write gets its own, see below)
        relost = self.filtered(lambda lead: lead.won_status == "lost") if vals.get("lost_reason_id") else None
        result = super().write(vals)
        if relost:
            relost._canvas_apply_loss_policy()
        return result

    def _canvas_loss_policy(self, reason=None, asked=("allowed", False), today=None):
        """(contact policy, re-target date) a loss of this lead implies: its
        reason's policy, or the stricter one asked for."""
        today = today or system.user_today(self.env)
        return strictest(today, (reason or self.lost_reason_id)._canvas_lead_policy(today=today), asked)

    def _canvas_loss_policies(self, today):
        """{lead: the policy its loss implies}, one computation per reason."""
        by_reason = {reason: self._canvas_loss_policy(reason, today=today) for reason in self.lost_reason_id}
        none = ("allowed", False)
        return {lead: by_reason.get(lead.lost_reason_id, none) for lead in self}

    def _canvas_apply_loss_policy(self):
        """Give each lost lead of `self` the policy its reason implies, where
        it is stricter than the one it has: one write per policy."""
        today = system.user_today(self.env)
        implied = self._canvas_loss_policies(today)
        by_policy = defaultdict(list)
        for lead in self:
            own = (lead.contact_policy, lead.retarget_date)
            policy = strictest(today, own, implied[lead])
            if policy != own:
                by_policy[policy].append(lead.id)
        for (policy, retarget_date), lead_ids in by_policy.items():
            self.browse(lead_ids).write({"contact_policy": policy, "retarget_date": retarget_date})

    def _handle_won_lost(self, old_status_by_lead, new_status_by_lead):
        result = super()._handle_won_lost(old_status_by_lead, new_status_by_lead)
        lost, restored = self.browse(), self.browse()
        for lead in self:
            was_lost = old_status_by_lead.get(lead.id, {}).get("is_lost")
            is_lost = new_status_by_lead.get(lead.id, {}).get("is_lost")
            if is_lost and not was_lost:
                lost |= lead
            elif was_lost and not is_lost:
                restored |= lead
        lost._canvas_record_losses()
        restored._canvas_record_restores()
        return result

    def _canvas_record_losses(self):
        """One loss row per lead (the lead as it is when lost), its open
        activities cancelled, and the policy its reason implies where the
        write that lost it did not set it already (a loss by import or
        RPC)."""
        if not self:
            return
        activities, cancelled = self.env["mail.activity"], {}
        if not str2bool(self.env["ir.config_parameter"].sudo().get_param(KEEP_ACTIVITIES_PARAM, "False")):
            activities, cancelled = self._canvas_open_activities()
        implied = self._canvas_loss_policies(system.user_today(self.env))
        system.own(self.env["crm.lead.loss"]).sudo().create(
            [lead._canvas_loss_values(implied[lead], cancelled.get(lead.id)) for lead in self]
        )
        self.invalidate_recordset(["loss_ids"])
        activities.unlink()
        self._canvas_apply_loss_policy()

    def _canvas_loss_values(self, policy, cancelled_activities=None):
        """The loss row of this lead, lost now with `policy` (contact policy,
        re-target date): what it was worth and where."""
        policy, retarget_date = policy
        return {
            "lead_id": self.id,
            "lead_name": self.name,
            "reason_id": self.lost_reason_id.id,
            "contact_policy": LOSS_POLICY[policy],
            "retarget_date": retarget_date,
            "cancelled_activities": cancelled_activities or False,
            "stage_id": self.stage_id.id,
            "lead_type": self.type,
            # the currency first: the amount is rounded in it, from the cache
            "currency_id": self.company_currency.id,
            "expected_revenue": self.expected_revenue,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "date": self.env.cr.now(),
            "lost_by_id": self.env.uid,
        }

    def _canvas_complete_losses(self, note=False, policy=None):
        """What only the one who lost these leads knows, on the loss rows this
        transaction wrote for them: the closing note of the Lost wizard, or a
        (contact policy, re-target date) asked for, where it is stricter than
        the reason's (the leads of those rows get it too)."""
        losses = (
            self.env["crm.lead.loss"].sudo().search([("lead_id", "in", self.ids), ("date", "=", self.env.cr.now())])
        )
        if note:
            losses.write({"note": note})
        if not policy:
            return
        today = system.user_today(self.env)
        by_policy = defaultdict(lambda: losses.browse())
        for loss in losses:
            own = (LEAD_POLICY[loss.contact_policy or "none"], loss.retarget_date)
            stricter = strictest(today, own, policy)
            if stricter != own:
                by_policy[stricter] |= loss
        for (lead_policy, retarget_date), group in by_policy.items():
            group.write({"contact_policy": LOSS_POLICY[lead_policy], "retarget_date": retarget_date})
        losses.lead_id.filtered(
            lambda lead: restriction(lead.contact_policy, lead.retarget_date, today) < restriction(*policy, today)
        ).write({"contact_policy": policy[0], "retarget_date": policy[1]})

    def _mail_track(self, tracked_fields, initial_values):
        # the policy a loss sets is on its loss row (Losses tab) and on the
        # form: the loss's own message does not repeat it (a tracking value
        # per lead lost). A policy changed by hand is tracked as usual.
        if self.won_status == "lost" and initial_values.get("won_status") not in (None, "lost"):
            tracked_fields = {fname: info for fname, info in tracked_fields.items() if fname not in LOSS_SETS}
        return super()._mail_track(tracked_fields, initial_values)

    def _canvas_record_restores(self):
        if not self:
            return
        losses = self.env["crm.lead.loss"].sudo().search([("lead_id", "in", self.ids), ("restored_date", "=", False)])
        losses.write({"restored_date": fields.Datetime.now(), "restored_by_id": self.env.uid})
        # the restore is in stock's tracking message and on the loss rows; a
        # prospect who asked not to be contacted is worth a word
        unwilling = self.filtered(lambda lead: lead.contact_policy == "do_not_contact")
        if unwilling:
            body = Markup("<p>%s</p>") % self.env._("Restored: the prospect still does not want to be contacted.")
            system.log(unwilling, dict.fromkeys(unwilling.ids, body))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_loss_history(self):
        """Lost leads of the canvas keep their history. A duplicate folded by
        a merge can go: its losses moved to the lead that survives. Teams
        outside the canvas delete as in stock, and keep the loss rows."""
        kept = self.filtered(lambda lead: lead.use_initiative_stages and lead.sudo().loss_ids)
        if kept:
            raise UserError(
                self.env._(
                    "Lost leads are never deleted: archive them or mark them lost, their history is kept. %(names)s",
                    names=", ".join(kept.mapped("display_name")),
                )
            )

    def _merge_dependences(self, opportunities):
        result = super()._merge_dependences(opportunities)
        losses = opportunities.sudo().loss_ids
        if losses:
            losses.write({"lead_id": self.id})
        return result
