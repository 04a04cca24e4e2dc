#!/usr/bin/env bash
# make bench [SIZE=10000]: the same seeded pipeline in two databases, crm only
# and crm + the module (installed on a copy of the first, timed), then the
# same operations timed on both as a sales rep. Prints the table; writes
# JSON, CSV and the chart of ratios to .local/bench/.
source "$(dirname "$0")/lib.sh"

SIZE=${1:-${SIZE:-10000}}
RUNS=${RUNS:-5}
OUT=$LOCAL/bench
[[ $SIZE =~ ^[0-9]+$ ]] || die "the size is a number of leads: make bench SIZE=200000"

ensure_venv
pg_start
mkdir -p "$OUT"
started=$(date +%s)

copy_db() {  # copy_db FROM TO: a template copy, with its filestore
    drop_db "$2"
    psql_local -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\"" >/dev/null
    if [ -d "$LOCAL/data/filestore/$1" ]; then
        mkdir -p "$LOCAL/data/filestore"
        cp -r "$LOCAL/data/filestore/$1" "$LOCAL/data/filestore/$2"
    fi
}

# crm installed on an empty database, kept between runs while Odoo's source
# is the same (it does not depend on this module)
BASE=bench_crm_base
base_key=$(cd "$ODOO_SRC" && { git rev-parse HEAD 2>/dev/null || sha1sum odoo/release.py; } | cut -c1-40)
if ! db_exists "$BASE" || [ "$(cat "$OUT/base.key" 2>/dev/null)" != "$base_key" ]; then
    say "installing crm (no demo data) in $BASE"
    drop_db "$BASE"
    odoo_bin -d "$BASE" -i crm --stop-after-init --no-http --log-level=warn > "$OUT/base.log" 2>&1 \
        || { tail -20 "$OUT/base.log" >&2; die "crm did not install"; }
    echo "$base_key" > "$OUT/base.key"
fi

STOCK=bench_stock_$SIZE
CANVAS=bench_module_$SIZE
say "seeding $SIZE leads in $STOCK"
copy_db "$BASE" "$STOCK"
seed_start=$(date +%s.%N)
"$VENV/bin/python" "$REPO/bench/seed.py" -c "$ODOO_CONF" -d "$STOCK" --size "$SIZE"
seed_seconds=$(echo "$(date +%s.%N) - $seed_start" | bc)
# the seed clones its leads in SQL and then UPDATEs them, which leaves dead
# rows behind: the data both sides start from is a compact copy of what a
# database that grew lead by lead would hold (this is the bench's own data,
# before the module is installed on a copy of it)
psql_local -d "$STOCK" -c "VACUUM FULL crm_lead" >/dev/null

say "installing $MODULE on a copy: $CANVAS"
copy_db "$STOCK" "$CANVAS"
install_start=$(date +%s.%N)
odoo_bin -d "$CANVAS" -i "$MODULE" --stop-after-init --no-http --log-level=warn > "$OUT/install-$SIZE.log" 2>&1 \
    || { tail -20 "$OUT/install-$SIZE.log" >&2; die "$MODULE did not install"; }
install_seconds=$(echo "$(date +%s.%N) - $install_start" | bc)
say "installed in ${install_seconds}s"
# both sides as a DBA or autovacuum leaves them, the same plain VACUUM
# ANALYZE: the install's UPDATEs leave dead rows in crm_lead, which this
# marks reusable (the module administers no stock table itself)
psql_local -d "$STOCK" -c "VACUUM ANALYZE" >/dev/null
psql_local -d "$CANVAS" -c "VACUUM ANALYZE" >/dev/null

say "timing the operations as bench_rep_1, $RUNS runs each, stock and module alternately"
set +e
"$VENV/bin/python" "$REPO/bench/run.py" -c "$ODOO_CONF" --stock "$STOCK" --module "$CANVAS" --size "$SIZE" \
    --runs "$RUNS" ${UPGRADE_RUNS:+--upgrade-runs "$UPGRADE_RUNS"} --install-seconds "$install_seconds" --seed-seconds "$seed_seconds" --out "$OUT" ${ONLY:+--only "$ONLY"}
rc=$?
set -e
"$VENV/bin/python" "$REPO/bench/chart.py" "$OUT"
say "results in $OUT (bench-$SIZE.json, .csv, .txt, ratios.png); $(( $(date +%s) - started ))s in all"
exit $rc
