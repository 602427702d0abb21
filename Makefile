# Developer entry points; the scripts in scripts/ do the work and say why.
SHELL := /bin/bash
LIFEBOAT = "$$(swift build --show-bin-path)/lifeboat"

.PHONY: lint format build test demo docs install bench fuzz memcheck backup-db backup-list backup-verify restore-db restore-test test-backup-restore env-start env-stop

build:
	scripts/install-deps
	swift build

test:
	scripts/run-tests

# swift-format (the toolchain's `swift format`) with .swift-format: lint fails on any finding;
# format rewrites the tree in place.
lint:
	scripts/install-deps
	swift format lint --strict --recursive --parallel Package.swift Sources Tests

format:
	swift format --in-place --recursive --parallel Package.swift Sources Tests

demo:
	scripts/demo

# Regenerates the generated blocks of docs/commands.md, docs/configuration.md and
# docs/runbook-actions.md from the code (a test fails while a checked-in block is stale).
docs:
	swift build -q --product lifeboat
	$(LIFEBOAT) docs commands --write docs/commands.md
	$(LIFEBOAT) docs configuration --write docs/configuration.md
	$(LIFEBOAT) docs actions --write docs/runbook-actions.md

# The binary, lifeboat(1) and bash/zsh/fish completions under PREFIX (a release build unless
# CONFIGURATION=debug); scripts/check-install, run by make test, checks the result.
PREFIX ?= /usr/local
CONFIGURATION ?= release
install:
	swift build -q -c $(CONFIGURATION) --product lifeboat
	scripts/install "$(PREFIX)" "$$(swift build -c $(CONFIGURATION) --show-bin-path)/lifeboat"

# Lifeboat against pg_dump/gzip/gpg/psql/aws on pgbench databases (BENCH_SCALES, BENCH_ROUNDS).
bench:
	scripts/bench

fuzz:
	scripts/fuzz

memcheck:
	scripts/memcheck

# Backup and list use the environment's configuration (DATABASE_URL, BACKUP_DIR, .env, ...).
backup-db:
	swift build -q
	$(LIFEBOAT) backup --type manual --compress

backup-list:
	swift build -q
	$(LIFEBOAT) list

# The seed's verification and restore targets, on the environment's configuration.
backup-verify:
	swift build -q
	$(LIFEBOAT) verify --latest

restore-db:
	swift build -q
	$(LIFEBOAT) restore

restore-test:
	swift build -q
	$(LIFEBOAT) restore --test-only --backup-file "$$($(LIFEBOAT) list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["path"])')"

# The seed's automated backup/restore test: the integration suites against throwaway services.
test-backup-restore:
	LIFEBOAT_SKIP_MEMCHECK=1 scripts/run-tests --filter LifeboatIntegrationTests

env-start:
	scripts/test-env start

env-stop:
	scripts/test-env stop
