# The fact-check workflow service. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,native]'
	@touch $(STAMP)

install: $(STAMP) native ## Create .venv (from python3, or PYTHON=...), install the service with its development tools, compile the extractor

# Before everything that runs code: it compiles only when what is compiled does not match the sources, and says why
# not where it cannot (the extractor then runs as plain Python).
native: $(STAMP) ## Compile the claim extractor with mypyc where a C compiler is found (1.45x as fast), unless it is current
	@$(BIN)/python -m shared.claims.native build

run: native ## Start everything (embedded PostgreSQL and Redis unless FACTCHECK_DATABASE_URL/REDIS_URL are set)
	$(BIN)/factcheck run

tools: ## Install the tools the tests use: docker-compose (validates docker-compose.yml), Chromium and axe-core (the page's browser tests)
	@missing=""; command -v docker-compose >/dev/null || missing="docker-compose"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	[ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] \
		&& { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
		|| echo "missing: $$missing (apt-get install $$missing); the tests that need them are skipped"; }
	@[ -f .data/web-test/node_modules/axe-core/axe.min.js ] || { command -v npm >/dev/null \
		&& npm install --silent --no-audit --no-fund --prefix .data/web-test axe-core@4 >/dev/null \
		|| echo "axe-core missing: install Node.js and npm; the accessibility test is skipped"; }

test: native tools ## Run the whole test suite, fault-injection tests included
	$(BIN)/pytest

test-fast: native ## Run the tests without the slow fault-injection ones
	$(BIN)/pytest -m "not slow"

fuzz: native ## Fuzz the API against its own OpenAPI document for 10 minutes, with every role's key
	FACTCHECK_FUZZ_SECONDS=$${FACTCHECK_FUZZ_SECONDS:-600} FACTCHECK_FUZZ_EXAMPLES=$${FACTCHECK_FUZZ_EXAMPLES:-100} $(BIN)/pytest -s tests/fuzz

migrate: native ## Apply the database migrations
	$(BIN)/factcheck migrate

api: native ## Run one API process on FACTCHECK_HOST:FACTCHECK_PORT (needs FACTCHECK_DATABASE_URL and FACTCHECK_REDIS_URL)
	$(BIN)/python -m services.api.serve

worker: native ## Run only a worker (needs the two URLs)
	$(BIN)/dramatiq services.worker.main --processes 1 --threads $${FACTCHECK_WORKER_THREADS:-8}

relay: native ## Run only the outbox relay (needs the two URLs)
	$(BIN)/python -m services.worker.relay

train-claims: native ## Train the check-worthiness model from data/ (reproducible) into shared/claims/weights/
	$(BIN)/python -m shared.claims.training.train

check-weights: native ## Fail unless the shipped check-worthiness weights are what make train-claims gives (CI runs it)
	$(BIN)/python -m shared.claims.training.train --check

eval-claims: native ## Precision, recall and F1 of the model per split, beside a TF-IDF baseline; worst errors
	$(BIN)/python -m shared.claims.training.evaluate

eval-related: native ## Precision and recall of "the same claim" on data/related, the threshold, the errors
	$(BIN)/python -m shared.related.evaluate

bench: native ## Measure every figure against its target, 3 runs each (extractor, ingest, verification, a million claims): one table and bench/results.json
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)

soak: native ## Run the whole service under a steady mixed load for 10 minutes: errors, latency, queue depth, memory (SOAK_ARGS="--minutes 30")
	$(BIN)/python -m tests.soak.run $(SOAK_ARGS)

seed-large: native ## Write the desk at scale (a year, 1,000,000 claims) that make bench uses, once
	$(BIN)/python -m tests.bench.seed

lint: $(STAMP) ## Check style and common mistakes, and the installed dependencies for known vulnerabilities
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Fails on a known vulnerability; a package the advisory service does not know is counted, not listed.
	@mkdir -p .data; $(BIN)/pip-audit --skip-editable --progress-spinner off 2>&1 | tee .data/audit.txt \
		| grep -v "could not be audited"; status=$${PIPESTATUS[0]}; \
	echo "dependency audit: $$(grep -c 'could not be audited' .data/audit.txt) packages unknown to the advisory service"; \
	exit $$status

format: $(STAMP) ## Rewrite the code in the project's style
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## Remove the virtual environment (the compiled extractor with it) and the embedded servers' data
	rm -rf $(VENV) .data .pytest_cache .ruff_cache

.PHONY: help install native tools run test test-fast fuzz migrate api worker relay train-claims check-weights eval-claims eval-related bench soak seed-large lint format clean
