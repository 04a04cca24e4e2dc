"""19.0.1.5.0 -> 19.0.1.6.0: the module no longer administers crm_lead.
19.0.1.4.0 gave the table a fillfactor of 90 (room on every page); it gets
PostgreSQL's default back. A change in the catalog: no row is rewritten."""


def migrate(cr, version):
    if version:
        cr.execute("ALTER TABLE crm_lead RESET (fillfactor)")
