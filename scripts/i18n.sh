#!/usr/bin/env bash
# make i18n: regenerate i18n/crm_canvas_pipeline.pot with Odoo's own export
# (a throwaway database with the module installed) and merge it into every
# i18n/*.po: new terms are added untranslated, stale ones dropped.
source "$(dirname "$0")/lib.sh"
ensure_venv
pg_start
DB=canvas_i18n_$$
trap 'drop_db "$DB" 2>/dev/null || true' EXIT
# with privacy_lookup and mass_mailing, so that both bridges install themselves too
odoo_bin -d "$DB" -i "$MODULE,privacy_lookup,mass_mailing" --stop-after-init --no-http --log-level=warn
for addon in "$MODULE" "${MODULE}_privacy" "${MODULE}_mass_mailing"; do
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" i18n export -c "$ODOO_CONF" -d "$DB" "$addon" \
        -o "$REPO/$addon/i18n/$addon.pot"
    [ -f "$REPO/$addon/i18n/es.po" ] || cp "$REPO/$addon/i18n/$addon.pot" "$REPO/$addon/i18n/es.po"
    "$VENV/bin/python" "$REPO/scripts/po_merge.py" "$REPO/$addon/i18n/$addon.pot" "$REPO/$addon"/i18n/*.po
done
