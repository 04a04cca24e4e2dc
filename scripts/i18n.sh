#!/usr/bin/env bash
# make i18n: regenerate i18n/crm_canvas_pipeline.pot with Odoo's own export
# (a throwaway database with the module installed) and merge it into every
# i18n/*.po: new terms are added untranslated, stale ones dropped.
source "$(dirname "$0")/lib.sh"
ensure_venv
pg_start
DB=canvas_i18n_$$
trap 'drop_db "$DB" 2>/dev/null || true' EXIT
odoo_bin -d "$DB" -i "$MODULE" --stop-after-init --no-http --log-level=warn
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" i18n export -c "$ODOO_CONF" -d "$DB" "$MODULE" \
    -o "$REPO/$MODULE/i18n/$MODULE.pot"
"$VENV/bin/python" "$REPO/scripts/po_merge.py" "$REPO/$MODULE/i18n/$MODULE.pot" "$REPO/$MODULE"/i18n/*.po
