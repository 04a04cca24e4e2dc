"""Seed the load database (run by scripts/load.sh through `odoo-bin shell`,
which provides `env`): 16 reps in 4 canvas teams, each owning its own leads,
up to LOAD_LEADS leads in all (the demo's included), a third of them
opportunities, a fifth with a next action.

Each rep owns distinct leads: the clients of the load run never write the
same row, so the final state of a lead follows from the log of its rep."""

import os
import random
from datetime import timedelta

from odoo import fields

TOTAL = int(os.environ.get("LOAD_LEADS", "10000"))
REPS = int(os.environ.get("LOAD_REPS", "16"))
BATCH = 500

rng = random.Random(9)
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))  # noqa: F821
Users = env["res.users"].with_context(no_reset_password=True)
salesman = env.ref("sales_team.group_sale_salesman")
reps = Users.browse()
for index in range(1, REPS + 1):
    login = "rep%02d" % index
    user = Users.search([("login", "=", login)])
    if not user:
        user = Users.create(
            {
                "name": "Load Rep %02d" % index,
                "login": login,
                "password": login,
                "email": "%s@load.example.com" % login,
                "group_ids": [(6, 0, [env.ref("base.group_user").id, salesman.id])],
            }
        )
    reps |= user
teams = env["crm.team"].browse()
for index in range(4):
    members = reps[index * 4 : index * 4 + 4]
    teams |= env["crm.team"].create(
        {
            "name": "Load team %s" % (index + 1),
            "use_leads": True,
            "use_opportunities": True,
            "use_initiative_stages": True,
            "member_ids": [(6, 0, members.ids)],
        }
    )
team_of = {rep.id: team for team in teams for rep in team.member_ids}
Stage = env["crm.stage"]
initiative = Stage.search([("stage_kind", "=", "lead"), ("team_ids", "=", False)], order="sequence, id")
pipeline = Stage.search(
    [("stage_kind", "=", "opportunity"), ("team_ids", "=", False), ("is_won", "=", False)], order="sequence, id"
)
activity_type = env.ref("mail.mail_activity_data_call")
today = fields.Date.today()
existing = env["crm.lead"].with_context(active_test=False).search_count([])
missing = max(TOTAL - existing, 0)
print("seeding %s leads (%s exist)" % (missing, existing))
Lead = env["crm.lead"]
for start in range(0, missing, BATCH):
    vals_list = []
    for number in range(start, min(start + BATCH, missing)):
        rep = reps[number % len(reps)]
        opportunity = rng.random() < 0.3
        vals = {
            "name": "Load %s %05d" % ("opportunity" if opportunity else "initiative", number),
            "type": "opportunity" if opportunity else "lead",
            "user_id": rep.id,
            "team_id": team_of[rep.id].id,
            "stage_id": (rng.choice(pipeline) if opportunity else rng.choice(initiative)).id,
            "partner_name": "Load Company %05d" % number,
            "contact_name": "Load Contact %05d" % number,
            "email_from": "contact%05d@load.example.com" % number,
            "phone": "+34 600 %03d %03d" % divmod(number, 1000),
            "expected_revenue": rng.randrange(1000, 50000, 500),
        }
        if rng.random() < 0.2:
            vals["next_action_type_id"] = activity_type.id
            vals["next_action_date"] = today + timedelta(days=rng.randrange(-5, 20))
        vals_list.append(vals)
    Lead.create(vals_list)
    env.cr.commit()
    print("  %s/%s" % (min(start + BATCH, missing), missing))
env.cr.commit()
print("leads: %s" % env["crm.lead"].with_context(active_test=False).search_count([]))
