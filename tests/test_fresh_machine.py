"""On a fresh machine the targets need Debian packages: one list
(scripts/lib.sh) that every target checks first. Not root, a target with a
package missing stops within seconds and says the exact apt-get line; with
nothing missing it goes on."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# what lib.sh and its package check run, besides bash's builtins
TOOLS = ("bash", "dirname", "ls", "python3", "pg_config", "gcc", "npm", "git", "chromium")


def _check(tmp_path, missing=()):
    """Run lib.sh's package check as a non-root user (a fake `id`) on a
    PATH that has the real tools but `missing`: (status, stderr, seconds)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in TOOLS:
        # python3: the interpreter itself (a pyenv shim needs its own PATH)
        found = os.path.realpath(sys.executable) if tool == "python3" else shutil.which(tool)
        assert found or tool in missing, "%s is not installed here" % tool
        if found and tool not in missing:
            (bindir / tool).symlink_to(found)
    fake_id = bindir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)
    started = time.monotonic()
    proc = subprocess.run(
        [str(bindir / "bash"), "-c", "source scripts/lib.sh && ensure_debian_packages && echo ready"],
        cwd=REPO,
        env={"PATH": str(bindir), "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc, time.monotonic() - started


def test_a_missing_package_stops_at_once_with_the_line_to_run(tmp_path):
    proc, seconds = _check(tmp_path, missing=("chromium", "npm"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "sudo apt-get install -y chromium npm" in proc.stderr
    assert "ready" not in proc.stdout
    assert seconds < 10


def test_nothing_missing_goes_on(tmp_path):
    proc, _seconds = _check(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ready"
