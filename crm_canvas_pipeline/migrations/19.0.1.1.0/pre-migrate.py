"""19.0.1.0.0 -> 19.0.1.1.0: the next-action mirror on crm.lead is new.

Its columns are created and filled in SQL before the ORM loads the new
fields, as the install does: otherwise the upgrade would compute them lead
by lead."""

from odoo.addons.crm_canvas_pipeline.tools.install_sql import fill_next_action_mirror


def migrate(cr, version):
    if version:
        fill_next_action_mirror(cr)
