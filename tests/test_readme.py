"""The module page (static/description/index.html) is generated from the
current readme/ fragments and manifest, and everything it shows exists."""

import ast
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDON = REPO / "crm_canvas_pipeline"
DESCRIPTION = ADDON / "static" / "description"


def _manifest():
    return ast.literal_eval((ADDON / "__manifest__.py").read_text(encoding="utf-8"))


def test_module_page_is_up_to_date():
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_readme.py"), "--check", str(ADDON)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_module_page_shows_the_icon_and_screenshots_that_exist():
    page = (DESCRIPTION / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert "icon.png" in images
    for path in _manifest()["images"]:
        assert Path(path).name in images, "%s is in the manifest but not on the page" % path
    missing = [name for name in images if not (DESCRIPTION / name).is_file()]
    assert not missing, "the page shows images that do not exist: %s" % missing


def test_manifest_says_who_and_what_maturity():
    manifest = _manifest()
    assert manifest["maintainers"] and all(manifest["maintainers"])
    assert manifest["development_status"] in ("Alpha", "Beta", "Production/Stable", "Mature")
    for path in manifest["images"]:
        assert (ADDON / path).is_file(), path
    for fragment in ("DESCRIPTION", "CONFIGURE", "USAGE", "HISTORY", "CONTRIBUTORS"):
        assert (ADDON / "readme" / (fragment + ".md")).read_text(encoding="utf-8").strip(), fragment
