from odoo import fields, models
from odoo.tools import SQL

from ..models.crm_lead_stage_history import OUTCOMES, STAGE_KINDS


class CrmLeadStageReport(models.Model):
    """One row per stay of a lead in a stage (the stage history), with what a
    manager sums: records that reached the stage and moved on, days the stay
    took, and where the records closed, won or lost, with their value."""

    _name = "crm.lead.stage.report"
    _inherit = ["crm.canvas.stage.ordered"]
    _description = "Pipeline flow analysis"
    _auto = False
    _order = "date_in desc, id desc"
    _rec_name = "stage_id"

    lead_id = fields.Many2one("crm.lead", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    stage_kind = fields.Selection(STAGE_KINDS, "Kind", readonly=True)
    lead_type = fields.Selection(STAGE_KINDS, "Type", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales team", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    tag_ids = fields.Many2many(related="lead_id.tag_ids", string="Tags")
    lost_reason_id = fields.Many2one("crm.lost.reason", "Lost reason", readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    date_in = fields.Datetime("Entered", readonly=True)
    date_out = fields.Datetime("Left", readonly=True)
    date_closed = fields.Datetime("Closed on", readonly=True)
    days = fields.Float("Days in stage (average)", aggregator="avg", readonly=True)
    days_median = fields.Float("Days in stage (median)", aggregator="median", readonly=True)
    reached_count = fields.Integer("Reached", aggregator="sum", readonly=True, help="Records that reached the stage.")
    moved_on_count = fields.Integer(
        "Moved on", aggregator="sum", readonly=True, help="Records that reached the stage, then a later one."
    )
    moved_on_rate = fields.Float(
        "Moved on (%)", aggregator="avg", readonly=True, help="Share of the records reaching the stage that moved on."
    )
    record_count = fields.Integer("Records", aggregator="sum", readonly=True, help="Records that entered the pipeline.")
    opportunity_count = fields.Integer(
        "Became opportunities", aggregator="sum", readonly=True, help="Records that reached an opportunity stage."
    )
    won_count = fields.Integer("Won", aggregator="sum", readonly=True)
    lost_count = fields.Integer("Lost", aggregator="sum", readonly=True)
    won_value = fields.Float("Won value", aggregator="sum", readonly=True)
    lost_value = fields.Float("Lost value", aggregator="sum", readonly=True)

    @property
    def _table_query(self):
        # stages in pipeline order (crm_stage.pipeline_key) to tell forward moves
        return SQL(
            """
            WITH stage_order AS (
                SELECT id, ROW_NUMBER() OVER (
                           ORDER BY stage_kind != 'lead', COALESCE(is_won, FALSE), sequence, id
                       ) AS position
                  FROM crm_stage
            ), stay AS (
                SELECT history.*,
                       stage_order.position,
                       ROW_NUMBER() OVER by_lead AS lead_rank,
                       ROW_NUMBER() OVER (PARTITION BY history.lead_id, history.stage_id
                                              ORDER BY history.date_in, history.id) AS stage_rank,
                       ROW_NUMBER() OVER (PARTITION BY history.lead_id, history.stage_kind
                                              ORDER BY history.date_in, history.id) AS kind_rank,
                       MAX(stage_order.position) OVER (by_lead ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
                           AS later_position
                  FROM crm_lead_stage_history history
             LEFT JOIN stage_order ON stage_order.id = history.stage_id
                 WHERE history.lead_id IS NOT NULL
                WINDOW by_lead AS (PARTITION BY history.lead_id ORDER BY history.date_in, history.id)
            )
            SELECT stay.id,
                   stay.lead_id,
                   stay.stage_id,
                   stay.stage_kind,
                   stay.lead_type,
                   stay.team_id,
                   stay.user_id,
                   stay.company_id,
                   lead.source_id,
                   lead.lost_reason_id,
                   stay.outcome,
                   stay.date_in,
                   stay.date_out,
                   lead.date_closed,
                   stay.duration_days AS days,
                   stay.duration_days AS days_median,
                   CASE WHEN stay.stage_rank = 1 THEN 1 ELSE 0 END AS reached_count,
                   CASE WHEN stay.stage_rank = 1 AND stay.later_position > stay.position THEN 1 ELSE 0 END
                       AS moved_on_count,
                   CASE WHEN stay.stage_rank = 1
                        THEN CASE WHEN stay.later_position > stay.position THEN 100.0 ELSE 0.0 END
                   END AS moved_on_rate,
                   CASE WHEN stay.lead_rank = 1 THEN 1 ELSE 0 END AS record_count,
                   CASE WHEN stay.stage_kind = 'opportunity' AND stay.kind_rank = 1 THEN 1 ELSE 0 END
                       AS opportunity_count,
                   CASE WHEN stay.date_out IS NULL AND stay.outcome = 'won' THEN 1 ELSE 0 END AS won_count,
                   CASE WHEN stay.date_out IS NULL AND stay.outcome = 'lost' THEN 1 ELSE 0 END AS lost_count,
                   CASE WHEN stay.date_out IS NULL AND stay.outcome = 'won' THEN lead.expected_revenue ELSE 0 END
                       AS won_value,
                   CASE WHEN stay.date_out IS NULL AND stay.outcome = 'lost' THEN lead.expected_revenue ELSE 0 END
                       AS lost_value
              FROM stay
              JOIN crm_lead lead ON lead.id = stay.lead_id
            """
        )

    def _read_group_select(self, aggregate_spec, query):
        # the pivot's median: PostgreSQL's, on the same stays as the average
        fname, __, func = aggregate_spec.partition(":")
        if func == "median" and fname in self._fields:
            return SQL("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %s)", self._field_to_sql(self._table, fname, query))
        return super()._read_group_select(aggregate_spec, query)
