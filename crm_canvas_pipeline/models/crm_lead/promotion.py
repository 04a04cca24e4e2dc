"""Promotion: an initiative of a canvas team that enters a pipeline stage
becomes an opportunity, as stock's "Convert to Opportunity" wizard does with
its defaults: its type and conversion date, a customer (customer.py), and a
line in the chatter that names its similar records (similar.py). Whatever the path: a drag, the status bar, a mass edit,
an import, a quick create in a pipeline column, RPC.
"""

from markupsafe import Markup

from odoo import api, models

from ...tools import system


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _prepare_create_values(self, vals_list):
        """A lead created straight into a pipeline stage (a quick create in a
        Canvas column, an import) is an opportunity from the start: promoted
        here, where its team is known (precomputed) and before anything
        checks its stage's kind."""
        result = super()._prepare_create_values(vals_list)
        stage_ids = {vals["stage_id"] for vals in result if vals.get("type") == "lead" and vals.get("stage_id")}
        if not stage_ids:
            return result
        pipeline = set(self.env["crm.stage"].browse(stage_ids).filtered(lambda s: s.stage_kind == "opportunity").ids)
        teams = self.env["crm.team"].browse({vals.get("team_id") for vals in result if vals.get("team_id")})
        canvas_teams = set(teams.filtered("use_initiative_stages").ids)
        for vals in result:
            if vals.get("type") == "lead" and vals.get("stage_id") in pipeline and vals.get("team_id") in canvas_teams:
                # a conversion date given (an import) is kept
                vals.update(type="opportunity", date_conversion=vals.get("date_conversion") or self.env.cr.now())
        return result

    @api.model_create_multi
    def create(self, vals_list):
        # promoted by _prepare_create_values: asked for as leads (their value
        # or the default, as Odoo gives it), created as opportunities
        default_type = self.default_get(["type"]).get("type")
        leads = super().create(vals_list)
        promoted = self.browse(
            [
                lead.id
                for lead, vals in zip(leads, vals_list, strict=True)
                if vals.get("type", default_type) == "lead" and lead.type == "opportunity"
            ]
        )
        if promoted:
            similar = promoted._canvas_similar()
            promoted._canvas_assign_customers()
            promoted._canvas_log_conversion(similar=similar)
        return leads

    def write(self, vals):
        stage = self.env["crm.stage"].browse(vals.get("stage_id"))
        promoted = self.browse()
        if stage and stage.stage_kind == "opportunity" and "type" not in vals:
            promoted = self.filtered(lambda lead: lead.type == "lead" and lead.use_initiative_stages)
        if not promoted:
            return super().write(vals)
        # as stock writes the records already won apart: the initiatives that
        # enter the pipeline also get their type and conversion date
        others = self - promoted
        # what they resemble, while they are still initiatives
        similar = promoted._canvas_similar()
        if others:
            super(CrmLead, others).write(vals)
        result = super(CrmLead, promoted).write(dict(vals, type="opportunity", date_conversion=self.env.cr.now()))
        promoted._canvas_assign_customers()
        promoted._canvas_log_conversion(stage, similar)
        return result

    def _canvas_log_conversion(self, stage=None, similar=None):
        """One chatter line per promoted lead, naming its similar records
        (similar.py, as found before the promotion) where it has any."""
        notices = self._canvas_similar_notices(similar or {})
        bodies = {}
        for lead in self:
            body = self.env._(
                "Converted to opportunity by moving it to the stage %(stage)s.",
                stage=(stage or lead.stage_id).display_name,
            )
            bodies[lead.id] = Markup("<p>%s</p>") % body + notices.get(lead.id, Markup())
        system.log(self, bodies)

    def _track_subtype(self, init_values):
        """Leaving an initiative stage is part of a conversion, which stock
        logs without notifying followers: log it the same way. A "Stage
        Changed" notification per converted lead cost a message_post each
        (eight queries a lead in the mass conversion). Winning still
        notifies."""
        self.ensure_one()
        old_stage = init_values.get("stage_id")
        if (
            init_values.get("type") == "lead"
            and self.type == "opportunity"
            and old_stage
            and old_stage.stage_kind == "lead"
            and self.won_status != "won"
        ):
            return False
        return super()._track_subtype(init_values)
