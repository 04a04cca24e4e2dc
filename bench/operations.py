"""The operations `bench/run.py` times on both sides: opening the kanban
boards and the batch operations (a thousand leads created in one call, 200
cards moved one request each, 500 leads lost, restored, converted, 500
activities done). Each is `op(env, data)`, with `prepare(env)` giving its
data in the same transaction, untimed. The single-record paths are in
bench/single.py."""

import json

from lxml import etree

_SPECS = {}


def kanban_spec(env, view_xmlid):
    """Cached per database: the web client loads a view once, not at each
    opening."""
    key = (env.cr.dbname, view_xmlid)
    if key not in _SPECS:
        _SPECS[key] = _kanban_spec(env, view_xmlid)
    return _SPECS[key]


def _kanban_spec(env, view_xmlid):
    """The specification the web client sends for the cards of a kanban
    view (every field of the arch, relational ones with their display name,
    tags with their color) and its number of cards per column."""
    Lead = env["crm.lead"]
    view = env.ref(view_xmlid)
    arch = etree.fromstring(Lead.get_views([(view.id, "kanban")])["views"]["kanban"]["arch"])
    spec = {}
    for node in arch.iter("field"):
        name = node.get("name")
        field = Lead._fields.get(name)
        if not field or name in spec:
            continue
        if field.type == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif field.type == "many2many":
            spec[name] = {"fields": {"display_name": {}, "color": {}} if name == "tag_ids" else {"display_name": {}}}
        elif field.type == "one2many":
            spec[name] = {"fields": {}}
        else:
            spec[name] = {}
    bar = arch.find("progressbar")
    progress_bar = {
        "field": bar.get("field"),
        "colors": json.loads(bar.get("colors")),
        "sum_field": bar.get("sum_field"),
        "recurring_revenue_sum_field": bar.get("recurring_revenue_sum_field"),
    }
    return spec, int(arch.get("limit") or 40), progress_bar


def open_kanban(env, domain, view_xmlid, context, limit=None):
    """What the web client calls when a grouped kanban opens: the groups
    with their first cards each (`limit`, or the view's: 40 by default), and
    the view's progress bars."""
    Lead = env["crm.lead"].with_context(**context)
    spec, view_limit, progress_bar = kanban_spec(env, view_xmlid)
    limit = limit or view_limit
    Lead.web_read_group(
        domain,
        ["stage_id"],
        aggregates=["expected_revenue:sum", "recurring_revenue_monthly:sum"],
        auto_unfold=True,
        unfold_read_specification=spec,
        unfold_read_default_limit=limit,
    )
    Lead.read_progress_bar(domain, "stage_id", progress_bar)


PIPELINE_CONTEXT = {"default_type": "opportunity", "show_user_team_stages": 1}


def pipeline_domain(env):
    # the Pipeline action's domain and its default filter "My Pipeline"
    return [("type", "=", "opportunity"), ("user_id", "=", env.uid)]


def op_pipeline(env, _data):
    open_kanban(env, pipeline_domain(env), "crm.crm_case_kanban_view_leads", PIPELINE_CONTEXT)


def op_canvas(env, _data, limit=None):
    # the Canvas action: no domain, default filter "My Teams"; its view shows
    # 20 cards a column
    domain = ["|", ("team_id.user_id", "=", env.uid), ("team_id.member_ids", "in", [env.uid])]
    open_kanban(
        env,
        domain,
        "crm_canvas_pipeline.crm_lead_view_kanban_canvas",
        {"default_type": "lead", "show_user_team_stages": True},
        limit,
    )


def op_canvas_40(env, data):
    """The Canvas with as many cards a column as stock's Pipeline."""
    op_canvas(env, data, limit=40)


def op_my_activities(env, _data):
    domain = [*pipeline_domain(env), ("activity_user_id", "=", env.uid)]
    open_kanban(env, domain, "crm.crm_case_kanban_view_leads", PIPELINE_CONTEXT)


def op_overdue(env, _data):
    domain = [*pipeline_domain(env), ("next_action_state", "=", "overdue")]
    open_kanban(env, domain, "crm.crm_case_kanban_view_leads", PIPELINE_CONTEXT)


def op_no_next_action(env, _data):
    domain = [*pipeline_domain(env), ("next_action_state", "=", "none"), ("won_status", "=", "pending")]
    open_kanban(env, domain, "crm.crm_case_kanban_view_leads", PIPELINE_CONTEXT)


def prep_create(env):
    team = env["crm.team"].search([("member_ids", "in", [env.uid])], limit=1)
    return [
        {
            "name": "Bench new lead %s" % index,
            "type": "lead",
            "team_id": team.id,
            "user_id": env.uid,
            "partner_name": "New Company %s" % index,
            "contact_name": "New Contact %s" % index,
            "email_from": "new%s@newbench.example.com" % index,
            "phone": "+34 600 %06d" % index,
        }
        for index in range(1000)
    ]


def op_create(env, vals_list):
    env["crm.lead"].with_context(default_type="lead").create(vals_list)


def prep_move(env):
    """200 open opportunities of the rep in a pipeline stage that has a next one."""
    stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence, id")
    stages = stages.filtered(lambda stage: getattr(stage, "stage_kind", "opportunity") == "opportunity")
    following = dict(zip(stages.ids, stages.ids[1:], strict=False))
    leads = env["crm.lead"].search(
        [("type", "=", "opportunity"), ("user_id", "=", env.uid), ("stage_id", "in", list(following))],
        order="id",
        limit=200,
    )
    return [(lead.id, following[lead.stage_id.id]) for lead in leads]


def op_move(env, moves):
    """Each card is a request of its own: drop, save, read the card back."""
    spec = kanban_spec(env, "crm.crm_case_kanban_view_leads")[0]
    env.invalidate_all()
    for lead_id, stage_id in moves:
        env["crm.lead"].browse(lead_id).web_save({"stage_id": stage_id}, spec)
        env.flush_all()
        env.cr.flush()
        env.invalidate_all()


def prep_lost(env):
    leads = env["crm.lead"].search([("user_id", "=", env.uid), ("won_status", "=", "pending")], order="id", limit=500)
    reason = env["crm.lost.reason"].search([], order="id", limit=1)
    return leads.ids, reason.id


def op_lost(env, data):
    ids, reason_id = data
    Wizard = env["crm.lead.lost"].with_context(active_model="crm.lead", active_ids=ids)
    wizard = Wizard.create({"lead_ids": [(6, 0, ids)], "lost_reason_id": reason_id, "lost_feedback": "<p>Bench</p>"})
    wizard.action_lost_reason_apply()


def prep_restore(env):
    leads = env["crm.lead"].with_context(active_test=False)
    return leads.search([("user_id", "=", env.uid), ("won_status", "=", "lost")], order="id", limit=500).ids


def op_restore(env, ids):
    env["crm.lead"].with_context(active_test=False).browse(ids).action_restore()


def prep_convert(env):
    return env["crm.lead"].search([("user_id", "=", env.uid), ("type", "=", "lead")], order="id", limit=500).ids


def op_convert(env, ids):
    # the mass "Convert to opportunity" action, without deduplication (a
    # duplicate search per lead, the same on both sides)
    Wizard = env["crm.lead2opportunity.partner.mass"].with_context(active_model="crm.lead", active_ids=ids)
    wizard = Wizard.create({"deduplicate": False, "user_ids": [(6, 0, [env.uid])]})
    wizard.action_mass_convert()


def prep_activities(env):
    activities = env["mail.activity"].search(
        [("res_model", "=", "crm.lead"), ("user_id", "=", env.uid)], order="id", limit=500
    )
    return activities.ids


def op_activities(env, ids):
    env["mail.activity"].browse(ids).action_feedback(feedback="Done (bench)")


# (key, label, stock op, module op, prepare)
BATCH_OPERATIONS = [
    ("kanban", "Pipeline kanban (web_read_group + cards + progress bars)", op_pipeline, op_pipeline, None),
    ("canvas", "Canvas as seen (20 cards a column) vs stock Pipeline (40)", op_pipeline, op_canvas, None),
    ("canvas_40", "Canvas vs stock Pipeline, both 40 cards a column", op_pipeline, op_canvas_40, None),
    ("overdue", "Filter Overdue (module) vs My Activities (stock)", op_my_activities, op_overdue, None),
    ("no_next_action", "Filter No next action (module) vs My Activities", op_my_activities, op_no_next_action, None),
    ("create", "Create 1,000 leads in one call", op_create, op_create, prep_create),
    ("move", "Move 200 cards one by one to the next stage", op_move, op_move, prep_move),
    ("lost", "Mark 500 lost (lost wizard)", op_lost, op_lost, prep_lost),
    ("restore", "Restore 500 lost", op_restore, op_restore, prep_restore),
    ("convert", "Convert 500 leads (mass convert wizard)", op_convert, op_convert, prep_convert),
    ("activities", "Mark 500 activities done", op_activities, op_activities, prep_activities),
]
