# Every target reads ODOO_SRC (default /opt/odoo/19.0) and keeps its state in
# .local/ (PostgreSQL cluster, filestore, logs) and .venv/, both git-ignored.
export ODOO_SRC ?= /opt/odoo/19.0
SHELL := /bin/bash

.PHONY: run test test-compat load load-short bench lint i18n wheel screenshots readme venv pg-stop clean help

help:
	@echo "make run          demo database canvas_demo on http://127.0.0.1:8069 (admin/admin)"
	@echo "make test         the module's tests (odoo-bin), then the integration tests (pytest)"
	@echo "make test-compat  Odoo's own crm tests with the module installed"
	@echo "make load         16 reps over JSON-RPC on 2 Odoo workers for 60 s, then again with faults"
	@echo "make load-short   the normal load run only, 15 s on 2,000 leads, with its checks (CI)"
	@echo "make lint         pre-commit: ruff, pylint-odoo, OCA checks, prettier"
	@echo "make i18n         regenerate i18n/crm_canvas_pipeline.pot and merge it into es.po"
	@echo "make screenshots  the seed-journey tours' screenshots into static/description/"
	@echo "make readme       regenerate static/description/index.html from readme/*.md"
	@echo "make wheel        build dist/odoo_addon_crm_canvas_pipeline-<version>-py3-none-any.whl"
	@echo "make bench        stock crm vs crm + the module on SIZE seeded leads (default 10000)"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

test-compat:
	@scripts/test_compat.sh

# Load and faults (issue 9): a normal run, then one with a worker killed and
# PostgreSQL restarted; LOAD_RUNS=normal or LOAD_RUNS=faults runs one of them.
load:
	@scripts/load.sh

# CI's guard on the load run and its checks: the normal run only, short, on a
# smaller seed (its template database is built once per size).
load-short:
	@LOAD_RUNS=normal LOAD_DURATION=15 LOAD_LEADS=2000 scripts/load.sh

venv:
	@bash -c 'source scripts/lib.sh && ensure_venv'

# pre-commit (.pre-commit-config.yaml): ruff, pylint-odoo, OCA's module and
# .po checks, prettier. It builds its hook envs in ~/.cache/pre-commit on the
# first run; prettier comes from npm, pinned by package-lock.json.
lint: venv node_modules/.installed
	.venv/bin/pre-commit run --all-files --show-diff-on-failure

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

pg-stop:
	@bash -c 'source scripts/lib.sh && pg_stop'

clean: pg-stop
	rm -rf .local

i18n:
	@scripts/i18n.sh

screenshots:
	@scripts/screenshots.sh

readme: venv
	.venv/bin/python scripts/gen_readme.py

# PEP 517 (whool, from the venv: no download). The wheel holds the files git
# tracks in the addon folder.
wheel: venv
	.venv/bin/pip wheel -q --no-build-isolation --no-deps -w dist ./crm_canvas_pipeline
	@ls dist/*.whl
# make bench / make bench SIZE=200000: stock crm vs crm + the module on the same data
bench:
	@scripts/bench.sh $(SIZE)
