from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from ..tools import schema

# what the cached rules and board orders below are read from
CACHED_FIELDS = {"required_field_ids", "requires_next_action", "active", "sequence", "team_ids", "stage_kind", "is_won"}


def pipeline_key(stage):
    """Pipeline order, the order in which stages are shown: initiative
    stages, then the pipeline, then the won stages, each by sequence. Its
    SQL form is models/stage_order.py's (a test proves both agree)."""
    return (stage.stage_kind != "lead", bool(stage.is_won), stage.sequence, stage.id)


class CrmStage(models.Model):
    _inherit = "crm.stage"
    # pipeline stages first, as before the module: code that takes "the first
    # stage" gets a pipeline stage; kanban columns are ordered in crm.lead
    _order = "stage_kind desc, sequence, name, id"

    stage_kind = fields.Selection(
        [("lead", "Initiative"), ("opportunity", "Opportunity")],
        string="Kind",
        required=True,
        default="opportunity",
        index=True,
        help="Initiative stages hold leads (Iniciativas) before they are qualified; "
        "opportunity stages make the sales pipeline. A lead dropped into an opportunity "
        "stage becomes an opportunity.",
    )

    active = fields.Boolean(default=True, help="Archive a stage you no longer use: its records keep it.")
    required_field_ids = fields.Many2many(
        "ir.model.fields",
        "crm_stage_required_field_rel",
        "stage_id",
        "field_id",
        string="Required fields",
        domain="[('model', '=', 'crm.lead'), ('store', '=', True), ('readonly', '=', False), "
        "('ttype', 'not in', ('one2many', 'binary', 'properties', 'properties_definition')), "
        "('name', 'not in', ('stage_id', 'active', 'type', 'company_id'))]",
        help="A record can only enter this stage once these fields are filled in.",
    )
    requires_next_action = fields.Boolean(
        "Requires a next action", help="A record can only enter this stage with an open activity planned."
    )

    def init(self):
        # a registry without this module (crm's, during `-u crm`) still creates stages
        schema.keep_column_defaults(self, "stage_kind")
        return super().init()

    @api.constrains("stage_kind", "is_won")
    def _check_stage_kind_won(self):
        if self.filtered(lambda stage: stage.stage_kind == "lead" and stage.is_won):
            raise ValidationError(self.env._("A won stage is an opportunity stage: it cannot be an initiative stage."))

    @api.onchange("is_won")
    def _onchange_is_won(self):
        # Stock warns that changing "Is Won Stage" recomputes the probabilities
        # of the stage's records. The form's first onchange runs it too, so a
        # sales manager creating a stage (our Stages menu needs no debug mode)
        # got the warning before touching anything: a new stage holds nothing.
        if not self._origin:
            return None
        return super()._onchange_is_won()

    @api.model
    @tools.ormcache()
    def _canvas_required_fields(self):
        """{stage id: names of its required fields}: every card moved checks
        the stage it enters, and the rules change only when a manager edits
        a stage. Read once per cache, cleared by those edits."""
        self.flush_model(["required_field_ids"])
        self.env.cr.execute(
            """
            SELECT rel.stage_id, array_agg(field.name ORDER BY field.id)
              FROM crm_stage_required_field_rel rel
              JOIN ir_model_fields field ON field.id = rel.field_id
             GROUP BY rel.stage_id
            """
        )
        return {stage_id: tuple(names) for stage_id, names in self.env.cr.fetchall()}

    @api.model
    @tools.ormcache()
    def _canvas_next_action_stage_ids(self):
        """Ids of the stages that require a next action, cached as the
        required fields are."""
        self.flush_model(["requires_next_action"])
        self.env.cr.execute("SELECT id FROM crm_stage WHERE requires_next_action")
        return frozenset(stage_id for (stage_id,) in self.env.cr.fetchall())

    @api.model
    @tools.ormcache("team_id", "with_initiatives")
    def _canvas_board_order(self, team_id, with_initiatives):
        """Ids of the active stages a record of team `team_id` (False: no
        team) goes through, in pipeline order: initiative stages first (if
        the team uses them), then the pipeline's, then the won ones. The move rules and the form's
        "to move to" line read it for every card; it changes only when a
        manager edits stages or a team's use of initiative stages. Read once
        per cache, cleared by those edits."""
        domain = Domain("team_ids", "=", False)
        if team_id:
            domain |= Domain("team_ids", "in", [team_id])
        if not with_initiatives:
            domain &= Domain("stage_kind", "=", "opportunity")
        stages = self.sudo().with_context(active_test=True).search(domain)
        return tuple(stages.sorted(pipeline_key).ids)

    @api.model
    @tools.ormcache()
    def _canvas_has_archived_stages(self):
        """Whether any stage is archived. Read once per cache, cleared when
        a stage is archived, restored or created."""
        self.flush_model(["active"])
        self.env.cr.execute("SELECT EXISTS(SELECT 1 FROM crm_stage WHERE active IS NOT TRUE)")
        return self.env.cr.fetchone()[0]

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, active_test=True, bypass_access=False):
        # Stock searches stages several times per card moved (the predictive
        # scoring looks up the won stages and each team's stages). The archive
        # filter that `active` brings makes every such domain a conjunction,
        # whose optimisation costs more than the rest of the search. While no
        # stage is archived the filter keeps every stage: it is left out.
        if active_test and not self._canvas_has_archived_stages():
            active_test = False
        return super()._search(domain, offset, limit, order, active_test=active_test, bypass_access=bypass_access)

    @api.model_create_multi
    def create(self, vals_list):
        stages = super().create(vals_list)
        self.env.registry.clear_cache()  # a new stage is on the boards; after the write: nothing re-reads the old state
        return stages

    def write(self, vals):
        if "stage_kind" in vals:
            self._check_kind_change(vals["stage_kind"])
        result = super().write(vals)
        if vals.keys() & CACHED_FIELDS:
            self.env.registry.clear_cache()  # after the write: nothing re-reads the old state
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()  # the stage leaves the boards
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = self._records_in_stages()
        if used:
            raise UserError(
                self.env._(
                    "The stage “%(stage)s” holds %(count)s records (archived ones included): it cannot be "
                    "deleted. Archive it instead.",
                    stage=used[0][0].display_name,
                    count=used[0][1],
                )
            )

    def _check_kind_change(self, new_kind):
        """Refuse to change the kind of stages that hold records of the other kind."""
        stages = self.filtered(lambda stage: stage.stage_kind != new_kind)
        if not stages:
            return
        other_type = "opportunity" if new_kind == "lead" else "lead"
        groups = stages._records_in_stages([("type", "=", other_type)])
        if groups:
            raise ValidationError(
                self.env._(
                    "The kind of stage “%(stage)s” cannot change: %(count)s records of the other kind "
                    "(archived ones included) are in it. Move them to another stage first.",
                    stage=groups[0][0].display_name,
                    count=groups[0][1],
                )
            )

    def _records_in_stages(self, domain=()):
        """[(stage, count)] of the records, archived ones included, in these stages."""
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .sudo()
            ._read_group([("stage_id", "in", self.ids), *domain], ["stage_id"], ["__count"])
        )
