#!/usr/bin/env bash
# make test-compat: Odoo's own tests of crm and of the stock modules built on
# it, on a database where crm_canvas_pipeline is installed next to them.
#  1. Every selected test runs after all modules are loaded (the registry the
#     users get), stock's crm_performance query budgets included.
#  2. crm's at_install tests run the stock way (odoo-bin --test-tags): while
#     Odoo loads crm, before this module, the state every `-u crm` passes
#     through.
# A failing stock test is rerun alone once (browser tours can time out on a
# loaded 2-core machine); one that still fails is run alone, the same way, on
# a database with the same stock modules and without this one, with the Leads
# setting on (the stock setting the module's install turns on): only a test
# that fails with the module and passes without it counts as broken, and
# fails this target.
source "$(dirname "$0")/lib.sh"
# test_crm_full brings sale_crm, website_crm, crm_sms, event_crm,
# website_crm_partner_assign, website_crm_livechat and crm_iap_*.
STOCK_MODULES=test_crm_full,crm_livechat,survey_crm,crm_mail_plugin,partnership,mass_mailing_crm
SUITES=/crm,/sale_crm,/website_crm,/crm_livechat,/website_crm_livechat,/crm_sms,/event_crm,/survey_crm,/crm_mail_plugin
SUITES+=,/website_crm_partner_assign,/partnership,/mass_mailing_crm,/test_crm_full
# stock's query budgets (tagged -standard: no plain /module tag selects them)
SUITES+=,crm_performance/crm,crm_performance/test_crm_full
# mail's own activity tests (the module mirrors activities on leads)
SUITES+=,/mail:TestMailActivityChatter,/mail:TestMailActivityIntegrity
TAGS=${COMPAT_TAGS:-$SUITES}
# crm's at_install tests, run while Odoo loads crm
AT_LOAD_TAGS=${COMPAT_AT_LOAD_TAGS:-at_install/crm}

ensure_venv
pg_start
DB_MOD=canvas_compat_mod_$$
DB_STOCK=canvas_compat_stock_$$
cleanup() { drop_db "$DB_MOD" 2>/dev/null || true; drop_db "$DB_STOCK" 2>/dev/null || true; }
trap cleanup EXIT

# run_tests way db tags log; way: "post" (all after loading) or "load" (odoo-bin's own)
run_tests() {
    local runner=("$VENV/bin/python" "$REPO/scripts/odoo_tests_post_install.py")
    [ "$1" = load ] && runner=("$VENV/bin/python" "$ODOO_SRC/odoo-bin")
    set +e
    "${runner[@]}" -c "$ODOO_CONF" -d "$2" --test-enable --test-tags "$3" --stop-after-init --log-level=test \
        --http-port "$(free_port)" > "$4" 2>&1
    set -e
}

# "FAIL: TestClass.test_method" / "ERROR: TestClass.test_method", logged by
# odoo.addons.<module>.tests.<file>: print each as a test tag /module:Class.method
# A failing setUpClass fails the whole class: /module:Class.
failed_tests() {
    {
        sed -nE 's/.* (ERROR|CRITICAL) [^ ]+ odoo\.addons\.([a-z0-9_]+)\.tests\.[a-z0-9_]+: (FAIL|ERROR): (Subtest )?([A-Za-z0-9_]+)\.(test[A-Za-z0-9_]*).*/\/\2:\5.\6/p' "$1"
        sed -nE 's/.* ERROR [^ ]+ odoo\.tests\.suite: ERROR: setUp(Class)? \(odoo\.addons\.([a-z0-9_]+)\.tests\.[a-z0-9_]+\.([A-Za-z0-9_]+)\).*/\/\2:\3/p' "$1"
    } | sort -u
}

# the run executed at least one test and none failed
passed() { grep -Eq 'odoo\.tests\.result: 0 failed, 0 error\(s\) of [1-9][0-9]* tests' "$1"; }

total_of() { grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$1" | tail -1; }

say "installing $MODULE and $STOCK_MODULES in $DB_MOD"
odoo_bin -d "$DB_MOD" -i "$MODULE,$STOCK_MODULES" --stop-after-init --no-http --log-level=warn

broken=()
# check way tags: run, then sort each failing test out as flaky, not ours or broken
check() {
    local way=$1 tags=$2 log=$LOCAL/log/compat-$1-$DB_MOD.log
    say "running stock tests ($way) with $MODULE installed: $tags (log: $log)"
    run_tests "$way" "$DB_MOD" "$tags" "$log"
    say "$way: $(grep -Eo 'odoo\.tests\.stats: [a-z_]+: [0-9]+ tests' "$log" | sed 's/odoo.tests.stats: //' | tr '\n' ' ')"
    say "$way: $(total_of "$log" || echo 'no summary')"
    grep -q "odoo.tests.stats: crm: [0-9]* tests" "$log" || die "the stock crm tests did not run (see $log)"
    local failing t one stock
    mapfile -t failing < <(failed_tests "$log")
    if [ "${#failing[@]}" = 0 ] && ! passed "$log"; then
        die "the stock tests failed but no failing test could be read from $log"
    fi
    [ "${#failing[@]}" = 0 ] && return
    say "${#failing[@]} failing stock test(s); rerunning each alone"
    for t in "${failing[@]}"; do
        one=$LOCAL/log/compat-$way-rerun-${t//[^A-Za-z0-9_]/_}.log
        run_tests "$way" "$DB_MOD" "$(alone "$way" "$t")" "$one"
        if passed "$one"; then
            say "  $t passed when rerun alone (flaky under load)"
            continue
        fi
        if ! db_exists "$DB_STOCK"; then
            say "  installing $STOCK_MODULES without $MODULE in $DB_STOCK for the comparison"
            odoo_bin -d "$DB_STOCK" -i "$STOCK_MODULES" --stop-after-init --no-http --log-level=warn
            echo 'env.ref("base.group_user")._apply_group(env.ref("crm.group_use_lead")); env.cr.commit()' \
                | "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" -d "$DB_STOCK" --no-http --log-level=warn
        fi
        stock=$LOCAL/log/compat-$way-stock-${t//[^A-Za-z0-9_]/_}.log
        run_tests "$way" "$DB_STOCK" "$(alone "$way" "$t")" "$stock"
        if passed "$stock"; then
            # website_crm_partner_assign's tours time out now and then on two
            # busy cores, with or without the module: broken is failing with
            # the module once more, alone, right after passing without it
            again=$LOCAL/log/compat-$way-again-${t//[^A-Za-z0-9_]/_}.log
            run_tests "$way" "$DB_MOD" "$(alone "$way" "$t")" "$again"
            if passed "$again"; then
                say "  $t failed with $MODULE, passed without it, then passed with it: flaky (see $one, $again)"
                continue
            fi
            say "  BROKEN: $t fails with $MODULE and passes without it (see $one, $again)"
            broken+=("$way $t")
        else
            say "  $t fails without $MODULE too: not ours"
        fi
    done
}

# one test's tag: a budget test needs its crm_performance tag, a test run
# while loading its at_install one
alone() {
    case "$1 $2" in
        "post /test_crm_full:TestCrmPerformance."* | "post /test_crm_full:CrmPerformanceCase."*)
            echo "crm_performance$2" ;;
        "load "*) echo "at_install$2" ;;
        *) echo "$2" ;;
    esac
}

check post "$TAGS"
check load "$AT_LOAD_TAGS"

if [ "${#broken[@]}" -gt 0 ]; then
    echo "test-compat: ${#broken[@]} stock test(s) broken by $MODULE: ${broken[*]}" >&2
    exit 1
fi
echo "test-compat: no stock test broken by $MODULE"
