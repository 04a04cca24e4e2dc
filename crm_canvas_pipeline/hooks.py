"""Install and uninstall on a database that already holds a pipeline.

Stock CRM puts leads in pipeline stages too (it never shows them). The canvas
keeps the leads of its teams in initiative stages, so installing turns the
canvas on for every existing team and moves their leads to the first
initiative stage of the team, remembering where each one was;
uninstalling puts them back, so that the stock data is as it was before.
Both are done in SQL: a few statements whatever the number of leads.
"""

import logging
from contextlib import closing
from functools import partial

import psycopg2

from odoo import sql_db
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

BACKUP_TABLE = "crm_canvas_pipeline_stage_backup"


def pre_init_hook(env):
    """Add the columns of existing leads in SQL before the ORM sees them: it
    would otherwise write the contact policy's default on every row, and
    compute the next-action mirror lead by lead."""
    # a required column with a default: the ORM would add it empty, then
    # UPDATE every lead to 'allowed' (a rewrite of the whole table, the
    # longest step of the install on 200,000 leads). PostgreSQL stores a
    # constant default without touching the rows; dropping the default
    # afterwards keeps their value, and the schema is the ORM's own.
    env.cr.execute(
        """ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS contact_policy varchar NOT NULL DEFAULT 'allowed';
           ALTER TABLE crm_lead ALTER COLUMN contact_policy DROP DEFAULT"""
    )
    fill_next_action_mirror(env.cr)


def fill_next_action_mirror(cr):
    """Fill the next-action mirror of existing leads in SQL before the ORM
    sees the new columns: it would otherwise compute them lead by lead.
    The next action is the earliest open activity (deadline, then id).
    Run at install and by the 19.0.1.1.0 migration; the card's icon is
    filled with it (and by the 19.0.1.3.0 migration, which added it)."""
    cr.execute(
        """ALTER TABLE crm_lead
               ADD COLUMN IF NOT EXISTS next_action_type_id integer,
               ADD COLUMN IF NOT EXISTS next_action_date date,
               ADD COLUMN IF NOT EXISTS next_action_summary varchar,
               ADD COLUMN IF NOT EXISTS next_action_user_id integer,
               ADD COLUMN IF NOT EXISTS next_action_icon varchar"""
    )
    cr.execute(
        """UPDATE crm_lead lead
              SET next_action_type_id = first.activity_type_id,
                  next_action_date = first.date_deadline,
                  next_action_summary = first.summary,
                  next_action_user_id = first.user_id,
                  next_action_icon = first.icon
             FROM (SELECT DISTINCT ON (activity.res_id) activity.res_id, activity.activity_type_id,
                          activity.date_deadline, activity.summary, activity.user_id, type.icon
                     FROM mail_activity activity
                LEFT JOIN mail_activity_type type ON type.id = activity.activity_type_id
                    WHERE activity.res_model = 'crm.lead' AND activity.active
                 ORDER BY activity.res_id, activity.date_deadline, activity.id) AS first
            WHERE first.res_id = lead.id"""
    )


def fill_next_action_icon(cr):
    """The card's icon of the next action (19.0.1.3.0), in SQL for the
    leads that have one: the ORM would compute it lead by lead."""
    cr.execute("ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS next_action_icon varchar")
    cr.execute(
        """UPDATE crm_lead lead
              SET next_action_icon = type.icon
             FROM mail_activity_type type
            WHERE type.id = lead.next_action_type_id AND type.icon IS NOT NULL"""
    )


def post_init_hook(env):
    """Turn on the Leads (Iniciativas) feature and put existing leads in
    initiative stages.

    The Leads feature stays a normal setting that an admin can turn off again
    in CRM > Configuration > Settings.
    """
    env.ref("base.group_user")._apply_group(env.ref("crm.group_use_lead"))
    _record_existing_losses(env)
    # stock's "Too expensive": worth trying again in six months (SQL: the
    # stock record itself stays as it was, should the module be removed)
    too_expensive = env.ref("crm.lost_reason_1", raise_if_not_found=False)
    if too_expensive:
        env.cr.execute(
            "UPDATE crm_lost_reason SET contact_policy = 'retarget', retarget_days = 180 WHERE id = %s",
            [too_expensive.id],
        )
        too_expensive.invalidate_recordset(["contact_policy", "retarget_days"])
    # every existing team works the canvas way; teams created later opt in
    env.cr.execute("UPDATE crm_team SET use_initiative_stages = TRUE")
    env["crm.team"].invalidate_model(["use_initiative_stages"])
    _move_existing_leads_to_lead_stages(env)
    backfill_stage_history(env)
    env.flush_all()
    compact_lead_table(env.cr)


LEAD_FILLFACTOR = 90


def compact_lead_table(cr):
    """The install rewrites many leads in SQL (their next action, their move
    into an initiative stage). Each UPDATE leaves the old row and its index
    entries behind, and PostgreSQL never gives that space back by itself:
    the table nearly doubled (4 to 7 MB on 10,000 leads) and its indexes
    grew by half, and every later read and write of a lead paid for it (on
    200,000 leads a card move was 8% and a loss 13% slower than stock's,
    3% and 0% on the compacted table).

    The indexes are rebuilt in the install's transaction. The table itself
    can only be compacted once the rows the install replaced are dead, that
    is after its commit, and VACUUM FULL cannot run in a transaction: it
    runs right after the commit, on a connection of its own. It locks the
    table for its duration (about 13 s on 200,000 leads); if another
    transaction holds the table, it gives up after 10 s and says so in the
    log, and the leads stay as they are. Run at install and by the
    19.0.1.3.0 and 19.0.1.4.0 migrations.

    The compacted pages keep 10% free (fillfactor 90): marking an activity
    done rewrites the lead's next action, which no index covers, and the new
    row then stays on its page (a HOT update, no entry in any of the
    table's indexes) instead of being written elsewhere with an entry in
    each index: 500 leads cost 10 ms instead of 120 ms at 200,000 leads."""
    cr.execute("ALTER TABLE crm_lead SET (fillfactor = %s)" % LEAD_FILLFACTOR)
    cr.execute("REINDEX TABLE crm_lead")
    cr.postcommit.add(partial(vacuum_full_leads, cr.dbname))


def vacuum_full_leads(dbname, lock_timeout="10s"):
    """VACUUM FULL crm_lead on a connection of its own; False if the table
    could not be locked in time."""
    with closing(sql_db.db_connect(dbname).cursor()) as cr:
        cr._cnx.autocommit = True  # VACUUM cannot run in a transaction
        cr.execute(SQL("SET lock_timeout = %s", lock_timeout))
        try:
            cr.execute("VACUUM FULL ANALYZE crm_lead", log_exceptions=False)
        except psycopg2.errors.LockNotAvailable:
            _logger.warning(
                "crm_lead was not compacted after the install of crm_canvas_pipeline: another transaction "
                "held it. Run VACUUM FULL crm_lead when the database is quiet."
            )
            return False
    return True


def _record_existing_losses(env):
    """Leads lost before the install get their loss row, so that the lost
    archive is complete and every lost lead has its history."""
    env.cr.execute(
        """
        INSERT INTO crm_lead_loss (
            lead_id, lead_name, reason_id, contact_policy, stage_id, lead_type, expected_revenue, currency_id,
            user_id, team_id, company_id, date, lost_by_id,
            create_uid, create_date, write_uid, write_date
        )
        SELECT lead.id, lead.name, lead.lost_reason_id, 'none', lead.stage_id, lead.type, lead.expected_revenue,
               COALESCE(company.currency_id, (SELECT currency_id FROM res_company ORDER BY id LIMIT 1)),
               lead.user_id, lead.team_id, lead.company_id, COALESCE(lead.date_closed, lead.write_date),
               lead.write_uid, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM crm_lead lead
     LEFT JOIN res_company company ON company.id = lead.company_id
         WHERE lead.active IS NOT TRUE AND lead.probability = 0
        """,
        {"uid": env.uid},
    )


def _move_existing_leads_to_lead_stages(env):
    cr = env.cr
    cr.execute(
        SQL(
            """
            CREATE TABLE IF NOT EXISTS %(table)s (
                lead_id integer PRIMARY KEY,
                stage_id integer
            )
            """,
            table=SQL.identifier(BACKUP_TABLE),
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO %(table)s (lead_id, stage_id)
                 SELECT lead.id, lead.stage_id
                   FROM crm_lead lead
              LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                  WHERE lead.type = 'lead'
                    AND lead.team_id IS NOT NULL
                    AND (stage.id IS NULL OR stage.stage_kind != 'lead')
            ON CONFLICT DO NOTHING
              RETURNING lead_id
            """,
            table=SQL.identifier(BACKUP_TABLE),
        )
    )
    if not cr.rowcount:
        return
    cr.execute(
        SQL(
            """
            SELECT DISTINCT lead.team_id
              FROM crm_lead lead
              JOIN %(table)s backup ON backup.lead_id = lead.id
            """,
            table=SQL.identifier(BACKUP_TABLE),
        )
    )
    Lead = env["crm.lead"]
    for (team_id,) in cr.fetchall():
        stage = Lead._stage_find(team_id=team_id, domain=[("fold", "=", False), ("stage_kind", "=", "lead")])
        if not stage:
            continue
        cr.execute(
            SQL(
                """
                UPDATE crm_lead lead
                   SET stage_id = %(stage)s
                  FROM %(table)s backup
                 WHERE backup.lead_id = lead.id
                   AND lead.team_id IS NOT DISTINCT FROM %(team)s
                """,
                stage=stage.id,
                table=SQL.identifier(BACKUP_TABLE),
                team=team_id,
            )
        )
    Lead.invalidate_model(["stage_id"])


def uninstall_hook(env):
    """Put every lead that sits in an initiative stage back in a pipeline
    stage: the one it had before install if it still exists, else the first
    one of its team (what stock would give it). Initiative stages can then
    be removed without touching any lead."""
    cr = env.cr
    cr.execute("SELECT to_regclass(%s)", [BACKUP_TABLE])
    has_backup = bool(cr.fetchone()[0])
    if has_backup:
        cr.execute(
            SQL(
                """
                UPDATE crm_lead lead
                   SET stage_id = backup.stage_id
                  FROM %(table)s backup, crm_stage current_stage
                 WHERE backup.lead_id = lead.id
                   AND current_stage.id = lead.stage_id
                   AND current_stage.stage_kind = 'lead'
                   AND (backup.stage_id IS NULL OR EXISTS (SELECT 1 FROM crm_stage s WHERE s.id = backup.stage_id))
                """,
                table=SQL.identifier(BACKUP_TABLE),
            )
        )
    cr.execute(
        """
        SELECT DISTINCT lead.team_id
          FROM crm_lead lead
          JOIN crm_stage stage ON stage.id = lead.stage_id
         WHERE stage.stage_kind = 'lead'
        """
    )
    Lead = env["crm.lead"]
    for (team_id,) in cr.fetchall():
        stage = Lead._stage_find(team_id=team_id, domain=[("fold", "=", False), ("stage_kind", "=", "opportunity")])
        cr.execute(
            """
            UPDATE crm_lead lead
               SET stage_id = %s
              FROM crm_stage stage
             WHERE stage.id = lead.stage_id
               AND stage.stage_kind = 'lead'
               AND lead.team_id IS NOT DISTINCT FROM %s
            """,
            [stage.id or None, team_id],
        )
    if has_backup:
        cr.execute(SQL("DROP TABLE %s", SQL.identifier(BACKUP_TABLE)))
    # the room the install left on every page is stock's default again
    cr.execute("ALTER TABLE crm_lead RESET (fillfactor)")
    Lead.invalidate_model(["stage_id"])
    # the Leads menu opened on its kanban; give stock back its list first
    kanban_view = env.ref("crm.crm_lead_all_leads_view_kanban", raise_if_not_found=False)
    if kanban_view:
        kanban_view.sequence = 2


def backfill_stage_history(env):
    """Stage history of the leads that exist at install, rebuilt from stock's
    tracking of ``stage_id``: the stay before the first tracked change, then
    one stay per change. A lead never tracked gets one stay in the stage it had
    before the install; a lead whose last stay is not in its current stage (the
    install moved it to an initiative stage) gets its current stay too. One
    set-based INSERT, the table's indexes built once afterwards: fast whatever
    the number of leads."""
    cr = env.cr
    env.flush_all()
    cr.execute("SELECT id FROM ir_model_fields WHERE model = 'crm.lead' AND name = 'stage_id'")
    field_id = cr.fetchone()[0]
    # building the indexes and checking the foreign keys once, after the
    # insert, is much faster than doing it row by row (200,000 leads: minutes)
    cr.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes
         WHERE tablename = 'crm_lead_stage_history' AND indexname != 'crm_lead_stage_history_pkey'
        """
    )
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
    cr.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid = 'crm_lead_stage_history'::regclass AND contype = 'f'
        """
    )
    foreign_keys = cr.fetchall()
    for name, _definition in foreign_keys:
        cr.execute(SQL("ALTER TABLE crm_lead_stage_history DROP CONSTRAINT %s", SQL.identifier(name)))
    cr.execute(
        SQL(
            """
            WITH tracking AS MATERIALIZED (
                SELECT message.res_id AS lead_id,
                       value.create_date AS date,
                       value.old_value_integer AS old_stage_id,
                       value.new_value_integer AS new_stage_id,
                       message.create_uid AS moved_by_id,
                       ROW_NUMBER() OVER by_lead AS rank,
                       LEAD(value.create_date) OVER by_lead AS next_date
                  FROM mail_tracking_value value
                  JOIN mail_message message ON message.id = value.mail_message_id
                 WHERE value.field_id = %(field_id)s
                   AND message.model = 'crm.lead'
                WINDOW by_lead AS (PARTITION BY message.res_id ORDER BY value.create_date, value.id)
            ), stay AS (
                -- before the first tracked change
                SELECT tracking.lead_id, tracking.old_stage_id AS stage_id, lead.create_date AS date_in,
                       tracking.date AS date_out, lead.create_uid AS moved_by_id, 0 AS rank
                  FROM tracking
                  JOIN crm_lead lead ON lead.id = tracking.lead_id
                 WHERE tracking.rank = 1 AND tracking.old_stage_id IS NOT NULL
             UNION ALL
                -- one stay per change
                SELECT lead_id, new_stage_id, date, next_date, moved_by_id, rank
                  FROM tracking
                 WHERE new_stage_id IS NOT NULL
             UNION ALL
                -- never tracked: the stage the lead had before the install moved it
                SELECT lead.id, COALESCE(backup.stage_id, lead.stage_id),
                       COALESCE(lead.date_last_stage_update, lead.create_date), NULL, lead.create_uid, 0
                  FROM crm_lead lead
             LEFT JOIN %(backup)s backup ON backup.lead_id = lead.id
                 WHERE COALESCE(backup.stage_id, lead.stage_id) IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM tracking WHERE tracking.lead_id = lead.id)
            ), ranked AS (
                SELECT stay.*,
                       ROW_NUMBER() OVER (PARTITION BY stay.lead_id ORDER BY stay.date_in DESC, stay.rank DESC)
                           AS from_last
                  FROM stay
            ), moved AS (
                -- the last stay is not in the current stage: it ends now, the current one begins
                SELECT ranked.lead_id, lead.stage_id
                  FROM ranked
                  JOIN crm_lead lead ON lead.id = ranked.lead_id
                 WHERE ranked.from_last = 1
                   AND lead.stage_id IS NOT NULL
                   AND ranked.stage_id IS DISTINCT FROM lead.stage_id
            ), complete AS (
                SELECT ranked.lead_id, ranked.stage_id, ranked.date_in,
                       CASE WHEN moved.lead_id IS NOT NULL THEN now() AT TIME ZONE 'UTC' ELSE ranked.date_out END
                           AS date_out,
                       ranked.moved_by_id
                  FROM ranked
             LEFT JOIN moved ON moved.lead_id = ranked.lead_id AND ranked.from_last = 1
             UNION ALL
                SELECT moved.lead_id, moved.stage_id, now() AT TIME ZONE 'UTC', NULL, %(uid)s
                  FROM moved
            )
            INSERT INTO crm_lead_stage_history (
                lead_id, lead_name, stage_id, stage_kind, lead_type, date_in, date_out, duration_days, moved_by_id,
                team_id, user_id, company_id, outcome, create_uid, create_date, write_uid, write_date
            )
            SELECT lead.id, lead.name, stage.id, stage.stage_kind, lead.type, complete.date_in, complete.date_out,
                   EXTRACT(EPOCH FROM (complete.date_out - complete.date_in)) / 86400.0, complete.moved_by_id,
                   lead.team_id, lead.user_id, lead.company_id,
                   CASE WHEN lead.won_status IN ('won', 'lost') THEN lead.won_status END,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM complete
              JOIN crm_lead lead ON lead.id = complete.lead_id
         LEFT JOIN crm_stage stage ON stage.id = complete.stage_id
            """,
            field_id=field_id,
            uid=env.uid,
            backup=SQL.identifier(BACKUP_TABLE),
        )
    )
    for name, definition in foreign_keys:
        cr.execute(
            SQL("ALTER TABLE crm_lead_stage_history ADD CONSTRAINT %s %s", SQL.identifier(name), SQL(definition))
        )
    for _name, definition in indexes:
        cr.execute(SQL(definition))
    env["crm.lead.stage.history"].invalidate_model()
