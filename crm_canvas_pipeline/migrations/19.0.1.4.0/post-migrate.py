"""19.0.1.3.0 -> 19.0.1.4.0: the leads table is compacted with room left on
every page (fillfactor 90), as the install does."""

from odoo.addons.crm_canvas_pipeline.hooks import compact_lead_table


def migrate(cr, version):
    if version:
        compact_lead_table(cr)
