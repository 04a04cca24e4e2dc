"""Install and uninstall on a database that already holds a pipeline.

Stock CRM puts leads in pipeline stages too (it never shows them). The canvas
keeps the leads of its teams in initiative stages, so installing turns the
canvas on for every existing team and moves their leads to the first
initiative stage of the team, remembering where each one was;
uninstalling puts them back, so that the stock data is as it was before.
Both are done in SQL: a few statements whatever the number of leads.
"""

from odoo.tools import SQL

BACKUP_TABLE = "crm_canvas_pipeline_stage_backup"


def pre_init_hook(env):
    """Add the columns of existing leads in SQL before the ORM sees them: it
    would otherwise compute the next-action mirror lead by lead, and write
    the contact policy's default on every row.
    The next action is the earliest open activity (deadline, then id)."""
    # a required column with a default: the ORM would add it empty, then
    # UPDATE every lead to 'allowed' (a rewrite of the whole table, the
    # longest step of the install on 200,000 leads). PostgreSQL stores a
    # constant default without touching the rows; dropping the default
    # afterwards keeps their value, and the schema is the ORM's own.
    env.cr.execute(
        """ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS contact_policy varchar NOT NULL DEFAULT 'allowed';
           ALTER TABLE crm_lead ALTER COLUMN contact_policy DROP DEFAULT"""
    )
    env.cr.execute(
        """ALTER TABLE crm_lead
               ADD COLUMN IF NOT EXISTS next_activity_id integer,
               ADD COLUMN IF NOT EXISTS next_action_type_id integer,
               ADD COLUMN IF NOT EXISTS next_action_date date,
               ADD COLUMN IF NOT EXISTS next_action_summary varchar,
               ADD COLUMN IF NOT EXISTS next_action_user_id integer"""
    )
    env.cr.execute(
        """UPDATE crm_lead lead
              SET next_activity_id = first.id,
                  next_action_type_id = first.activity_type_id,
                  next_action_date = first.date_deadline,
                  next_action_summary = first.summary,
                  next_action_user_id = first.user_id
             FROM (SELECT DISTINCT ON (res_id) res_id, id, activity_type_id, date_deadline, summary, user_id
                     FROM mail_activity
                    WHERE res_model = 'crm.lead' AND active
                 ORDER BY res_id, date_deadline, id) AS first
            WHERE first.res_id = lead.id"""
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
    Lead.invalidate_model(["stage_id"])
    # the Leads menu opened on its kanban; give stock back its list first
    kanban_view = env.ref("crm.crm_lead_all_leads_view_kanban", raise_if_not_found=False)
    if kanban_view:
        kanban_view.sequence = 2
