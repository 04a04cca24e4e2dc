"""19.0.1.2.0 -> 19.0.1.3.0: the next action's icon is stored on crm.lead.

Its column is created and filled in SQL before the ORM loads the field, as
the install does: otherwise the upgrade would compute it lead by lead."""

from odoo.addons.crm_canvas_pipeline.tools.install_sql import fill_next_action_icon


def migrate(cr, version):
    if version:
        fill_next_action_icon(cr)
