"""The demo's journey (demo/crm_canvas_demo.xml, loaded only with demo data):
a team working the seed's way, so that a newcomer's first board shows every
part of it. Initiatives in each initiative stage with tags, notes and next
actions (some late), a pipeline stage with required fields and requirements,
opportunities won into customers, a loss for each contact policy (one
prospect who asked not to be contacted, one due for re-targeting), and a
stage history spread over past weeks.

Everything is made through the ORM, the way a rep makes it: creates, moves,
wins, losses through the Lost wizard. Only its past is not: stays and loss
rows are history, which no ORM path rewrites (their models refuse it), so
`_canvas_demo_backdate` gives the demo's records their dates in SQL, once, at install.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

CALL, MEETING, TODO = "mail.mail_activity_data_call", "mail.mail_activity_data_meeting", "mail.mail_activity_data_todo"

# name, company, contact, revenue, tags, path (stage xmlid, days ago it was entered), next action (type, days, summary)
# "won" and "lost:<reason xmlid>" end a path; their day is the day it closed
JOURNEY = [
    ("Chairs for 40 desks", "Talleres Ebro", "Lucía Pardo", 0, ["furniture"],
     [("initiative_new", 2)], (CALL, -1, "Call to confirm the headcount")),
    ("Reception furniture", "Clínica Arga", "Jon Etxeberria", 0, ["furniture", "referral"],
     [("initiative_new", 1)], None),
    ("Meeting room screens", "Bodegas Sil", "Ana Vidal", 0, ["fit_out"],
     [("initiative_new", 12), ("initiative_contacted", 6)], (MEETING, 0, "Visit the meeting rooms")),
    ("Warehouse shelving", "Logística Tajo", "Pau Roig", 0, ["furniture"],
     [("initiative_new", 16), ("initiative_contacted", 9)], (CALL, -3, "Call back about the loading bays")),
    ("Acoustic panels", "Radio Cierzo", "Nerea Lasa", 0, ["fit_out"],
     [("initiative_new", 25), ("initiative_contacted", 18), ("initiative_qualified", 5)],
     (TODO, 4, "Send the acoustic study")),
    ("Open-plan fit-out", "Estudio Duero", "Marta Gil", 48000, ["fit_out", "referral"],
     [("initiative_new", 33), ("initiative_contacted", 27), ("initiative_qualified", 20), ("opportunity_new", 11)],
     (MEETING, 1, "Walk the floor with the architect")),
    ("Ergonomic desks", "Seguros Turia", "Elena Ruiz", 22000, ["furniture"],
     [("initiative_new", 40), ("initiative_contacted", 34), ("initiative_qualified", 26), ("opportunity_new", 19),
      ("proposal", 8)], (TODO, 5, "Review the written proposal together")),
    ("Conference chairs", "Hotel Segura", "David Mora", 9800, ["furniture"],
     [("initiative_new", 52), ("initiative_contacted", 47), ("initiative_qualified", 39), ("opportunity_new", 30),
      ("proposal", 21), ("won", 14)], None),
    ("Canteen tables", "Colegio Miño", "Iñigo Sanz", 12500, ["furniture", "referral"],
     [("initiative_new", 45), ("initiative_contacted", 41), ("opportunity_new", 28), ("proposal", 16), ("won", 4)],
     None),
    ("Call-centre booths", "Contacta Bilbao", "Unai Olano", 31000, ["fit_out"],
     [("initiative_new", 38), ("initiative_contacted", 30), ("opportunity_new", 24),
      ("lost:lost_reason_do_not_contact", 10)], None),
    ("Classroom desks", "Academia Sella", "Luis Prieto", 15600, ["furniture"],
     [("initiative_new", 150), ("initiative_contacted", 140), ("opportunity_new", 131),
      ("lost:lost_reason_no_budget", 120)], None),
    ("Showroom lighting", "Motos Nalón", "Sara Crespo", 5200, ["fit_out"],
     [("initiative_new", 60), ("initiative_contacted", 52), ("lost:lost_reason_competitor", 35)], None),
]  # fmt: skip

NOTES = {
    "Chairs for 40 desks": "Found us at the trade fair; moving to a new workshop in spring.",
    "Meeting room screens": "Three meeting rooms; wants to see the screens working before deciding.",
    "Acoustic panels": "Two studios echo; budget approved for this quarter.",
    "Ergonomic desks": "Proposal sent: 60 sit-stand desks, delivery in two batches.",
}
LOSS_NOTES = {
    "lost_reason_do_not_contact": "Asked us not to call or write again.",
    "lost_reason_no_budget": "Budget moved to next year; worth a call when it opens.",
    "lost_reason_competitor": "Chose a local maker, cheaper on delivery.",
}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _canvas_load_demo_journey(self):
        ref = self.env.ref
        team = ref("crm_canvas_pipeline.demo_team_iberia")
        user = ref("base.user_admin")
        stages = {
            "initiative_new": ref("crm_canvas_pipeline.stage_initiative_new"),
            "initiative_contacted": ref("crm_canvas_pipeline.stage_initiative_contacted"),
            "initiative_qualified": ref("crm_canvas_pipeline.stage_initiative_qualified"),
            "opportunity_new": ref("crm.stage_lead1"),
            "proposal": ref("crm_canvas_pipeline.demo_stage_proposal_sent"),
        }
        tags = {key: ref("crm_canvas_pipeline.demo_tag_" + key) for key in ("furniture", "fit_out", "referral")}
        Lead = self.env["crm.lead"].with_user(user).with_context(mail_create_nolog=True)
        leads = Lead.create(
            [
                {
                    "name": name,
                    "type": "lead",
                    "team_id": team.id,
                    "user_id": user.id,
                    "stage_id": stages[path[0][0]].id,
                    "partner_name": company,
                    "contact_name": contact,
                    "email_from": "%s@%s.example.com" % (contact.split()[0].lower(), company.split()[-1].lower()),
                    "phone": "+34 600 %03d %03d" % (index, 100 + index),
                    "expected_revenue": revenue,
                    "tag_ids": [(6, 0, [tags[key].id for key in tag_keys])],
                }
                for index, (name, company, contact, revenue, tag_keys, path, _next) in enumerate(JOURNEY)
            ]
        )
        for lead, (name, *_columns, path, next_action) in zip(leads, JOURNEY, strict=True):
            if name in NOTES:
                lead.message_post(body=NOTES[name], message_type="comment", subtype_xmlid="mail.mt_note")
            for step, _days in path[1:]:
                if step == "won":
                    lead.action_set_won()
                elif step.startswith("lost:"):
                    self._canvas_demo_lose(lead.with_user(user), step[5:])
                else:
                    if stages[step].requires_next_action and not lead.activity_ids:
                        lead.activity_schedule(TODO, summary="Send the written proposal", user_id=user.id)
                    lead.stage_id = stages[step]
            planned_on_the_way = lead.activity_ids
            if next_action:
                xmlid, days, summary = next_action
                lead.activity_schedule(
                    xmlid, date_deadline=fields.Date.today() + timedelta(days=days), summary=summary, user_id=user.id
                )
            if next_action or not lead.stage_id.requires_next_action:
                planned_on_the_way.unlink()
        self._canvas_demo_backdate(leads, [path for *_columns, path, _next in JOURNEY])

    def _canvas_demo_lose(self, lead, reason_xmlid):
        """Lose `lead` through the Lost wizard, as its rep."""
        wizard = (
            self.env["crm.lead.lost"]
            .with_user(lead.env.user)
            .create(
                {
                    "lead_ids": [(6, 0, lead.ids)],
                    "lost_reason_id": self.env.ref("crm_canvas_pipeline." + reason_xmlid).id,
                    "lost_feedback": "<p>%s</p>" % LOSS_NOTES[reason_xmlid],
                }
            )
        )
        wizard.action_lost_reason_apply()

    def _canvas_demo_backdate(self, leads, paths):
        """The demo's past: each lead created on the day its path starts, its
        stays entered on their days, its loss (and a re-target date counted
        from it) on the day it was lost. One statement per table."""
        self.env.flush_all()
        now = self.env.cr.now()
        stays, created, losses = [], [], []
        for lead, path in zip(leads, paths, strict=True):
            entered = [now - timedelta(days=days, hours=len(path) - rank) for rank, (_step, days) in enumerate(path)]
            if path[-1][0].startswith("lost:"):
                losses.append(SQL("(%s, %s::timestamp)", lead.id, entered.pop()))
            created.append(SQL("(%s, %s::timestamp, %s::timestamp)", lead.id, entered[0], entered[-1]))
            lead_stays = lead.stage_history_ids.sorted(lambda stay: (stay.date_in, stay.id))
            # a stay per stage of the path (a win adds its own); their ends follow
            for stay, date_in, date_out in zip(lead_stays, entered, [*entered[1:], None], strict=True):
                date_out = date_out if stay.date_out else None
                stays.append(SQL("(%s, %s::timestamp, %s::timestamp)", stay.id, date_in, date_out))
        cr = self.env.cr
        cr.execute(
            SQL(
                """UPDATE crm_lead_stage_history stay
                      SET date_in = past.date_in, date_out = past.date_out,
                          duration_days = EXTRACT(EPOCH FROM (past.date_out - past.date_in)) / 86400.0
                     FROM (VALUES %s) AS past (id, date_in, date_out)
                    WHERE stay.id = past.id""",
                SQL(", ").join(stays),
            )
        )
        cr.execute(
            SQL(
                """UPDATE crm_lead lead
                      SET create_date = past.created, date_open = past.created, date_last_stage_update = past.moved,
                          date_closed = CASE WHEN lead.date_closed IS NOT NULL THEN past.moved END
                     FROM (VALUES %s) AS past (id, created, moved)
                    WHERE lead.id = past.id""",
                SQL(", ").join(created),
            )
        )
        cr.execute(
            SQL(
                """UPDATE crm_lead_loss loss
                      SET date = past.date,
                          retarget_date = CASE WHEN reason.contact_policy = 'retarget'
                                               THEN (past.date + make_interval(days => reason.retarget_days))::date END
                     FROM (VALUES %s) AS past (lead_id, date), crm_lost_reason reason
                    WHERE loss.lead_id = past.lead_id AND reason.id = loss.reason_id""",
                SQL(", ").join(losses),
            )
        )
        cr.execute(
            SQL(
                """UPDATE crm_lead lead SET retarget_date = loss.retarget_date, date_closed = loss.date
                     FROM crm_lead_loss loss
                    WHERE loss.lead_id = lead.id AND lead.id IN %s""",
                tuple(leads.ids),
            )
        )
        self.env.invalidate_all()
