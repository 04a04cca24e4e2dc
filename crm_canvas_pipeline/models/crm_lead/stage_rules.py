"""Stage rules, set by sales managers on the stage form: fields a record
must have before it enters a stage, an open next action, and the pipeline's
move rules (no skipping forward, no moving back; CRM settings that a team can
override). Checked for every way a stage changes, before anything is
written: the error names each record and what it lacks, and a batch with one
bad record writes nothing. A sales manager's bypass of a move rule (when a
setting allows it) is logged."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import str2bool

from ...tools import system
from ...tools.input_check import is_set
from ..res_config_settings import FORBID_BACK_PARAM, FORBID_SKIP_PARAM, MANAGER_BYPASS_PARAM
from .stage_history import MOVED_BY


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # stock's text of the stage (the column's tooltip), on the form too
    canvas_stage_guidance = fields.Text(related="stage_id.requirements", string="Stage requirements")
    canvas_next_stage_needs = fields.Char("Next stage needs", compute="_compute_canvas_next_stage_needs")

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        # a record created in a stage meets its rules as it is once created
        # (its defaults, computed values and planned next action); move rules
        # are about moves
        required = self.env["crm.stage"]._canvas_required_fields()
        for stage, created in leads.grouped("stage_id").items():
            if stage.id in required or stage.requires_next_action:
                created._canvas_check_stage_rules(stage, {}, moving=False)
        return leads

    def write(self, vals):
        stage = self.env["crm.stage"].browse(vals.get("stage_id"))
        bypassed = {}
        if stage:
            bypassed = self.filtered(lambda lead: lead.stage_id != stage)._canvas_check_stage_rules(stage, vals)
        # a change of type, team or salesperson may move a record to another
        # stage (stock recomputes it): that stage is only known once written,
        # and is checked then, as a constraint is (the error undoes the write)
        before = {lead.id: lead.stage_id for lead in self} if not stage and MOVED_BY & vals.keys() else None
        result = super().write(vals)
        if before is not None:
            moved = self.filtered(lambda lead: lead.stage_id and lead.stage_id != before[lead.id])
            for new_stage, leads in moved.grouped("stage_id").items():
                for lead, rule in leads._canvas_check_stage_rules(new_stage, {}, before=before).items():
                    bypassed[lead] = (new_stage, rule)
        elif bypassed:
            bypassed = {lead: (stage, rule) for lead, rule in bypassed.items()}
        if bypassed:
            self._canvas_log_bypass(bypassed)
        return result

    def _canvas_check_stage_rules(self, stage, vals, moving=True, before=None):
        """Refuse to put any record of `self` in `stage` if that breaks a
        rule: the stage's required fields (values being written count), its
        next action, and the pipeline's move rules (from the stage each
        record is in, or was in `before` {lead id: stage}). Nothing is
        written then; the error names every record and what it lacks. A few
        queries for the whole batch. Returns {lead: rule} for the move rules
        a sales manager bypassed."""
        if not self:
            return {}
        problems = defaultdict(list)
        for fname in self.env["crm.stage"]._canvas_required_fields().get(stage.id, ()):
            if fname not in self._fields:
                continue
            label = self._fields[fname]._description_string(self.env)
            if fname in vals:
                if not is_set(vals[fname]):
                    for lead in self:
                        problems[lead].append(label)
                continue
            for lead in self:
                if not lead[fname]:
                    problems[lead].append(label)
        if stage.requires_next_action and not self._canvas_plans(vals):
            planned = {
                res_id
                for (res_id,) in self.env["mail.activity"]
                .sudo()
                .with_context(active_test=True)
                ._read_group([("res_model", "=", "crm.lead"), ("res_id", "in", self.ids)], ["res_id"])
            }
            for lead in self:
                if lead.id not in planned:
                    problems[lead].append(self.env._("a next action"))
        bypassed = {}
        if moving:
            for lead, rule in self._canvas_broken_move_rules(stage, before).items():
                if self._canvas_may_bypass():
                    bypassed[lead] = rule
                else:
                    problems[lead].append(rule)
        if problems:
            lines = "\n".join(
                "- %s: %s" % (lead.display_name, ", ".join(missing)) for lead, missing in problems.items()
            )
            raise UserError(
                self.env._(
                    "These records cannot go to the stage “%(stage)s” yet:\n%(lines)s",
                    stage=stage.display_name,
                    lines=lines,
                )
            )
        return bypassed

    def _canvas_broken_move_rules(self, stage, before=None):
        """{lead: rule} for the records whose move into `stage` skips stages
        forward or goes back while their team forbids it, or leaves the
        stages of their team. Winning is never a skip."""
        params = self.env["ir.config_parameter"].sudo()
        skip_default = str2bool(params.get_param(FORBID_SKIP_PARAM, "False"))
        back_default = str2bool(params.get_param(FORBID_BACK_PARAM, "False"))
        team_rules = self.env["crm.team"]._canvas_move_rules()
        broken, orders = {}, {}
        if not (skip_default or back_default or team_rules):
            return broken
        for lead in self:
            team = lead.team_id
            skip, back = team_rules.get(team.id, ("default", "default"))
            forbid_skip = skip == "forbid" or (skip != "allow" and skip_default)
            forbid_back = back == "forbid" or (back != "allow" and back_default)
            current_stage = before[lead.id] if before else lead.stage_id
            if not (forbid_skip or forbid_back) or not current_stage:
                continue
            if team not in orders:
                orders[team] = self._canvas_stage_order(team)
            order = orders[team]
            if stage.id not in order:
                # another team's stage, or an archived one: no order to follow
                broken[lead] = self.env._("it is not a stage of its team's pipeline")
                continue
            if current_stage.id not in order:
                continue  # from outside the team's stages: any of them will do
            current, target = order.index(current_stage.id), order.index(stage.id)
            if forbid_skip and target > current + 1 and not stage.is_won:
                broken[lead] = self.env._("it would skip stages (one stage at a time)")
            elif forbid_back and target < current:
                broken[lead] = self.env._("it would move back")
        return broken

    @api.model
    def _canvas_stage_order(self, team):
        """Ids of the stages a record of `team` goes through, in board order."""
        return list(self.env["crm.stage"]._canvas_board_order(team.id or False, bool(team.use_initiative_stages)))

    def _canvas_may_bypass(self):
        return self.env.user.has_group("sales_team.group_sale_manager") and str2bool(
            self.env["ir.config_parameter"].sudo().get_param(MANAGER_BYPASS_PARAM, "False")
        )

    def _canvas_log_bypass(self, bypassed):
        """Log {lead: (stage, rule)}: the move rules a sales manager bypassed."""
        bodies = {
            lead.id: Markup("<p>%s</p>")
            % self.env._(
                "Moved to %(stage)s by %(user)s although %(rule)s: a sales manager's bypass.",
                stage=stage.display_name,
                user=self.env.user.name,
                rule=rule,
            )
            for lead, (stage, rule) in bypassed.items()
        }
        system.log(self, bodies)

    @api.depends("stage_id", "team_id", "type", "next_action_date")
    @api.depends_context("uid")
    def _compute_canvas_next_stage_needs(self):
        Stage = self.env["crm.stage"]
        orders, required = {}, Stage._canvas_required_fields()
        next_action_stages = Stage._canvas_next_action_stage_ids()
        for lead in self:
            lead.canvas_next_stage_needs = False
            if not lead.stage_id:
                continue
            team = lead.team_id
            if team not in orders:
                orders[team] = self._canvas_stage_order(team)
            order = orders[team]
            if lead.stage_id.id not in order or order.index(lead.stage_id.id) + 1 >= len(order):
                continue
            following_id = order[order.index(lead.stage_id.id) + 1]
            needs = [
                self._fields[fname]._description_string(self.env)
                for fname in required.get(following_id, ())
                if fname in self._fields and not lead[fname]
            ]
            if following_id in next_action_stages and not lead.next_action_date:
                needs.append(self.env._("a next action"))
            if needs:  # the stage itself is read only to name it
                lead.canvas_next_stage_needs = self.env._(
                    "To move to %(stage)s: %(needs)s",
                    stage=Stage.browse(following_id).display_name,
                    needs=", ".join(needs),
                )
