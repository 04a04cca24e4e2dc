"""Stage kinds: the leads of a team that uses initiative stages sit in
initiative stages, every other record in the pipeline's stages.

Owns: which stages a record may pick, which stage a new or converted record
gets, which columns a kanban shows, and the refusal of a record in a stage of
the wrong kind (checked before a write, and as a constraint after any).
"""

from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools.safe_eval import safe_eval

from ...tools.input_check import check_input
from ..crm_stage import pipeline_key

STAGE_KINDS = ("lead", "opportunity")
# the first stage of each (team, kind), shared by the leads of one conversion
FIRST_STAGES_CACHE = "crm_canvas_pipeline.first_stages"


def kind_of(lead_type):
    """The kind of stage a record of this type belongs in."""
    return "lead" if lead_type == "lead" else "opportunity"


def stage_kind_for(lead):
    """The kind of stage `lead` belongs in; initiative stages only for the
    leads of teams that use them."""
    return "lead" if lead.type == "lead" and lead.team_id.use_initiative_stages else "opportunity"


class CrmLead(models.Model):
    # grouped or sorted by stage: in pipeline order (models/stage_order.py)
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.canvas.stage.ordered"]

    # pickers (status bar, form, import) only offer stages of the record's kind
    stage_id = fields.Many2one(
        domain="[('stage_kind', '=', 'lead' if type == 'lead' and use_initiative_stages else 'opportunity'), "
        "'|', ('team_ids', '=', False), ('team_ids', 'in', team_id)]"
    )
    use_initiative_stages = fields.Boolean(related="team_id.use_initiative_stages")

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, frozenset({"stage_id"}), vals_list, defaults=True)
        return super().create(vals_list)

    def write(self, vals):
        # outer to every concern that reads the target stage (its rules, the
        # promotion): it is checked here before any of them reads it; a
        # missing one raises MissingError when read, at no extra query
        check_input(self, frozenset({"stage_id"}), [vals], read_later=frozenset({"stage_id"}))
        if vals.get("stage_id"):
            self._canvas_check_stage_entry(self.env["crm.stage"].browse(vals["stage_id"]), vals)
        return super().write(vals)

    def _canvas_check_stage_entry(self, stage, vals):
        """Refuse, before anything is written, to put a record of `self` in
        a stage of the wrong kind: an opportunity back in an initiative
        stage, or a record of a team without initiative stages in one. (An
        initiative entering the pipeline is promoted, see promotion.py.)"""
        if stage.stage_kind != "lead":
            return
        opportunities = self.filtered(lambda lead: vals.get("type", lead.type) == "opportunity")
        if opportunities:
            raise ValidationError(
                self.env._(
                    "An opportunity cannot go back to the initiative stage “%(stage)s”: %(names)s.",
                    stage=stage.display_name,
                    names=", ".join(opportunities.mapped("display_name")),
                )
            )
        # (a write that changes the team too is checked by the constraint)
        outside = self.filtered(lambda lead: not lead.use_initiative_stages) if "team_id" not in vals else None
        if outside:
            outside[0]._canvas_raise_wrong_kind(stage)

    @api.constrains("stage_id", "type")
    def _check_stage_kind(self):
        for lead in self:
            if lead.stage_id and lead.stage_id.stage_kind != stage_kind_for(lead):
                lead._canvas_raise_wrong_kind(lead.stage_id)

    def _canvas_raise_wrong_kind(self, stage):
        if not self.use_initiative_stages:
            message = self.env._(
                "“%(lead)s” cannot be in the initiative stage “%(stage)s”: its sales team does not use "
                "initiative stages.",
                lead=self.display_name,
                stage=stage.display_name,
            )
        elif self.type == "lead":
            message = self.env._(
                "“%(lead)s” is an initiative: it cannot be in the opportunity stage “%(stage)s”.",
                lead=self.display_name,
                stage=stage.display_name,
            )
        else:
            message = self.env._(
                "“%(lead)s” is an opportunity: it cannot go back to the initiative stage “%(stage)s”.",
                lead=self.display_name,
                stage=stage.display_name,
            )
        raise ValidationError(message)

    @api.depends("team_id", "type")
    def _compute_stage_id(self):
        """Stock fills an empty stage; a stage of the wrong kind (a lead just
        converted through ``type``) is replaced too. One stage search per
        (team, kind), not per record."""
        # shared by the records of one call, and across stock's per-lead
        # conversion loop (see _canvas_first_stages_once)
        first_stages = self.env.cr.cache.get(FIRST_STAGES_CACHE, {})
        for lead in self:
            kind = stage_kind_for(lead)
            if lead.stage_id and lead.stage_id.stage_kind == kind:
                continue
            key = (lead.team_id.id, kind)
            if key not in first_stages:
                first_stages[key] = lead._stage_find(domain=[("fold", "=", False), ("stage_kind", "=", kind)])
            lead.stage_id = first_stages[key]

    def _canvas_move_to_their_kind(self):
        """Move the records of `self` that sit in a stage of the wrong kind
        (their team started or stopped using initiative stages) to the first
        stage of their kind, as the install does: through the write, so with
        their history and the stage rules. One write per (team, kind)."""
        wrong = self.filtered(lambda lead: lead.stage_id and lead.stage_id.stage_kind != stage_kind_for(lead))
        for (_team, kind), leads in wrong.grouped(lambda lead: (lead.team_id, stage_kind_for(lead))).items():
            stage = leads[:1]._stage_find(domain=[("fold", "=", False), ("stage_kind", "=", kind)])
            leads.write({"stage_id": stage.id})

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        domain = list(domain or [])
        if not any(isinstance(leaf, (list, tuple)) and leaf[0] == "stage_kind" for leaf in domain):
            # stock looks for pipeline stages (first stage, won stages, conversion):
            # never hand it an initiative stage
            domain.append(("stage_kind", "=", "opportunity"))
        # archived stages are never a record's new stage, whatever the caller's context
        self = self.with_context(active_test=True)
        return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)

    def convert_opportunity(self, partner, user_ids=False, team_id=False):
        with self._canvas_first_stages_once():
            return super().convert_opportunity(partner, user_ids=user_ids, team_id=team_id)

    @contextmanager
    def _canvas_first_stages_once(self):
        """Stock converts lead by lead (the wizards call convert_opportunity
        once per lead): each leaves its initiative stage for the first
        pipeline stage of its team, found once per team for the whole
        conversion rather than once per lead. Kept on the cursor, which no
        client reaches: the stage is recomputed in whichever environment
        reads it first."""
        cache = self.env.cr.cache
        if FIRST_STAGES_CACHE in cache:
            yield
            return
        cache[FIRST_STAGES_CACHE] = {}
        try:
            yield
        finally:
            cache.pop(FIRST_STAGES_CACHE, None)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Columns of the kind(s) of record the view shows: the Leads kanban
        shows initiative stages, the pipeline opportunity stages, the Canvas
        both. Columns holding records are always kept."""
        kinds = self._canvas_stage_kinds(domain)
        expanded = super()._read_group_stage_ids(stages, domain)
        expanded = expanded.filtered(lambda stage: stage.stage_kind in kinds or stage in stages)
        # initiative columns before the pipeline's, won last
        return expanded.sorted(pipeline_key)

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
        kinds = {kind_of(lead_type) for lead_type in types} or set(STAGE_KINDS)
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
