"""19.0.1.3.0 -> 19.0.1.4.0: the next action's columns lose their indexes, so
that rewriting them (an activity done, rescheduled, planned) can keep the
lead's row on its page. The next activity is computed when read: its column,
a copy of the earliest open activity's id, goes with its foreign key (which
needed an index, or every deleted activity would scan the leads)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """DROP INDEX IF EXISTS crm_lead__next_activity_id_index,
                                crm_lead__next_action_type_id_index,
                                crm_lead__next_action_date_index,
                                crm_lead__next_action_user_id_index"""
    )
    cr.execute("ALTER TABLE crm_lead DROP COLUMN IF EXISTS next_activity_id")
