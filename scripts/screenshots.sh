#!/usr/bin/env bash
# make screenshots: installs the module in a throwaway database and runs the
# seed-journey tours (TestSeedJourney, crm_canvas_pipeline/tests/test_tours.py)
# with CANVAS_SCREENSHOTS_DIR set. The tours stop at the main screens and the
# test captures them, as it does in make test (there into a temporary folder);
# here the checked PNGs are copied into static/description/, for the README
# and the Apps page. The log is checked as make test checks its own.
source "$(dirname "$0")/lib.sh"

ensure_venv
pg_start
DB=canvas_shots_$$
LOG=$LOCAL/log/screenshots-$DB.log
trap 'drop_db "$DB" 2>/dev/null || true' EXIT
export CANVAS_SCREENSHOTS_DIR=$REPO/$MODULE/static/description

say "odoo-bin: screenshots of $MODULE into $CANVAS_SCREENSHOTS_DIR (log: $LOG)"
set +e
odoo_bin -d "$DB" -i "$MODULE" --test-enable --test-tags "/$MODULE:TestSeedJourney" \
    --stop-after-init --log-level=test --http-port "$(free_port)" > "$LOG" 2>&1
rc=$?
set -e
"$VENV/bin/python" "$REPO/scripts/checklog.py" --module "$MODULE" "$LOG" || exit 1
[ "$rc" = 0 ] || die "odoo-bin exited with $rc (see $LOG)"
ls -l "$CANVAS_SCREENSHOTS_DIR"/*.png >&2
