#!/usr/bin/env bash
# make run: the demo database 'canvas_demo' with the module, served on
# http://127.0.0.1:8069 (admin/admin). Ctrl-C stops Odoo and the cluster.
source "$(dirname "$0")/lib.sh"
DB=${DEMO_DB:-canvas_demo}
HTTP_PORT=${HTTP_PORT:-8069}

ensure_venv
pg_start
trap pg_stop EXIT

hash=$(module_hash)
stamp=$LOCAL/$DB.module-hash
if ! db_exists "$DB"; then
    say "creating $DB with demo data and $MODULE (a few minutes the first time)"
    odoo_bin -d "$DB" -i "$MODULE" --with-demo --stop-after-init --log-level=warn \
        || { drop_db "$DB"; die "could not create $DB (see the log above)"; }
    echo "$hash" > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
    say "the module changed since the last run: upgrading it in $DB"
    odoo_bin -d "$DB" -u "$MODULE" --stop-after-init --log-level=warn || die "could not upgrade $MODULE in $DB"
    echo "$hash" > "$stamp"
fi

say "Odoo on http://127.0.0.1:$HTTP_PORT (login admin / password admin); Ctrl-C stops it"
# Not exec: the EXIT trap must stop the cluster once Odoo ends.
odoo_bin -d "$DB" --db-filter="^$DB\$" --http-port "$HTTP_PORT" --http-interface 127.0.0.1 || true
