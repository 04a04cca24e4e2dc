#!/usr/bin/env bash
# make load: Odoo in multi-worker mode on the demo data grown to 10,000
# leads, 16 reps over JSON-RPC for 60 s; then the same with a worker killed
# (SIGKILL) and PostgreSQL restarted during the run. Reports and checks are
# in scripts/load/load.py; the JSON reports go to .local/load/.
#   LOAD_RUNS="normal faults" (default), LOAD_DURATION=60, LOAD_WORKERS=2,
#   LOAD_LEADS=10000 (the seed's size: one template database per size),
#   LOAD_FRESH=1 rebuilds the seeded template database.
source "$(dirname "$0")/lib.sh"
export LOAD_LEADS=${LOAD_LEADS:-10000}
TEMPLATE=canvas_load_template
[ "$LOAD_LEADS" = 10000 ] || TEMPLATE=canvas_load_template_$LOAD_LEADS
DB=${LOAD_DB:-canvas_load}
RUNS=${LOAD_RUNS:-normal faults}
export SCRIPTS=$REPO/scripts

ensure_venv
pg_start
trap pg_stop EXIT

hash=$( (module_hash; sha1sum "$SCRIPTS/load/seed.py") | sha1sum | cut -c1-40)
stamp=$LOCAL/$TEMPLATE.hash
if [ "${LOAD_FRESH:-0}" = 1 ] || ! db_exists "$TEMPLATE" || [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
    drop_db "$TEMPLATE"
    say "creating $TEMPLATE: demo data, $MODULE, seeded to $LOAD_LEADS leads (several minutes)"
    odoo_bin -d "$TEMPLATE" -i "$MODULE" --with-demo --stop-after-init --log-level=warn \
        || { drop_db "$TEMPLATE"; die "could not create $TEMPLATE"; }
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" -d "$TEMPLATE" --no-http --log-level=warn < "$SCRIPTS/load/seed.py" \
        || { drop_db "$TEMPLATE"; die "could not seed $TEMPLATE"; }
    echo "$hash" > "$stamp"
fi

status=0
for run in $RUNS; do
    # every run starts from the same seeded state
    drop_db "$DB"
    psql_local -c "CREATE DATABASE \"$DB\" TEMPLATE \"$TEMPLATE\"" >/dev/null
    if [ -d "$LOCAL/data/filestore/$TEMPLATE" ]; then
        mkdir -p "$LOCAL/data/filestore"
        cp -a "$LOCAL/data/filestore/$TEMPLATE" "$LOCAL/data/filestore/$DB"
    fi
    args=(--db "$DB" --name "$run" --duration "${LOAD_DURATION:-60}" --workers "${LOAD_WORKERS:-2}")
    [ "$run" = faults ] && args+=(--faults)
    say "load run '$run'"
    timeout 1800 "$VENV/bin/python" "$SCRIPTS/load/load.py" "${args[@]}" || status=1
done
exit $status
