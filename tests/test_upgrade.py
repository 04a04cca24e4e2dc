"""Upgrading from earlier releases keeps every row.

The module as released (taken from git history: 19.0.1.0.0, the first,
19.0.1.5.0, and 19.0.1.6.0, the previous one) is installed on a seeded stock database and
used: leads lost with reasons (one as do-not-contact), restored, moved,
activities planned. Then the current code upgrades it (`-u`): the migration
scripts fill the next-action mirror and rebuild the stage history (from
19.0.1.0.0), give crm_lead its storage parameters back (from 19.0.1.5.0);
no lead, loss row, stay, activity or blacklist entry may be missing or
changed.
"""

import ast
import configparser
import os
import subprocess
import sys
import tarfile
import tempfile
import uuid

import psycopg2
import pytest

ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/19.0")
ODOO_CONF = os.environ.get("ODOO_CONF")
MODULE = "crm_canvas_pipeline"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# {version: the commit that released it}
RELEASES = {
    "19.0.1.0.0": "6a559906408ee933b2f4c0fa7617bff2d2c93d49",
    "19.0.1.5.0": "4cef18cd016ceaeb830039f0a9f4c85c78ba60d8",
    "19.0.1.6.0": "8c0a073ad4c90f1924478144681315d94ec2dce3",
    "19.0.1.7.0": "e9c04670b7ac3e45c53ddbc18350f46fa04e1a71",
}
with open(os.path.join(REPO, MODULE, "__manifest__.py")) as manifest:
    CURRENT_VERSION = ast.literal_eval(manifest.read())["version"]

SEED = """
from datetime import timedelta
from odoo import fields
env = env(context=dict(env.context, mail_create_nolog=True))
Lead = env["crm.lead"]
team = env["crm.team"].create({"name": "UP team", "use_leads": True, "use_initiative_stages": True})
reason = env["crm.lost.reason"].create({"name": "UP reason", "contact_policy": "retarget", "retarget_days": 30})
dnc = env["crm.lost.reason"].create({"name": "UP never again", "contact_policy": "do_not_contact"})
pipeline = env["crm.stage"].search([("stage_kind", "=", "opportunity"), ("is_won", "=", False)], order="sequence, id")
initiative = env["crm.stage"].search([("stage_kind", "=", "lead")], order="sequence, id")
leads = Lead.create([{
    "name": "UP lead %d" % i,
    "type": "lead",
    "team_id": team.id,
    "email_from": "up%d@example.com" % i,
    "phone": "+34 600 111 %03d" % i,
    "expected_revenue": 100 * i,
} for i in range(24)])
env.cr.commit()  # moves in later transactions are tracked, as in real life
leads[:8].write({"stage_id": initiative[1].id})
leads[8:14].write({"stage_id": pipeline[0].id})  # promoted
leads[14:18].action_set_lost(lost_reason_id=reason.id)
leads[18:20].action_set_lost(lost_reason_id=dnc.id)
# a stage's texts: the module's guidance (until 19.0.1.7.0) beside stock's requirements
if "guidance" in env["crm.stage"]._fields:
    pipeline[0].write({"requirements": "Qualify the budget", "guidance": "<p>Call them &amp; agree a date</p>"})
    initiative[0].write({"guidance": "<p>First call within a day</p>"})
env.cr.commit()
leads[16].action_restore()
for lead in leads[:6]:
    lead.activity_schedule("mail.mail_activity_data_call", date_deadline=fields.Date.today() + timedelta(days=3),
                           summary="later %s" % lead.name)
    lead.activity_schedule("mail.mail_activity_data_todo", date_deadline=fields.Date.today() + timedelta(days=1),
                           summary="first %s" % lead.name)
env.cr.commit()
"""

COUNTS = {
    "leads": "SELECT count(*) FROM crm_lead",
    "losses": "SELECT count(*) FROM crm_lead_loss",
    "open activities": "SELECT count(*) FROM mail_activity WHERE res_model = 'crm.lead' AND active",
    "email blacklist": "SELECT count(*) FROM mail_blacklist WHERE active",
    "phone blacklist": "SELECT count(*) FROM phone_blacklist WHERE active",
    "stages": "SELECT count(*) FROM crm_stage",
}
# the columns of the released loss rows (later versions may add columns)
LOSS_ROWS = """SELECT id, lead_id, lead_name, reason_id, note, contact_policy, retarget_date, stage_id, lead_type,
                      expected_revenue, currency_id, user_id, team_id, company_id, date, lost_by_id, restored_date,
                      restored_by_id, create_uid, create_date, write_uid, write_date
                 FROM crm_lead_loss ORDER BY id"""
LEAD_ROWS = "SELECT id, name, type, stage_id, active, contact_policy, retarget_date FROM crm_lead ORDER BY id"
# the stays of a release that had them (19.0.1.1.0 and later)
HISTORY_ROWS = """SELECT id, lead_id, stage_id, stage_kind, lead_type, date_in, date_out, duration_days, moved_by_id,
                         outcome FROM crm_lead_stage_history ORDER BY id"""


def _conf():
    parser = configparser.ConfigParser()
    parser.read(ODOO_CONF)
    return parser


def _odoo(conf, *args, stdin=None):
    command = ["shell"] if stdin else []
    cmd = [sys.executable, os.path.join(ODOO_SRC, "odoo-bin"), *command, "-c", conf, *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, "%s failed:\n%s" % (" ".join(args), proc.stderr[-4000:])
    for line in proc.stderr.splitlines():
        assert " ERROR " not in line and " CRITICAL " not in line, line
    return proc


def _query(db, sql):
    opts = _conf()["options"]
    with psycopg2.connect(dbname=db, host=opts["db_host"], port=opts["db_port"], user=opts["db_user"]) as conn:
        with conn.cursor() as cr:
            cr.execute(sql)
            return cr.fetchall()


@pytest.fixture(scope="module", params=sorted(RELEASES))
def previous_release(request, tmp_path_factory):
    """(version, an Odoo config that loads the module's folder as released)."""
    if not ODOO_CONF:
        pytest.fail("ODOO_CONF is not set: run this through `make test`")
    version, commit = request.param, RELEASES[request.param]
    folder = tmp_path_factory.mktemp("release_%s" % version)
    archive = subprocess.run(
        ["git", "-C", REPO, "archive", "--format=tar", commit, MODULE],
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        "the release %s (%s) is not in this clone's history: clone the repository with its history\n%s"
        % (version, commit, archive.stderr.decode()[-2000:])
    )
    with tempfile.TemporaryFile() as handle:
        handle.write(archive.stdout)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(folder, filter="data")
    parser = _conf()
    parser["options"]["addons_path"] = "%s/odoo/addons,%s/addons,%s" % (ODOO_SRC, ODOO_SRC, folder)
    conf = folder / "odoo.conf"
    with open(conf, "w") as handle:
        parser.write(handle)
    return version, str(conf)


def test_upgrade_from_a_release_keeps_every_row(previous_release):
    version, release_conf = previous_release
    db = "canvas_up_%s" % uuid.uuid4().hex[:8]
    try:
        _odoo(release_conf, "-d", db, "-i", MODULE, "--stop-after-init", "--no-http", "--log-level=warn")
        assert _query(db, "SELECT latest_version FROM ir_module_module WHERE name = 'crm_canvas_pipeline'") == [
            (version,)
        ]
        _odoo(release_conf, "-d", db, "--no-http", "--log-level=warn", stdin=SEED)
        before = {name: _query(db, sql) for name, sql in COUNTS.items()}
        assert before["losses"][0][0] >= 6 and before["open activities"][0][0] == 12, before
        losses, leads = _query(db, LOSS_ROWS), _query(db, LEAD_ROWS)
        stays = _query(db, HISTORY_ROWS) if version >= "19.0.1.1.0" else None

        _odoo(ODOO_CONF, "-d", db, "-u", MODULE, "--stop-after-init", "--no-http", "--log-level=warn")

        assert _query(db, "SELECT latest_version FROM ir_module_module WHERE name = 'crm_canvas_pipeline'") == [
            (CURRENT_VERSION,)
        ]
        assert {name: _query(db, sql) for name, sql in COUNTS.items()} == before
        assert _query(db, LOSS_ROWS) == losses, "loss rows changed"
        assert _query(db, LEAD_ROWS) == leads, "leads changed"
        if stays is not None:
            assert _query(db, HISTORY_ROWS) == stays, "stays changed"
        # no storage parameter of the module's is left on a stock table
        assert _query(db, "SELECT reloptions FROM pg_class WHERE oid = 'crm_lead'::regclass") == [(None,)]
        # crm's registry, loaded before the module during `-u crm`, can create leads: the policy has a default
        assert _query(
            db,
            """SELECT column_default FROM information_schema.columns
                WHERE table_name = 'crm_lead' AND column_name = 'contact_policy'""",
        ) == [("'allowed'::character varying",)]
        # the policy indexes are partial (19.0.1.5.0): the full ones were dropped
        indexes = dict(
            _query(
                db,
                """SELECT indexname, indexdef FROM pg_indexes
                    WHERE tablename = 'crm_lead'
                      AND (indexdef LIKE '%(contact_policy)%' OR indexdef LIKE '%(retarget_date)%')""",
            )
        )
        assert set(indexes) == {"crm_lead_contact_policy_restricted_index", "crm_lead__retarget_date_index"}, indexes
        assert all(" WHERE " in definition for definition in indexes.values()), indexes
        # the next action of every lead is its earliest open activity
        wrong = _query(
            db,
            """SELECT lead.id FROM crm_lead lead
           LEFT JOIN LATERAL (SELECT id, date_deadline, summary FROM mail_activity
                               WHERE res_model = 'crm.lead' AND res_id = lead.id AND active
                            ORDER BY date_deadline, id LIMIT 1) first ON TRUE
               WHERE lead.next_action_date IS DISTINCT FROM first.date_deadline
                  OR lead.next_action_summary IS DISTINCT FROM first.summary""",
        )
        assert not wrong, "next action not mirrored after the upgrade: %s" % wrong
        assert _query(db, "SELECT count(*) FROM crm_lead WHERE next_action_summary LIKE 'first %'") == [(6,)]
        # every lead has its history, one open stay, in its current stage
        assert _query(
            db,
            """SELECT count(*) FROM crm_lead lead
                WHERE NOT EXISTS (SELECT 1 FROM crm_lead_stage_history h WHERE h.lead_id = lead.id)""",
        ) == [(0,)]
        assert _query(
            db,
            """SELECT count(*) FROM crm_lead lead
                WHERE (SELECT count(*) FROM crm_lead_stage_history h
                        WHERE h.lead_id = lead.id AND h.date_out IS NULL) != 1
                   OR NOT EXISTS (SELECT 1 FROM crm_lead_stage_history h
                                   WHERE h.lead_id = lead.id AND h.date_out IS NULL AND h.stage_id = lead.stage_id)""",
        ) == [(0,)]
        # the promoted leads went through an initiative stage, then the pipeline
        kinds = _query(
            db,
            """SELECT array_agg(h.stage_kind ORDER BY h.date_in, h.id) FROM crm_lead_stage_history h
                 JOIN crm_lead lead ON lead.id = h.lead_id
                WHERE lead.name = 'UP lead 8' GROUP BY h.lead_id""",
        )
        assert kinds and kinds[0][0][0] == "lead" and kinds[0][0][-1] == "opportunity", kinds
        # one text per stage (19.0.1.8.0): the guidance is kept in stock's requirements
        texts = {text for (text,) in _query(db, "SELECT requirements FROM crm_stage WHERE requirements IS NOT NULL")}
        assert {"Qualify the budget\n\nCall them & agree a date", "First call within a day"} <= texts, texts
        # no two default stages share a name (19.0.1.8.0)
        assert _query(
            db,
            """SELECT stage.name->>'en_US' FROM crm_stage stage JOIN ir_model_data data ON data.res_id = stage.id
                WHERE data.module = 'crm_canvas_pipeline' AND data.name = 'stage_initiative_qualified'""",
        ) == [("Qualified initiative",)]
    finally:
        opts = _conf()["options"]
        conn = psycopg2.connect(dbname="postgres", host=opts["db_host"], port=opts["db_port"], user=opts["db_user"])
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
        conn.close()
