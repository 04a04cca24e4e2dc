#!/usr/bin/env bash
# make test: a throwaway database with the module installed, the module's suite
# run by odoo-bin (log checked), then the repository's integration tests by
# pytest (pytest-odoo) on the same database. The last line printed is
# pytest's summary.
source "$(dirname "$0")/lib.sh"

ensure_venv
pg_start
DB=canvas_test_$$
export CANVAS_TEST_DB=$DB
LOG=$LOCAL/log/test-$DB.log
cleanup() { drop_db "$DB" 2>/dev/null || true; }
trap cleanup EXIT

# with Odoo's Privacy Lookup and mass mailing, whose opt-outs the module
# honours: the privacy and campaign bridges install themselves, and all three are tested
BRIDGE=${MODULE}_privacy
CAMPAIGNS=${MODULE}_mass_mailing
say "odoo-bin: installing $MODULE, privacy_lookup, mass_mailing in $DB and running the tests of $MODULE, $BRIDGE, $CAMPAIGNS (log: $LOG)"
set +e
odoo_bin -d "$DB" -i "$MODULE,privacy_lookup,mass_mailing" --test-enable --test-tags "/$MODULE,/$BRIDGE,/$CAMPAIGNS" \
    --stop-after-init --log-level=test --http-port "$(free_port)" > "$LOG" 2>&1
rc=$?
set -e
"$VENV/bin/python" "$REPO/scripts/checklog.py" --module "$MODULE" --module "$BRIDGE" --module "$CAMPAIGNS" "$LOG" || exit 1
[ "$rc" = 0 ] || die "odoo-bin exited with $rc (see $LOG)"

say "pytest: the integration tests in tests/ (database $DB)"
cd "$REPO"
# A test module pytest collects but that ends skipped is a failure (-rs lists why).
"$VENV/bin/pytest" -p no:cacheprovider -rs \
    --odoo-config "$ODOO_CONF" --odoo-database "$DB" --odoo-http --odoo-log-level warn \
    "$REPO/tests" "$@"
