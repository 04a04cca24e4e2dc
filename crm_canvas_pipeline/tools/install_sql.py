"""The SQL of the install, the uninstall and the migrations: set-based
statements on the existing leads, a few whatever their number. Each updates
only the rows that change. The ORM would do the same lead by lead (the
install's line of the benchmark: 200,000 leads in under two minutes)."""

from odoo.tools import SQL

BACKUP_TABLE = "crm_canvas_pipeline_stage_backup"


def add_contact_policy_column(cr):
    """The required contact policy of existing leads, with its database
    default 'allowed' (tools/schema.py: the default stays). PostgreSQL stores
    a constant default without touching the rows; the ORM would add the
    column empty, then UPDATE every lead, a rewrite of the whole table."""
    cr.execute("ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS contact_policy varchar NOT NULL DEFAULT 'allowed'")


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


def record_existing_losses(env):
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
           -- lost through the module already (its demo data): recorded then
           AND NOT EXISTS (SELECT 1 FROM crm_lead_loss loss WHERE loss.lead_id = lead.id)
        """,
        {"uid": env.uid},
    )


def move_existing_leads_to_lead_stages(env):
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


def backfill_stage_history(env):
    """Stage history of the leads that exist at install, rebuilt from stock's
    tracking of ``stage_id``: the stay before the first tracked change, then
    one stay per change. A lead never tracked gets one stay in the stage it had
    before the install; a lead whose last stay is not in its current stage (the
    install moved it to an initiative stage) gets its current stay too. Leads
    that have stays already (the module's demo data) keep theirs. One
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
            WITH staged AS MATERIALIZED (
                -- leads made through the module already (its demo data) have their stays
                SELECT DISTINCT lead_id FROM crm_lead_stage_history WHERE lead_id IS NOT NULL
            ), tracking AS MATERIALIZED (
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
                   AND message.res_id NOT IN (SELECT lead_id FROM staged)
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
                   AND lead.id NOT IN (SELECT lead_id FROM staged)
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


def restore_pipeline_stages(env):
    """Put every lead that sits in an initiative stage back in a pipeline
    stage: the one it had before install if it still exists, else the first
    one of its team (what stock would give it)."""
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
    Lead.invalidate_model(["stage_id"])
