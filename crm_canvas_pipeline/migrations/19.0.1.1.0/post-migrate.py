"""19.0.1.0.0 -> 19.0.1.1.0: the stage history is new.

The leads that exist get their history rebuilt from stock's stage tracking,
as at install (the table the ORM just created is empty)."""

from odoo import SUPERUSER_ID, api
from odoo.addons.crm_canvas_pipeline.tools.install_sql import backfill_stage_history


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT 1 FROM crm_lead_stage_history LIMIT 1")
    if not cr.fetchone():
        backfill_stage_history(api.Environment(cr, SUPERUSER_ID, {}))
