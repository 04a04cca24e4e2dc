"""Installing and uninstalling the module on a database full of stock CRM data
changes no stock record and deletes nothing.

Runs real odoo-bin processes against the project's PostgreSQL (the config
file `make test` writes, ODOO_CONF): crm only, seeded with leads,
opportunities, lost leads and activities; then the module installed; then
uninstalled. The stock tables are compared row by row, column by column.
"""

import configparser
import os
import subprocess
import sys
import uuid

import psycopg2
import pytest

ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/19.0")
ODOO_CONF = os.environ.get("ODOO_CONF")
MODULE = "crm_canvas_pipeline"

# Stock tables whose rows must come out of install + uninstall untouched.
STOCK_TABLES = [
    "crm_lead",
    "crm_stage",
    "crm_lost_reason",
    "crm_tag",
    "crm_tag_rel",
    "crm_team",
    "mail_activity",
    "res_partner",
    "mail_message",
    "mail_tracking_value",
]

SEED = """
from datetime import timedelta
from odoo import fields
env = env(context=dict(env.context, mail_create_nolog=True))
Lead = env["crm.lead"]
team = env["crm.team"].create({"name": "IU team", "use_leads": True})
tag = env["crm.tag"].create({"name": "IU tag"})
reason = env["crm.lost.reason"].create({"name": "IU reason"})
stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence, id")
partner = env["res.partner"].create({"name": "IU Customer", "email": "iu@example.com"})
vals = []
for i in range(30):
    vals.append({
        "name": "IU lead %d" % i,
        "type": "lead" if i % 2 else "opportunity",
        "team_id": team.id,
        "stage_id": stages[i % len(stages)].id,
        "email_from": "iu%d@example.com" % i,
        "phone": "+34 600 000 %03d" % i,
        "partner_id": partner.id if i % 5 == 0 else False,
        "tag_ids": [(4, tag.id)] if i % 3 == 0 else [],
        "expected_revenue": 1000 * i,
    })
leads = Lead.create(vals)
leads[:10].action_set_lost(lost_reason_id=reason.id)
for lead in leads[10:20]:
    lead.activity_schedule("mail.mail_activity_data_call", date_deadline=fields.Date.today() + timedelta(days=2),
                           summary="call %s" % lead.name)
leads[20:23].action_set_won()
env.cr.commit()
"""

UNINSTALL = (
    """
env["ir.module.module"].search([("name", "=", "%s")]).button_immediate_uninstall()
env.cr.commit()
"""
    % MODULE
)


def _conf():
    parser = configparser.ConfigParser()
    parser.read(ODOO_CONF)
    return parser["options"]


def _odoo(*args, stdin=None):
    """odoo-bin with the project's config; with `stdin`, its shell runs that code."""
    command = ["shell"] if stdin else []
    cmd = [sys.executable, os.path.join(ODOO_SRC, "odoo-bin"), *command, "-c", ODOO_CONF, *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, "%s failed:\n%s" % (" ".join(args), proc.stderr[-4000:])
    for line in proc.stderr.splitlines():
        assert " ERROR " not in line and " CRITICAL " not in line, line
    return proc


def _connect(db):
    opts = _conf()
    return psycopg2.connect(dbname=db, host=opts["db_host"], port=opts["db_port"], user=opts["db_user"])


def _snapshot(db, columns=None):
    """Every row of the stock tables, restricted to `columns` when given."""
    snap, cols = {}, {}
    with _connect(db) as conn, conn.cursor() as cr:
        for table in STOCK_TABLES:
            cr.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY column_name",
                [table],
            )
            names = [r[0] for r in cr.fetchall()]
            if columns is not None:
                names = [n for n in names if n in columns[table]]
            cols[table] = names
            order = "id" if "id" in names else ", ".join(names)
            cr.execute('SELECT %s FROM "%s" ORDER BY %s' % (", ".join('"%s"' % n for n in names), table, order))
            snap[table] = [tuple(map(str, row)) for row in cr.fetchall()]
    return snap, cols


@pytest.fixture(scope="module")
def seeded_db():
    if not ODOO_CONF:
        pytest.fail("ODOO_CONF is not set: run this through `make test`")
    db = "canvas_iu_%s" % uuid.uuid4().hex[:8]
    try:
        _odoo("-d", db, "-i", "crm", "--stop-after-init", "--no-http", "--log-level=warn")
        _odoo("-d", db, "--no-http", "--log-level=warn", stdin=SEED)
        yield db
    finally:
        conn = _connect("postgres")
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
        conn.close()


def _assert_same(before, after, columns, ignore=(), may_add=()):
    """Every stock row is still there, unchanged. `ignore` names (table,
    column) pairs allowed to differ; tables in `may_add` may have new rows."""
    for table, rows in before.items():
        names = columns[table]
        keep = [i for i, name in enumerate(names) if (table, name) not in ignore]
        old = [tuple(row[i] for i in keep) for row in rows]
        new = [tuple(row[i] for i in keep) for row in after[table]]
        if table in may_add and "id" in names:
            ids = {row[names.index("id")] for row in rows}
            new = [row for row, full in zip(new, after[table], strict=True) if full[names.index("id")] in ids]
        assert len(new) == len(old), "%s: %d rows before, %d after" % (table, len(old), len(new))
        changed = [(b, a) for b, a in zip(old, new, strict=True) if b != a]
        assert not changed, "%s: %d rows changed, first: %s -> %s" % (table, len(changed), *changed[0])


def test_install_then_uninstall_keeps_stock_data(seeded_db):
    before, columns = _snapshot(seeded_db)
    assert len(before["crm_lead"]) >= 30 and before["mail_activity"], "the seed did not run"

    _odoo("-d", seeded_db, "-i", MODULE, "--stop-after-init", "--no-http", "--log-level=warn")
    installed, _cols = _snapshot(seeded_db, columns)
    # installing moves existing leads into initiative stages, and only that
    _assert_same(
        before,
        installed,
        columns,
        ignore={("crm_lead", "stage_id")},
        may_add={"crm_stage", "crm_lost_reason", "mail_message"},
    )
    with _connect(seeded_db) as conn, conn.cursor() as cr:
        cr.execute(
            """SELECT lead.type, stage.stage_kind, count(*) FROM crm_lead lead
               JOIN crm_stage stage ON stage.id = lead.stage_id GROUP BY 1, 2"""
        )
        kinds = {(lead_type, kind): count for lead_type, kind, count in cr.fetchall()}
    assert kinds.get(("lead", "lead")) == 15, kinds
    assert ("lead", "opportunity") not in kinds and ("opportunity", "lead") not in kinds, kinds

    _odoo("-d", seeded_db, "--no-http", "--log-level=warn", stdin=UNINSTALL)
    with _connect(seeded_db) as conn, conn.cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [MODULE])
        assert cr.fetchone()[0] == "uninstalled"
    after, _cols = _snapshot(seeded_db, columns)
    _assert_same(before, after, columns)
