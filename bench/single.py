"""The single-record paths of a rep's day, as the web client calls them:
one lead quick-created in a column, one lead saved from the form, one card
dragged, one lead lost through the wizard, one activity done, one lead sent
by the website's contact form. Each is `op(env, data)` with `prepare(env)`,
like bench/operations.py; `bench/run.py` times each as the median of many
runs (each in its own transaction, rolled back), as the rep bench_rep_1.

Target: at most 1.10 times stock's CPU time (RATIO_TARGET in run.py) and at
most SINGLE_EXTRA_QUERIES_TARGET more queries than stock's."""

from operations import kanban_spec, prep_activities, prep_move

SINGLE_EXTRA_QUERIES_TARGET = 2
# each line runs at least this many times a side: a few dozen milliseconds
# an operation, where the VM's noise is largest
SINGLE_RUNS = 51

PIPELINE_VIEW = "crm.crm_case_kanban_view_leads"
CANVAS_VIEW = "crm_canvas_pipeline.crm_lead_view_kanban_canvas"


def _team_and_first_stage(env, kind):
    """The rep's team and the first stage of `kind` its board shows."""
    team = env["crm.team"].search([("member_ids", "in", [env.uid])], limit=1)
    domain = [("team_ids", "in", [team.id, False])]
    if "stage_kind" in env["crm.stage"]._fields:
        domain.append(("stage_kind", "=", kind))
    return team, env["crm.stage"].search(domain, order="sequence, id", limit=1)


def prep_quick_create_pipeline(env):
    team, stage = _team_and_first_stage(env, "opportunity")
    context = {"default_type": "opportunity", "default_stage_id": stage.id, "default_team_id": team.id}
    return context, PIPELINE_VIEW


def prep_quick_create_canvas(env):
    team, stage = _team_and_first_stage(env, "lead")
    context = {"default_type": "lead", "default_stage_id": stage.id, "default_team_id": team.id}
    return context, CANVAS_VIEW


def op_quick_create(env, data):
    """The column's quick create: its form opens (onchange), the rep types
    a name, an email and a phone (an onchange each), saves, and the board
    reads the new card."""
    from odoo.tests import Form  # noqa: PLC0415 (Odoo is importable once run.py has read its configuration)

    context, board = data
    form = Form(env["crm.lead"].with_context(**context), view="crm.quick_create_opportunity_form")
    form.name = "Quick lead"
    form.email_from = "quick.lead@single.example.com"
    form.phone = "+34 600 123 456"
    lead = form.save()
    lead.web_read(kanban_spec(env, board)[0])


def op_form_save(env, _data):
    """New lead from the form, as `Form` does it: the form's onchanges, then
    one web_save."""
    from odoo.tests import Form  # noqa: PLC0415

    form = Form(env["crm.lead"].with_context(default_type="lead"), view="crm.crm_lead_view_form")
    form.name = "Form lead"
    form.partner_name = "Form Company"
    form.contact_name = "Form Contact"
    form.email_from = "form.lead@single.example.com"
    form.phone = "+34 600 654 321"
    form.save()


def prep_drag(env):
    return prep_move(env)[:1]


def op_drag(env, moves):
    """One card dropped in the next column: web_save, the card read back."""
    [(lead_id, stage_id)] = moves
    env["crm.lead"].browse(lead_id).web_save({"stage_id": stage_id}, kanban_spec(env, PIPELINE_VIEW)[0])


def prep_lost_one(env):
    # an opportunity: the same record on both sides, in the same stage
    domain = [("user_id", "=", env.uid), ("won_status", "=", "pending"), ("type", "=", "opportunity")]
    lead = env["crm.lead"].search(domain, order="id", limit=1)
    reason = env["crm.lost.reason"].search([], order="id", limit=1)
    return lead.id, reason.id


def op_lost_one(env, data):
    """The form's Lost button: the wizard, a reason and a note, confirmed."""
    lead_id, reason_id = data
    Wizard = env["crm.lead.lost"].with_context(active_model="crm.lead", active_id=lead_id, active_ids=[lead_id])
    wizard = Wizard.create({"lead_ids": [(6, 0, [lead_id])], "lost_reason_id": reason_id, "lost_feedback": "<p>No</p>"})
    wizard.action_lost_reason_apply()


def prep_activity_one(env):
    return prep_activities(env)[:1]


def op_activity_done(env, ids):
    env["mail.activity"].browse(ids).action_feedback(feedback="Done (bench)")


def op_website_form(env, _data):
    """What the website's contact form does to crm.lead (website's
    insert_record): the lead created as the superuser, without subscribing
    the author, from the form's fields. The HTTP request and website_crm's
    visitor are left out: website_crm is not installed in the bench's
    databases, on either side."""
    from odoo import SUPERUSER_ID  # noqa: PLC0415

    Lead = env["crm.lead"].with_user(SUPERUSER_ID).with_context(mail_create_nosubscribe=True)
    Lead.create(
        {
            "name": "Website contact",
            "contact_name": "Web Visitor",
            "partner_name": "Web Company",
            "email_from": "web.visitor@single.example.com",
            "phone": "+34 600 111 222",
            "description": "I would like a quote.",
            "company_id": env.company.id,
        }
    )


# (key, label, stock op, module op, prepare or (stock prepare, module prepare))
SINGLE_OPERATIONS = [
    (
        "quick_create",
        "One lead quick-created in a column (Canvas / stock Pipeline)",
        op_quick_create,
        op_quick_create,
        (prep_quick_create_pipeline, prep_quick_create_canvas),
    ),
    ("form_save", "One new lead saved from the form (with its onchanges)", op_form_save, op_form_save, None),
    ("drag", "One card dragged to the next stage", op_drag, op_drag, prep_drag),
    ("lost_one", "One lead lost through the wizard", op_lost_one, op_lost_one, prep_lost_one),
    ("activity_one", "One activity marked done", op_activity_done, op_activity_done, prep_activity_one),
    ("website_form", "One lead from the website contact form", op_website_form, op_website_form, None),
]
SINGLE_KEYS = {operation[0] for operation in SINGLE_OPERATIONS}
