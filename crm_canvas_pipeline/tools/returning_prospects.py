"""The one read of the returning-prospect check in SQL (models/crm_lead/
contact_policy.py, `_canvas_flag_returning_prospects`).

Which other leads of the same prospects (same normalised email or sanitised
phone) were lost, or ask not to be contacted. Through the ORM this is one
search with an OR of the two (`contact_policy = 'do_not_contact' OR
loss_ids != False`), and PostgreSQL then looks every email up in crm_lead's
trigram index of emails: inside the transaction that has just inserted the
new leads, whose entries wait in the index's pending list, creating 1,000
leads in one call spent 3.6 s in that search at 10,000 leads (the whole
create: 1.27 times stock's). Two searches, each led by a small set (the
do-not-contact leads' partial index; the loss rows) took under 10 ms, but
cost a creation of one lead a query over stock's budget (test_crm_full's
test_lead_create_single_*, 30). So: the two searches, in one statement.
The caller flushes the fields it reads."""

from odoo.tools import SQL


def earlier_lead_ids(cr, excluded_ids, emails, phones):
    """Ids of the leads, other than `excluded_ids`, with one of `emails` or
    `phones`, that ask not to be contacted or were lost (have a loss row)."""
    match = SQL(
        "id <> ALL(%s) AND (email_normalized = ANY(%s) OR phone_sanitized = ANY(%s))",
        list(excluded_ids),
        list(emails),
        list(phones),
    )
    cr.execute(
        SQL(
            """SELECT id FROM crm_lead WHERE contact_policy = 'do_not_contact' AND %s
                UNION
               SELECT lead_id FROM crm_lead_loss WHERE lead_id IN (SELECT id FROM crm_lead WHERE %s)""",
            match,
            match,
        )
    )
    return [lead_id for (lead_id,) in cr.fetchall()]
