"""19.0.1.4.0 -> 19.0.1.5.0: the contact policy and re-target date indexes
hold only the leads that are not "allowed" / that have a date. Odoo keeps an
index it finds under the expected name, whatever its definition: the full
ones go, and the module's load creates the partial ones."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP INDEX IF EXISTS crm_lead__contact_policy_index, crm_lead__retarget_date_index")
