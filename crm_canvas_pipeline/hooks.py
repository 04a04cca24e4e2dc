"""Install and uninstall on a database that already holds a pipeline.

Stock CRM puts leads in pipeline stages too (it never shows them). The canvas
keeps the leads of its teams in initiative stages, so installing turns the
canvas on for every existing team and moves their leads to the first
initiative stage of the team, remembering where each one was; uninstalling
puts them back, so that the stock data is as it was before. The statements
are in tools/install_sql.py: a few whatever the number of leads, each on the
rows that change. Nothing here administers a stock table (no VACUUM, no
REINDEX, no storage parameter): PostgreSQL's autovacuum reclaims the rows
the install replaces, as after any large update.
"""

from .tools import install_sql


def pre_init_hook(env):
    """The columns of existing leads, in SQL before the ORM sees them: it
    would otherwise rewrite every lead for the contact policy's default,
    and compute the next-action mirror lead by lead."""
    install_sql.add_contact_policy_column(env.cr)
    install_sql.fill_next_action_mirror(env.cr)


def post_init_hook(env):
    """Turn on the Leads (Iniciativas) feature and put existing leads in
    initiative stages.

    The Leads feature stays a normal setting that an admin can turn off again
    in CRM > Configuration > Settings.
    """
    env.ref("base.group_user")._apply_group(env.ref("crm.group_use_lead"))
    install_sql.record_existing_losses(env)
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
    install_sql.move_existing_leads_to_lead_stages(env)
    install_sql.backfill_stage_history(env)


def uninstall_hook(env):
    """Put every lead that sits in an initiative stage back in a pipeline
    stage, so that initiative stages can be removed without touching any
    lead."""
    install_sql.restore_pipeline_stages(env)
    # the Leads menu opened on its kanban; give stock back its list first
    kanban_view = env.ref("crm.crm_lead_all_leads_view_kanban", raise_if_not_found=False)
    if kanban_view:
        kanban_view.sequence = 2
