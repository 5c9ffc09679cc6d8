# accomp_billing — developer entry points. Everything is installed on demand by
# scripts/setup.sh into .state/ (git-ignored); see README.md.
#   make run    Odoo on http://localhost:8069 with the demo database (HTTP_PORT, DB)
#   make test   fresh test database, then pytest, browser tests included (PYTEST_ARGS)
#   make lint   pre-commit: ruff, pylint-odoo, oca-checks-odoo-module
#   make soak   fault-injection soak: exactly-once under kill -9 (SOAK_ARGS)
#   make stop   stop the project's PostgreSQL
SETUP := bash scripts/setup.sh

.PHONY: setup run test lint stop clean-db soak bench

setup:
	@$(SETUP) all

run:
	@$(SETUP) run

test:
	@$(SETUP) test $(PYTEST_ARGS)

lint:
	@$(SETUP) lint

# Kill -9 and concurrent workers, then SQL checks (10 minutes; CI runs 2).
soak:
	@$(SETUP) soak $(SOAK_ARGS)

# Scheduler against Odoo's own batch invoicing; writes docs/benchmarks.md.
bench:
	@$(SETUP) bench $(BENCH_ARGS)

stop:
	@$(SETUP) pg-stop

# Drop the demo database: the next `make run` installs it again.
clean-db:
	@$(SETUP) all && $(SETUP) drop-db
