# Every target reads ODOO_SRC (default /opt/odoo/19.0) and keeps its state in
# .local/ (PostgreSQL cluster, filestore, logs) and .venv/, both git-ignored.
export ODOO_SRC ?= /opt/odoo/19.0
SHELL := /bin/bash

.PHONY: run test test-compat lint i18n venv pg-stop clean help bench

help:
	@echo "make run          demo database canvas_demo on http://127.0.0.1:8069 (admin/admin)"
	@echo "make test         the module's tests (odoo-bin then pytest) on a throwaway database"
	@echo "make test-compat  Odoo's own crm tests with the module installed"
	@echo "make lint         ruff and pylint-odoo"
	@echo "make i18n         regenerate i18n/crm_canvas_pipeline.pot and merge it into es.po"
	@echo "make bench        stock crm vs crm + the module on SIZE seeded leads (default 10000)"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

test-compat:
	@scripts/test_compat.sh

venv:
	@bash -c 'source scripts/lib.sh && ensure_venv'

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/pylint --rcfile=.pylintrc crm_canvas_pipeline

pg-stop:
	@bash -c 'source scripts/lib.sh && pg_stop'

clean: pg-stop
	rm -rf .local

i18n:
	@scripts/i18n.sh

# make bench / make bench SIZE=200000: stock crm vs crm + the module on the same data
bench:
	@scripts/bench.sh $(SIZE)
