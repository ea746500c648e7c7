# Smallfry: `make run` opens the workbench, `make test` runs every test,
# `make bench` compares our paths with peers. Each installs what it needs.
SHELL := /bin/bash
GO_TAGS      := duckdb_arrow
DESKTOP_TAGS := desktop,production,webkit2_41,$(GO_TAGS)
BIN          := build/bin/smallfry
PYTHON       := .venv/bin/python
# Fuzz budgets are counts, not durations: Go 1.26's fuzz coordinator can fail
# a duration run at its deadline on a loaded machine (go.dev/issue/75804).
FUZZ_PARSE   ?= 150000x
FUZZ_SPLIT   ?= 100000x
FUZZ_PARAMS  ?= 150000x
FUZZ_FOOTER  ?= 150000x

.PHONY: run build deps test-deps frontend wiretypes test lint test-go test-fuzz test-frontend test-e2e test-desktop test-airflow bench python docker peers clean

run: build
	./$(BIN)

build: deps frontend
	go build -tags $(DESKTOP_TAGS) -o $(BIN) .

deps:
	bash scripts/install-deps.sh run
	go mod download

# The Debian packages the tests and benchmarks use besides (see the script).
test-deps:
	bash scripts/install-deps.sh test

frontend:
	bash scripts/build-frontend.sh

# frontend/src/wire.gen.ts from the Go types the workbench API sends and
# takes; a Go test (scripts/wiretypes) fails while it is out of date.
wiretypes:
	go generate ./scripts/wiretypes

python: test-deps
	bash scripts/setup-python.sh scripts/requirements-test.txt
	VENV=.venv-awscli bash scripts/setup-python.sh scripts/requirements-awscli.txt

# The Docker engine (started if not running; `scripts/docker-engine.sh stop`
# stops it) and the kernel image the Docker tests run, built once and cached.
docker: test-deps
	bash scripts/docker-engine.sh start
	bash scripts/build-kernel-image.sh

# The servers the tests talk to, on 127.0.0.1: the OIDC IdP (oidc-provider),
# MinIO as S3 and STS, two Apache Airflows with the DAG factory (one with a
# DAG folder, one with an S3 DAG bundle on that MinIO) and a Spark Connect
# server reading that MinIO, installed into ~/.cache/smallfry on first use
# (see scripts/peers.sh; `scripts/peers.sh stop`).
peers: test-deps
	bash scripts/peers.sh start || { status=$$?; bash scripts/peers.sh stop; exit $$status; }

# Every test, against real peers: DuckDB, ipykernel in .venv, the Docker
# engine with the locally built kernel image, the IdP, MinIO, Airflow, Spark, a keychain
# (gnome-keyring on a private D-Bus), chromium, the window under Xvfb. Every
# peer must be there (SMALLFRY_REQUIRE_PEERS=1). The peers, and the Docker
# engine if these scripts started it, are stopped at the end.
test: build python docker peers
	status=0; SMALLFRY_REQUIRE_PEERS=1 bash scripts/keyring.sh run \
		$(MAKE) lint test-go test-fuzz test-frontend test-e2e test-desktop test-airflow || status=$$?; \
	bash scripts/peers.sh stop; bash scripts/docker-engine.sh stop; exit $$status

# Lint is part of the tests: go vet, staticcheck (installed once into
# ~/.cache/smallfry/bin) and the TypeScript compiler's checks.
lint:
	@unformatted=$$(gofmt -l main.go app backend bench scripts); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet -tags $(GO_TAGS) ./...
	go vet -tags $(DESKTOP_TAGS) ./app
	"$$(bash scripts/install-go-tools.sh)/staticcheck" -tags $(GO_TAGS) ./...
	cd frontend && npm run typecheck

# What the tests need to find: the binary, the test Python, the kernel image.
# PEERS_ENV adds where the peers are, once scripts/peers.sh started them.
TEST_ENV := SMALLFRY_BIN=$(CURDIR)/$(BIN) SMALLFRY_PYTHON=$(CURDIR)/$(PYTHON) SMALLFRY_AWS_CLI=$(CURDIR)/.venv-awscli/bin/aws \
	SMALLFRY_DOCKER=1 SMALLFRY_KERNEL_IMAGE=smallfry-test-kernel:latest
PEERS_ENV := if [ -f build/peers/env ]; then set -a; . build/peers/env; set +a; fi;

# Every Go test; the CLI tests run the binary just built, as a user would.
# The Docker package's reaping tests run alone: every smallfry start reaps
# the containers of dead apps, their fake orphans included.
test-go:
	$(PEERS_ENV) $(TEST_ENV) go test -tags $(GO_TAGS) -count=1 $$(go list ./... | grep -v '/backend/docker$$')
	$(PEERS_ENV) $(TEST_ENV) go test -tags $(GO_TAGS) -count=1 ./backend/docker

# A short fuzzing pass over the readers of untrusted input (notebooks, SQL,
# parameters cells, Parquet footers).
test-fuzz:
	go test -tags $(GO_TAGS) -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZ_PARSE) ./backend/notebook
	go test -tags $(GO_TAGS) -run '^$$' -fuzz '^FuzzSplitStatements$$' -fuzztime $(FUZZ_SPLIT) ./backend/duckdb
	go test -tags $(GO_TAGS) -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZ_PARAMS) ./backend/params
	go test -tags $(GO_TAGS) -run '^$$' -fuzz '^FuzzReadFooter$$' -fuzztime $(FUZZ_FOOTER) ./backend/lake

# The frontend's types (the app, the browser tests and the configs, against
# the generated wire types), then its logic (cell state machine, api module,
# grid windows, chart specs) with Vitest.
test-frontend:
	cd frontend && npx vitest run

# The UI in Debian's chromium (playwright-core) against the real `smallfry serve`.
test-e2e:
	$(PEERS_ENV) cd frontend && $(TEST_ENV) npx vitest run --config vitest.e2e.config.ts

# The real window under Xvfb, on a fresh sample workspace; then a CSV
# dragged onto it from a GTK drag source becomes a lake table.
test-desktop:
	ws=$$(mktemp -d); status=0; bash scripts/desktop-smoke.sh $(BIN) $$ws build/smoke.png || status=$$?; \
	rm -rf $$ws; [ $$status = 0 ] || exit $$status; \
	ws=$$(mktemp -d); bash scripts/desktop-drop.sh $(BIN) $$ws build/drop || status=$$?; \
	rm -rf $$ws; exit $$status

# The DAG factory (assets/airflow/) with the real Airflow package, in the
# Airflow venv (pytest is in its lock), then, when `make peers` started it,
# the running Airflow through its REST API.
test-airflow:
	$(PEERS_ENV) venv=$$(bash scripts/airflow.sh install) && \
		"$$venv/bin/python" -m pytest -q -p no:cacheprovider scripts/airflow

bench: build test-deps
	bash scripts/setup-python.sh scripts/requirements-test.txt scripts/requirements-bench.txt
	SMALLFRY_BIN=$(CURDIR)/$(BIN) PYTHON=$(CURDIR)/$(PYTHON) bash bench/run.sh

clean:
	rm -rf build/bin frontend/dist/assets .venv .venv-awscli
