"""Spanish is complete and current: the .pot committed is what Odoo exports
from the installed module today, and es.po translates every term of it."""

import os
import subprocess
import sys

import polib
import pytest

ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/19.0")
ODOO_CONF = os.environ.get("ODOO_CONF")
TEST_DB = os.environ.get("CANVAS_TEST_DB")
REPO = os.path.join(os.path.dirname(__file__), os.pardir)
# the addon and its bridges (privacy, campaigns), all installed by `make test`
ADDONS = ("crm_canvas_pipeline", "crm_canvas_pipeline_privacy", "crm_canvas_pipeline_mass_mailing")


def _terms(po):
    return {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}


@pytest.mark.parametrize("addon", ADDONS)
def test_pot_matches_the_code(tmp_path, addon):
    if not (ODOO_CONF and TEST_DB):
        pytest.fail("ODOO_CONF / CANVAS_TEST_DB are not set: run this through `make test`")
    exported = tmp_path / "exported.pot"
    cmd = [sys.executable, os.path.join(ODOO_SRC, "odoo-bin"), "i18n", "export", "-c", ODOO_CONF]
    cmd += ["-d", TEST_DB, addon, "-o", str(exported)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    fresh = _terms(polib.pofile(str(exported)))
    committed = _terms(polib.pofile(os.path.join(REPO, addon, "i18n", addon + ".pot")))
    assert fresh, "the export is empty"
    assert not fresh - committed, "terms missing from the .pot (run `make i18n`): %s" % sorted(fresh - committed)[:10]
    assert not committed - fresh, "stale terms in the .pot (run `make i18n`): %s" % sorted(committed - fresh)[:10]


@pytest.mark.parametrize("addon", ADDONS)
def test_spanish_translates_every_term(addon):
    pot = polib.pofile(os.path.join(REPO, addon, "i18n", addon + ".pot"))
    es = polib.pofile(os.path.join(REPO, addon, "i18n", "es.po"))
    translated = {(e.msgctxt, e.msgid) for e in es if e.msgstr and not e.obsolete and "fuzzy" not in e.flags}
    missing = sorted(_terms(pot) - translated)
    assert not missing, "%d terms without Spanish translation, e.g. %s" % (len(missing), missing[:10])
    stale = sorted(_terms(es) - _terms(pot))
    assert not stale, "es.po has terms the module no longer uses: %s" % stale[:10]
