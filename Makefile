# wecom_integration: `make run` starts everything, `make test` runs every test.
# Every target bootstraps what it needs (Python 3.7 venv, lessc, local PostgreSQL).
.PHONY: help setup run test bench stop clean

help:
	@echo "make run    start PostgreSQL, the WeCom emulator and Odoo (http://127.0.0.1:8069, admin/admin)"
	@echo "make test   run every test layer"
	@echo "make bench  run the benchmarks (prints ratios)"
	@echo "make setup  only install the toolchain (.venv, lessc, PostgreSQL cluster)"
	@echo "make stop   stop the local PostgreSQL"
	@echo "make clean  stop and delete .venv and .local (databases included)"

setup:
	@bash scripts/setup.sh
	@bash scripts/pg.sh start

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

bench:
	@bash scripts/bench.sh

stop:
	@bash scripts/pg.sh stop

clean:
	@bash scripts/pg.sh clean
	rm -rf .venv .local
