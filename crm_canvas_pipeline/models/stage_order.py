"""Stages in pipeline order wherever records are grouped or sorted by stage:
initiative stages, then the pipeline, then the won stages, each by sequence.

crm.stage's own order puts pipeline stages first (stock code and tests that
take "the first stage" must get a pipeline one): grouping by that order
would show the funnel upside down. The models that show records by stage
(leads, stage history, loss rows, the stage report) sort their stage_id by
this order instead. It is the SQL form of crm_stage.pipeline_key, which the
Canvas' columns and the move rules use (test_stage_report proves both agree)."""

from odoo import models
from odoo.tools import SQL


class CrmCanvasStageOrdered(models.AbstractModel):
    _name = "crm.canvas.stage.ordered"
    _description = "Records shown by stage in pipeline order"

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        field = self._fields.get(field_name)
        if field_name != "stage_id" or field is None or field.comodel_name != "crm.stage":
            return super()._order_field_to_sql(alias, field_name, direction, nulls, query)
        _comodel, stage = field.join(self, alias, query)
        keys = [
            SQL("(%s != 'lead')", SQL.identifier(stage, "stage_kind")),
            SQL("COALESCE(%s, FALSE)", SQL.identifier(stage, "is_won")),
            SQL.identifier(stage, "sequence"),
            SQL.identifier(stage, "id"),
        ]
        # grouped, the keys are grouped by too (as the ORM does for a comodel's order)
        query._order_groupby.extend(keys)
        terms = []
        if nulls.code == "NULLS FIRST":
            terms.append(SQL("%s IS NOT NULL", SQL.identifier(stage, "id")))
        elif nulls.code == "NULLS LAST":
            terms.append(SQL("%s IS NULL", SQL.identifier(stage, "id")))
        terms.extend(SQL("%s %s", key, direction) for key in keys)
        return SQL(", ").join(terms)
