"""The addon ships as the wheel odoo-addon-crm_canvas_pipeline and Odoo
installs it from site-packages alone.

Builds the wheel (PEP 517, whool), installs it into a new virtualenv and runs
odoo-bin there with an addons path that does not contain this repository:
the module must be found under the venv's site-packages and install on a
fresh database of the project's PostgreSQL (the config `make test` writes).
"""

import ast
import configparser
import importlib.util
import os
import re
import subprocess
import sys
import sysconfig
import uuid

import psycopg2
import pytest

ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/19.0")
ODOO_CONF = os.environ.get("ODOO_CONF")
MODULE = "crm_canvas_pipeline"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the warnings a healthy run prints, as `make test` checks its log
_spec = importlib.util.spec_from_file_location("checklog", os.path.join(REPO, "scripts", "checklog.py"))
checklog = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checklog)

# odoo shell: where Odoo found the module, and its state in the database
WHERE = """
import odoo.modules.module
print("PATH=" + odoo.modules.module.get_module_path("%s"))
print("STATE=" + env["ir.module.module"].search([("name", "=", "%s")]).state)
""" % (MODULE, MODULE)


def _run(cmd, stdin=None, env=None, cwd=None):
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=900, check=False, env=env, cwd=cwd)
    assert proc.returncode == 0, "%s failed:\n%s%s" % (" ".join(cmd), proc.stdout[-2000:], proc.stderr[-4000:])
    return proc


def _project_conf():
    parser = configparser.ConfigParser()
    parser.read(ODOO_CONF)
    return parser["options"]


def _drop(db, opts):
    conn = psycopg2.connect(dbname="postgres", host=opts["db_host"], port=opts["db_port"], user=opts["db_user"])
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
    conn.close()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built as `make wheel` builds it."""
    dist = tmp_path_factory.mktemp("dist")
    # No build isolation: whool comes from the project's venv (requirements.txt),
    # so building needs no download.
    addon = os.path.join(REPO, MODULE)
    _run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-w", str(dist), addon])
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_is_named_and_versioned_from_the_manifest(wheel):
    with open(os.path.join(REPO, MODULE, "__manifest__.py"), encoding="utf-8") as f:
        manifest = ast.literal_eval(f.read())
    assert wheel.name == "odoo_addon_%s-%s-py3-none-any.whl" % (MODULE, manifest["version"])


def test_odoo_installs_the_module_from_site_packages(wheel, tmp_path):
    if not ODOO_CONF:
        pytest.fail("ODOO_CONF is not set: run this through `make test`")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site_packages = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    site_packages = site_packages.stdout.strip()
    # Odoo's requirements without a download: the new venv sees the project
    # venv's site-packages (after its own) and the Odoo source, as a venv with
    # Odoo installed would.
    with open(os.path.join(site_packages, "odoo-requirements.pth"), "w", encoding="utf-8") as pth:
        pth.write("%s\n%s\n" % (sysconfig.get_paths()["purelib"], ODOO_SRC))
    # --no-deps: the wheel requires the distribution `odoo==19.0.*`, which no
    # registry serves (Odoo runs from its source, made importable by the .pth
    # above); --no-index: nothing else may come from the network either.
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--no-deps", str(wheel)])
    installed = os.path.join(site_packages, "odoo", "addons", MODULE, "__manifest__.py")
    assert os.path.isfile(installed), "the wheel did not install the addon under odoo/addons"

    opts = _project_conf()
    db = "canvas_wheel_%s" % uuid.uuid4().hex[:8]
    conf = tmp_path / "odoo.conf"
    # The stock addons only: this repository is not on the addons path.
    conf.write_text(
        "[options]\naddons_path = %s/odoo/addons,%s/addons\ndata_dir = %s\n"
        "db_host = %s\ndb_port = %s\ndb_user = %s\n"
        % (ODOO_SRC, ODOO_SRC, tmp_path / "data", opts["db_host"], opts["db_port"], opts["db_user"])
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ODOO_RC")}
    odoo = [str(python), os.path.join(ODOO_SRC, "odoo-bin")]
    try:
        proc = _run(
            [*odoo, "-c", str(conf), "-d", db, "-i", MODULE, "--stop-after-init", "--no-http", "--log-level=warn"],
            env=env,
            cwd=tmp_path,
        )
        expected = [re.compile(pattern) for pattern in checklog.EXPECTED_WARNINGS]
        for line in proc.stderr.splitlines():
            m = checklog.LINE.match(line)
            if m and m["level"] in ("WARNING", "ERROR", "CRITICAL"):
                assert m["level"] == "WARNING" and any(p.search(m["msg"]) for p in expected), line
        proc = _run([*odoo, "shell", "-c", str(conf), "-d", db, "--no-http"], stdin=WHERE, env=env, cwd=tmp_path)
    finally:
        _drop(db, opts)
    found = dict(line.split("=", 1) for line in proc.stdout.splitlines() if line.startswith(("PATH=", "STATE=")))
    assert found.get("STATE") == "installed", proc.stdout[-2000:]
    assert found["PATH"] == os.path.join(site_packages, "odoo", "addons", MODULE), found["PATH"]
