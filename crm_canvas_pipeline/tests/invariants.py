"""What must hold in the database after any scenario, whoever did what.

The one definition of the module's invariants, for the two places that check
them: the tests (``CanvasCommon.assertCanvasInvariants``, on the test's
cursor) and the load run (``scripts/load/load.py``, with plain psycopg2 once
Odoo has stopped). It imports nothing of Odoo, so that the load run can load
it by its path.

``INVARIANTS`` maps a name to ``(description, sql)``: the query returns the
ids of the leads that break the invariant, no row when it holds. The queries
read the tables: the ORM must have flushed first. They hold no ``%``, so they
run as they are, with or without parameters.
"""

from collections import namedtuple

Invariant = namedtuple("Invariant", "description sql")

# the class marks of the chatter lines that record a do-not-contact and its
# lifting: the same in every language (models/crm_lead/contact_policy.py)
DNC_MARK = "o_canvas_do_not_contact"
ALLOWED_MARK = "o_canvas_contact_allowed"

# the chatter lines of crm.lead that record a do-not-contact and a lift; a
# line with both marks counts as a do-not-contact
_DNC_LINE = "m.model = 'crm.lead' AND strpos(m.body, '%s') > 0" % DNC_MARK
_LIFT_LINE = "m.model = 'crm.lead' AND strpos(m.body, '%s') > 0 AND strpos(m.body, '%s') = 0" % (
    ALLOWED_MARK,
    DNC_MARK,
)

# Partners who may lift a do-not-contact: the users of sales_team's manager
# group or of a group that implies it (Odoo 19 keeps only the explicit
# memberships in res_groups_users_rel; res.groups.all_user_ids follows
# res_groups_implied_rel, gid implying hid, transitively), and the root user.
_LIFTERS = """
    WITH RECURSIVE manager_groups(id) AS (
        SELECT res_id FROM ir_model_data
         WHERE module = 'sales_team' AND name = 'group_sale_manager' AND model = 'res.groups'
        UNION
        SELECT implied.gid FROM res_groups_implied_rel implied JOIN manager_groups g ON g.id = implied.hid
    ), lifters(partner_id) AS (
        SELECT u.partner_id FROM res_users u
          JOIN res_groups_users_rel member ON member.uid = u.id
          JOIN manager_groups g ON g.id = member.gid
        UNION
        SELECT u.partner_id FROM res_users u
          JOIN ir_model_data d ON d.model = 'res.users' AND d.res_id = u.id
         WHERE d.module = 'base' AND d.name = 'user_root'
    )"""

INVARIANTS = {
    "lost_lead_has_a_loss_row": Invariant(
        "every lost lead has its row in the lost archive",
        """
        SELECT l.id FROM crm_lead l
         WHERE l.won_status = 'lost'
           AND NOT EXISTS (SELECT 1 FROM crm_lead_loss x WHERE x.lead_id = l.id)
        """,
    ),
    "no_lead_in_a_stage_of_the_wrong_kind": Invariant(
        "a lead of a team with initiative stages sits in an initiative stage; every other record "
        "(opportunities, leads of other teams or of no team) in an opportunity stage",
        """
        SELECT l.id FROM crm_lead l
          JOIN crm_stage s ON s.id = l.stage_id
          LEFT JOIN crm_team t ON t.id = l.team_id
         WHERE s.stage_kind IS DISTINCT FROM
               CASE WHEN l.type = 'lead' AND COALESCE(t.use_initiative_stages, FALSE)
                    THEN 'lead' ELSE 'opportunity' END
        """,
    ),
    "next_action_mirrors_earliest_open_activity": Invariant(
        "the next action (type, date, summary, assignee) is the lead's earliest open activity "
        "(by deadline, then id), or empty without one",
        """
        SELECT l.id FROM crm_lead l
          LEFT JOIN LATERAL (
                SELECT a.activity_type_id, a.date_deadline, a.summary, a.user_id FROM mail_activity a
                 WHERE a.res_model = 'crm.lead' AND a.res_id = l.id AND a.active
                 ORDER BY a.date_deadline, a.id LIMIT 1
          ) first ON TRUE
         WHERE l.next_action_type_id IS DISTINCT FROM first.activity_type_id
            OR l.next_action_date IS DISTINCT FROM first.date_deadline
            OR COALESCE(l.next_action_summary, '') IS DISTINCT FROM COALESCE(first.summary, '')
            OR l.next_action_user_id IS DISTINCT FROM first.user_id
        """,
    ),
    "do_not_contact_lead_has_no_open_activity": Invariant(
        "a do-not-contact lead has no open activity",
        """
        SELECT DISTINCT l.id FROM crm_lead l
          JOIN mail_activity a ON a.res_model = 'crm.lead' AND a.res_id = l.id AND a.active
         WHERE l.contact_policy = 'do_not_contact'
        """,
    ),
    "do_not_contact_on_the_blacklists": Invariant(
        "the email and phone of a do-not-contact lead are on the (active) email and phone blacklists",
        """
        SELECT l.id FROM crm_lead l
         WHERE l.contact_policy = 'do_not_contact'
           AND ((l.email_normalized IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM mail_blacklist b WHERE b.email = l.email_normalized AND b.active))
             OR (l.phone_sanitized IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM phone_blacklist p WHERE p.number = l.phone_sanitized AND p.active)))
        """,
    ),
    "contact_allowed_again_only_by_a_sales_manager": Invariant(
        "every chatter line lifting a do-not-contact is authored by a sales manager (a member of the "
        "group now) or the system",
        _LIFTERS
        + """
        SELECT DISTINCT l.id FROM crm_lead l
          JOIN mail_message m ON m.res_id = l.id AND %s
         WHERE m.author_id IS NULL OR m.author_id NOT IN (SELECT partner_id FROM lifters)
        """
        % _LIFT_LINE,
    ),
    "do_not_contact_lifted_after_it_was_asked": Invariant(
        "a lead that was ever recorded do-not-contact (a chatter line, or a loss whose policy is "
        "do not contact) and is not one any more has a lift line after the last record and no "
        "earlier than the last such loss",
        """
        SELECT l.id FROM crm_lead l
          LEFT JOIN LATERAL (SELECT max(m.id) AS id FROM mail_message m WHERE m.res_id = l.id AND %s) asked ON TRUE
          LEFT JOIN LATERAL (
                SELECT max(date_trunc('second', x.date)) AS date FROM crm_lead_loss x
                 WHERE x.lead_id = l.id AND x.contact_policy = 'do_not_contact'
          ) lost ON TRUE
          LEFT JOIN LATERAL (
                SELECT m.id, m.date FROM mail_message m WHERE m.res_id = l.id AND %s ORDER BY m.id DESC LIMIT 1
          ) lift ON TRUE
         WHERE l.contact_policy IS DISTINCT FROM 'do_not_contact'
           AND (asked.id IS NOT NULL OR lost.date IS NOT NULL)
           AND (lift.id IS NULL OR lift.id < asked.id OR lift.date < lost.date)
        """
        % (_DNC_LINE, _LIFT_LINE),
    ),
    "every_staged_lead_has_stage_history": Invariant(
        "a record with a stage has at least one stay in the stage history",
        """
        SELECT l.id FROM crm_lead l
         WHERE l.stage_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM crm_lead_stage_history h WHERE h.lead_id = l.id)
        """,
    ),
    "last_stay_is_open_and_in_the_current_stage": Invariant(
        "the last stay of a record with a stage (by entry, then id) is open and in its current stage",
        """
        SELECT l.id FROM crm_lead l
          JOIN LATERAL (
                SELECT h.stage_id, h.date_out FROM crm_lead_stage_history h
                 WHERE h.lead_id = l.id ORDER BY h.date_in DESC, h.id DESC LIMIT 1
          ) last ON TRUE
         WHERE l.stage_id IS NOT NULL
           AND (last.stage_id IS DISTINCT FROM l.stage_id OR last.date_out IS NOT NULL)
        """,
    ),
    "stays_follow_each_other": Invariant(
        "the stays of a record do not overlap: each but the last is closed, no later than the next "
        "one starts (so one stay at most is open)",
        """
        SELECT DISTINCT stay.lead_id FROM (
                SELECT h.lead_id, h.date_out,
                       lead(h.date_in) OVER (PARTITION BY h.lead_id ORDER BY h.date_in, h.id) AS next_in
                  FROM crm_lead_stage_history h WHERE h.lead_id IS NOT NULL
          ) stay
         WHERE stay.next_in IS NOT NULL AND (stay.date_out IS NULL OR stay.date_out > stay.next_in)
        """,
    ),
}


def violations(cr):
    """{name: sorted ids of the violating leads} for every invariant; `cr`
    is a DB-API cursor (Odoo's or psycopg2's)."""
    found = {}
    for name, invariant in INVARIANTS.items():
        cr.execute(invariant.sql)
        found[name] = sorted(row[0] for row in cr.fetchall())
    return found
