from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.mail import parse_contact_from_email
from odoo.tools.safe_eval import safe_eval

STAGE_KINDS = ("lead", "opportunity")


def _kind_of(lead_type):
    """The kind of stage a record of this type belongs in."""
    return "lead" if lead_type == "lead" else "opportunity"


def _stage_kind_for(lead):
    """The kind of stage `lead` belongs in; initiative stages only for the
    leads of teams that use them."""
    return "lead" if lead.type == "lead" and lead.team_id.use_initiative_stages else "opportunity"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # pickers (status bar, form, import) only offer stages of the record's kind
    stage_id = fields.Many2one(
        domain="[('stage_kind', '=', 'lead' if type == 'lead' and use_initiative_stages else 'opportunity'), "
        "'|', ('team_ids', '=', False), ('team_ids', 'in', team_id)]"
    )
    use_initiative_stages = fields.Boolean(related="team_id.use_initiative_stages")

    # ------------------------------------------------------------
    # STAGES OF THE RIGHT KIND
    # ------------------------------------------------------------

    @api.depends("team_id", "type")
    def _compute_stage_id(self):
        """Stock fills an empty stage; a stage of the wrong kind (a lead just
        converted through ``type``) is replaced too. One stage search per
        (team, kind), not per record."""
        first_stages = {}
        for lead in self:
            kind = _stage_kind_for(lead)
            if lead.stage_id and lead.stage_id.stage_kind == kind:
                continue
            key = (lead.team_id.id, kind)
            if key not in first_stages:
                first_stages[key] = lead._stage_find(domain=[("fold", "=", False), ("stage_kind", "=", kind)])
            lead.stage_id = first_stages[key]

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        domain = list(domain or [])
        if not any(isinstance(leaf, (list, tuple)) and leaf[0] == "stage_kind" for leaf in domain):
            # stock looks for pipeline stages (first stage, won stages, conversion):
            # never hand it an initiative stage
            domain.append(("stage_kind", "=", "opportunity"))
        return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Columns of the kind(s) of record the view shows: the Leads kanban
        shows initiative stages, the pipeline opportunity stages, the Canvas
        both. Columns holding records are always kept."""
        kinds = self._canvas_stage_kinds(domain)
        expanded = super()._read_group_stage_ids(stages, domain)
        expanded = expanded.filtered(lambda stage: stage.stage_kind in kinds or stage in stages)
        # initiative columns before the pipeline's
        return expanded.sorted(lambda stage: (stage.stage_kind != "lead", stage.sequence, stage.name, stage.id))

    @api.model
    def _canvas_stage_kinds(self, domain):
        """Kinds of stage a kanban over ``domain`` shows, read from its
        conditions on ``type``; initiative stages need the Leads feature."""
        types = set()
        for condition in Domain(domain or []).iter_conditions():
            if condition.field_expr == "type" and condition.operator in ("=", "in"):
                value = condition.value
                types.update([value] if isinstance(value, str) or not hasattr(value, "__iter__") else value)
        types.discard(False)
        kinds = {_kind_of(lead_type) for lead_type in types} or set(STAGE_KINDS)
        if not self.env.user.has_group("crm.group_use_lead"):
            kinds.discard("lead")
        return kinds

    @api.model
    def action_open_canvas(self):
        """Open the Canvas board (menu CRM > Canvas). Without the Leads
        feature it shows opportunities only: initiative columns and the
        leads in them stay out of sight, nothing is removed."""
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_canvas_pipeline.crm_lead_action_canvas")
        if not self.env.user.has_group("crm.group_use_lead"):
            action["domain"] = [("type", "=", "opportunity")]
            action["context"] = dict(safe_eval(action.get("context") or "{}"), default_type="opportunity")
        return action

    @api.constrains("stage_id", "type")
    def _check_stage_kind(self):
        if self.env.context.get("canvas_promoting"):
            return  # create() promotes, then checks
        for lead in self:
            stage = lead.stage_id
            if not stage or stage.stage_kind == _stage_kind_for(lead):
                continue
            if not lead.use_initiative_stages:
                message = self.env._(
                    "“%(lead)s” cannot be in the initiative stage “%(stage)s”: its sales team does not use "
                    "initiative stages.",
                    lead=lead.display_name,
                    stage=stage.display_name,
                )
            elif lead.type == "lead":
                message = self.env._(
                    "“%(lead)s” is an initiative: it cannot be in the opportunity stage “%(stage)s”.",
                    lead=lead.display_name,
                    stage=stage.display_name,
                )
            else:
                message = self.env._(
                    "“%(lead)s” is an opportunity: it cannot go back to the initiative stage “%(stage)s”.",
                    lead=lead.display_name,
                    stage=stage.display_name,
                )
            raise ValidationError(message)

    # ------------------------------------------------------------
    # PROMOTE BY MOVING
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # the kind check waits until initiatives created in a pipeline stage
        # are promoted below
        leads = super(CrmLead, self.with_context(canvas_promoting=True)).create(vals_list).with_env(self.env)
        # created straight into a pipeline stage (quick create in a Canvas
        # column, import): an opportunity from the start
        promoted = leads.filtered(
            lambda lead: (
                lead.type == "lead" and lead.use_initiative_stages and lead.stage_id.stage_kind == "opportunity"
            )
        )
        if promoted:
            promoted.write({"type": "opportunity", "date_conversion": self.env.cr.now()})
            promoted._canvas_assign_customers()
            promoted._canvas_log_conversion()
        leads._check_stage_kind()
        return leads

    def write(self, vals):
        stage = self.env["crm.stage"].browse(vals["stage_id"]) if vals.get("stage_id") else None
        if not stage or "type" in vals:
            return super().write(vals)
        if stage.stage_kind == "lead":
            opportunities = self.filtered(lambda lead: lead.type == "opportunity")
            if opportunities:
                raise UserError(
                    self.env._(
                        "An opportunity cannot go back to the initiative stage “%(stage)s”: %(names)s.",
                        stage=stage.display_name,
                        names=", ".join(opportunities.mapped("display_name")),
                    )
                )
            return super().write(vals)
        leads = self.filtered(lambda lead: lead.type == "lead" and lead.use_initiative_stages)
        if not leads:
            return super().write(vals)
        # Moving an initiative into an opportunity stage converts it, as the
        # stock "Convert to Opportunity" wizard does with its defaults.
        others = self - leads
        if others:
            super(CrmLead, others).write(vals)
        result = super(CrmLead, leads).write(dict(vals, type="opportunity", date_conversion=self.env.cr.now()))
        leads._canvas_assign_customers()
        leads._canvas_log_conversion(stage)
        return result

    def _canvas_assign_customers(self):
        """Link each converted lead to its customer like the stock wizard's
        defaults: an existing partner matching the email, else a new one made
        from the lead's data (company and contact). Batched: one search and
        at most two partner creations for the whole recordset."""
        todo = self.filtered(lambda lead: not lead.partner_id)
        if not todo:
            return
        # mail.thread's create subscribes and logs partner by partner; skip it
        # (tracking_disable) and do the same for the whole batch below
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        emails = list({lead.email_normalized for lead in todo if lead.email_normalized})
        matching = {}
        if emails:
            for partner in Partner.search([("email_normalized", "in", emails)], order="is_company desc, id"):
                matching.setdefault(partner.email_normalized, partner)
        partner_by_lead = {}
        to_create = self.browse()
        for lead in todo:
            if lead.email_normalized in matching:
                partner_by_lead[lead] = matching[lead.email_normalized]
            else:
                to_create |= lead
        # companies first, then their contacts (stock `_create_customer`)
        with_company = to_create.filtered("partner_name")
        companies = Partner.create(
            [lead._prepare_customer_values(lead.partner_name, is_company=True) for lead in with_company]
        )
        company_by_lead = dict(zip(with_company, companies, strict=True))
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
        for lead, partner in zip(contact_leads, contacts, strict=True):
            partner_by_lead[lead] = partner
        for lead, partner in partner_by_lead.items():
            lead.partner_id = partner
        self._canvas_follow_and_log(companies | contacts)

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
        partners._message_log_batch(bodies={partner.id: partner._creation_message() for partner in partners})

    def _canvas_log_conversion(self, stage=None):
        bodies = {}
        for lead in self:
            body = self.env._(
                "Converted to opportunity by moving it to the stage %(stage)s.",
                stage=(stage or lead.stage_id).display_name,
            )
            bodies[lead.id] = Markup("<p>%s</p>") % body
        self._message_log_batch(bodies=bodies)
