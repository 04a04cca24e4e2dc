"""19.0.1.2.0 -> 19.0.1.3.0: the pre-migration's icon fill rewrote every lead
with a next action; the table is compacted again, as the install does."""

from odoo.addons.crm_canvas_pipeline.hooks import compact_lead_table


def migrate(cr, version):
    if version:
        compact_lead_table(cr)
