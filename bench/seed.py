"""Seed a crm-only database with a realistic pipeline, fast.

    .venv/bin/python bench/seed.py -c .local/odoo.conf -d DB --size 200000

Three teams and ten reps (salesmen who see their own documents; the first
one, whom bench/run.py works as, owns 30% of the leads), twelve tags. A few
hundred template leads are made by the ORM (so that every stored computed
field is what Odoo itself computes), 30% of them lost with a reason through
``action_set_lost``; SQL then clones them up to ``--size`` with their own
names, emails and phones, and adds for every lead its tags, its salesperson
as follower, a creation message and a stage-change tracking value, and for
half of the open ones an open activity (a third of them overdue). A few
statements whatever the size.
"""

import argparse
import random
import time

TEMPLATES = 600
TEAMS = 3
REPS = 10
TAGS = 12


def seed(env, size):
    cr = env.cr
    started = time.perf_counter()
    rng = random.Random(8)
    Users = env["res.users"].with_context(no_reset_password=True, tracking_disable=True)
    salesman = env.ref("sales_team.group_sale_salesman")
    reps = Users.create(
        [
            {
                "name": "Bench Rep %s" % index,
                "login": "bench_rep_%s" % index,
                "email": "bench.rep%s@bench.example.com" % index,
                "group_ids": [(6, 0, [salesman.id, env.ref("base.group_user").id])],
                "tz": "UTC",
            }
            for index in range(1, REPS + 1)
        ]
    )
    teams = env["crm.team"].create(
        [
            {
                "name": "Bench Team %s" % index,
                "use_leads": True,
                "use_opportunities": True,
                "member_ids": [(6, 0, reps[index::TEAMS].ids)],
            }
            for index in range(TEAMS)
        ]
    )
    team_of = {rep: team for team in teams for rep in team.member_ids}
    tags = env["crm.tag"].create([{"name": "Bench tag %s" % index} for index in range(TAGS)])
    stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence, id")
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    reasons = env["crm.lost.reason"].search([])

    Lead = env["crm.lead"].with_context(tracking_disable=True, mail_create_nolog=True)
    vals_list = []
    for index in range(min(TEMPLATES, size)):
        # the benchmarked rep is a busy one (30% of the leads), so that at
        # 10,000 leads they own the 500 records each operation needs
        rep = reps[0] if index % 10 < 3 else reps[1 + index % (REPS - 1)]
        is_opportunity = rng.random() < 0.6
        stage = won_stage if is_opportunity and rng.random() < 0.1 else rng.choice(stages)
        vals_list.append(
            {
                "name": "Bench lead %s" % index,
                "type": "opportunity" if is_opportunity else "lead",
                "user_id": rep.id,
                "team_id": team_of[rep].id,
                "stage_id": stage.id,
                "partner_name": "Bench Company %s" % index,
                "contact_name": "Bench Contact %s" % index,
                "email_from": "contact%s@bench%s.example.com" % (index, index % 97),
                "phone": "+32 470 %02d %02d %02d" % (index % 100, (index // 100) % 100, index % 89),
                "expected_revenue": rng.randrange(1000, 100000, 500),
                "priority": rng.choice(["0", "0", "1", "2", "3"]),
                "tag_ids": [(6, 0, rng.sample(tags.ids, rng.randint(0, 3)))],
            }
        )
    templates = Lead.create(vals_list)
    lost = templates.filtered(lambda lead: lead.stage_id != won_stage)
    lost = lost.browse(rng.sample(lost.ids, round(len(templates) * 0.3)))
    for reason in reasons:
        lost[reason.id % len(reasons) :: len(reasons)].action_set_lost(lost_reason_id=reason.id)
    env.flush_all()
    print("seed: %d template leads by the ORM in %.1fs" % (len(templates), time.perf_counter() - started))

    # clones: ids allocated first, so that every later statement can join on the map
    cr.execute("CREATE TEMP TABLE bench_clone (new_id integer PRIMARY KEY, tpl_id integer, n integer)")
    cr.execute(
        """INSERT INTO bench_clone
           SELECT nextval('crm_lead_id_seq'), tpl.id, row_number() OVER ()
             FROM (SELECT id FROM crm_lead WHERE id = ANY(%s)) tpl, generate_series(1, %s) g
            LIMIT %s""",
        [templates.ids, size // len(templates) + 1, max(size - len(templates), 0)],
    )
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'crm_lead' AND column_name != 'id'"
    )
    columns = [name for (name,) in cr.fetchall()]
    overrides = {
        "name": "tpl.name || ' / ' || m.n",
        "email_from": "'c' || m.n || '.' || tpl.email_from",
        "email_normalized": "'c' || m.n || '.' || tpl.email_normalized",
        "partner_name": "tpl.partner_name || ' ' || m.n",
        "phone": "'+32 2 ' || m.n",
        "phone_sanitized": "'+322' || m.n",
        "create_date": "tpl.create_date - (m.n % 1500) * interval '1 day'",
        "date_open": "tpl.date_open - (m.n % 1500) * interval '1 day'",
    }
    select = ", ".join(overrides.get(column, "tpl.%s" % column) for column in columns)
    cr.execute(
        "INSERT INTO crm_lead (id, %s) SELECT m.new_id, %s FROM bench_clone m JOIN crm_lead tpl ON tpl.id = m.tpl_id"
        % (", ".join(columns), select)
    )
    cr.execute(
        """INSERT INTO crm_tag_rel (lead_id, tag_id)
           SELECT m.new_id, rel.tag_id FROM bench_clone m JOIN crm_tag_rel rel ON rel.lead_id = m.tpl_id"""
    )
    cr.execute(
        """INSERT INTO mail_followers (res_model, res_id, partner_id)
           SELECT 'crm.lead', m.new_id, f.partner_id FROM bench_clone m
             JOIN mail_followers f ON f.res_model = 'crm.lead' AND f.res_id = m.tpl_id"""
    )
    # history: a creation message and a tracked stage change for every lead
    admin_partner = env.ref("base.partner_admin").id
    create_subtype = env.ref("crm.mt_lead_create").id
    stage_subtype = env.ref("crm.mt_lead_stage").id
    stage_field = env["ir.model.fields"]._get("crm.lead", "stage_id").id
    first_stage = stages[0]
    cr.execute(
        """INSERT INTO mail_message (model, res_id, message_type, subtype_id, author_id, date, body, is_internal,
                                     create_uid, create_date, write_uid, write_date)
           SELECT 'crm.lead', id, 'notification', %s, %s, create_date, '<p>Lead/Opportunity created</p>', FALSE,
                  1, create_date, 1, create_date
             FROM crm_lead""",
        [create_subtype, admin_partner],
    )
    cr.execute(
        """WITH msg AS (
               INSERT INTO mail_message (model, res_id, message_type, subtype_id, author_id, date, body,
                                         is_internal, create_uid, create_date, write_uid, write_date)
               SELECT 'crm.lead', id, 'notification', %(subtype)s, %(author)s, create_date + interval '2 days', '',
                      FALSE, 1, create_date, 1, create_date
                 FROM crm_lead WHERE stage_id IS NOT NULL
             RETURNING id, res_id)
           INSERT INTO mail_tracking_value (field_id, mail_message_id, old_value_integer, old_value_char,
                                            new_value_integer, new_value_char, create_uid, create_date,
                                            write_uid, write_date)
           SELECT %(field)s, msg.id, %(first)s, %(first_name)s, lead.stage_id, stage.name->>'en_US',
                  1, now(), 1, now()
             FROM msg JOIN crm_lead lead ON lead.id = msg.res_id JOIN crm_stage stage ON stage.id = lead.stage_id""",
        {
            "subtype": stage_subtype,
            "author": admin_partner,
            "field": stage_field,
            "first": first_stage.id,
            "first_name": first_stage.name,
        },
    )
    # half of the open leads have an open activity: a third overdue, some today, the rest planned
    activity_types = env["mail.activity.type"].search([("res_model", "in", [False, "crm.lead"])], limit=3)
    cr.execute(
        """INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name, activity_type_id, summary,
                                      date_deadline, user_id, automated, active, create_uid, create_date,
                                      write_uid, write_date)
           SELECT %(model)s, 'crm.lead', lead.id, lead.name, (%(types)s)[1 + lead.id %% %(ntypes)s],
                  'Follow up ' || lead.id, current_date + (lead.id %% 21 - 7), lead.user_id, FALSE, TRUE,
                  1, now(), 1, now()
             FROM crm_lead lead
            WHERE lead.active AND lead.id %% 2 = 0 AND lead.user_id IS NOT NULL""",
        {
            "model": env["ir.model"]._get_id("crm.lead"),
            "types": activity_types.ids,
            "ntypes": len(activity_types),
        },
    )
    env.invalidate_all()
    cr.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT active), count(*) FILTER (WHERE type = 'lead') FROM crm_lead"
    )
    total, lost_count, leads = cr.fetchone()
    cr.execute("SELECT count(*) FROM mail_activity")
    activities = cr.fetchone()[0]
    print(
        "seed: %d leads (%d lost, %d leads, %d opportunities), %d activities, in %.1fs"
        % (total, lost_count, leads, total - leads, activities, time.perf_counter() - started)
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--size", type=int, default=10000)
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "--log-level=warn"], setup_logging=True)
    registry = Registry(args.database)
    with registry.cursor() as cr:
        seed(api.Environment(cr, SUPERUSER_ID, {}), args.size)
    with registry.cursor() as cr:
        cr.execute("ANALYZE")


if __name__ == "__main__":
    main()
