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
    _backfill_stage_history(env)  # issue 7


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


def _backfill_stage_history(env):
    """Stage history of the leads that exist at install, rebuilt from stock's
    tracking of ``stage_id``: the stay before the first tracked change, then
    one stay per change. A lead never tracked gets one stay in the stage it had
    at install, and every lead moved into an initiative stage by the install
    gets that stay too. Set-based SQL: a few statements whatever the number of
    leads."""
    cr = env.cr
    env.flush_all()
    cr.execute("SELECT id FROM ir_model_fields WHERE model = 'crm.lead' AND name = 'stage_id'")
    field_id = cr.fetchone()[0]
    columns = """
        lead_id, lead_name, stage_id, stage_kind, lead_type, date_in, date_out, duration_days, moved_by_id,
        team_id, user_id, company_id, create_uid, create_date, write_uid, write_date
    """
    cr.execute(
        SQL(
            """
            WITH tracking AS (
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
                SELECT tracking.lead_id, tracking.old_stage_id AS stage_id, lead.create_date AS date_in,
                       tracking.date AS date_out, lead.create_uid AS moved_by_id
                  FROM tracking
                  JOIN crm_lead lead ON lead.id = tracking.lead_id
                 WHERE tracking.rank = 1 AND tracking.old_stage_id IS NOT NULL
             UNION ALL
                SELECT lead_id, new_stage_id, date, next_date, moved_by_id
                  FROM tracking
                 WHERE new_stage_id IS NOT NULL
            )
            INSERT INTO crm_lead_stage_history (%(columns)s)
            SELECT lead.id, lead.name, stage.id, stage.stage_kind, lead.type, stay.date_in, stay.date_out,
                   EXTRACT(EPOCH FROM (stay.date_out - stay.date_in)) / 86400.0, stay.moved_by_id,
                   lead.team_id, lead.user_id, lead.company_id,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM stay
              JOIN crm_lead lead ON lead.id = stay.lead_id
         LEFT JOIN crm_stage stage ON stage.id = stay.stage_id
            """,
            field_id=field_id,
            columns=SQL(columns),
            uid=env.uid,
        )
    )
    # never tracked (imported, created without tracking): one stay, in the
    # stage the lead had before the install moved it
    cr.execute(
        SQL(
            """
            INSERT INTO crm_lead_stage_history (%(columns)s)
            SELECT lead.id, lead.name, stage.id, stage.stage_kind, lead.type,
                   COALESCE(lead.date_last_stage_update, lead.create_date), NULL, NULL, lead.create_uid,
                   lead.team_id, lead.user_id, lead.company_id,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM crm_lead lead
         LEFT JOIN %(backup)s backup ON backup.lead_id = lead.id
              JOIN crm_stage stage ON stage.id = COALESCE(backup.stage_id, lead.stage_id)
             WHERE NOT EXISTS (SELECT 1 FROM crm_lead_stage_history history WHERE history.lead_id = lead.id)
            """,
            columns=SQL(columns),
            uid=env.uid,
            backup=SQL.identifier(BACKUP_TABLE),
        )
    )
    # the stay a lead is in now must be in its current stage (the install moved
    # leads to initiative stages; a tracking may be missing): close the last
    # one and open the current one where they differ
    cr.execute(
        SQL(
            """
            WITH last AS (
                SELECT DISTINCT ON (history.lead_id) history.id, history.lead_id, history.stage_id
                  FROM crm_lead_stage_history history
                 WHERE history.lead_id IS NOT NULL
              ORDER BY history.lead_id, history.date_in DESC, history.id DESC
            ), differing AS (
                SELECT last.id, lead.id AS lead_id
                  FROM crm_lead lead
                  JOIN last ON last.lead_id = lead.id
                 WHERE lead.stage_id IS NOT NULL AND last.stage_id IS DISTINCT FROM lead.stage_id
            ), closed AS (
                UPDATE crm_lead_stage_history history
                   SET date_out = now() AT TIME ZONE 'UTC',
                       duration_days = EXTRACT(EPOCH FROM ((now() AT TIME ZONE 'UTC') - history.date_in)) / 86400.0
                  FROM differing
                 WHERE differing.id = history.id AND history.date_out IS NULL
            )
            INSERT INTO crm_lead_stage_history (%(columns)s)
            SELECT lead.id, lead.name, stage.id, stage.stage_kind, lead.type, now() AT TIME ZONE 'UTC', NULL, NULL,
                   %(uid)s, lead.team_id, lead.user_id, lead.company_id,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM differing
              JOIN crm_lead lead ON lead.id = differing.lead_id
              JOIN crm_stage stage ON stage.id = lead.stage_id
            """,
            columns=SQL(columns),
            uid=env.uid,
        )
    )
    # a closed lead's stays carry its outcome
    cr.execute(
        """
        UPDATE crm_lead_stage_history history
           SET outcome = lead.won_status
          FROM crm_lead lead
         WHERE lead.id = history.lead_id AND lead.won_status IN ('won', 'lost')
        """
    )
    env["crm.lead.stage.history"].invalidate_model()
