# Developer entry points; the scripts in scripts/ do the work and say why.
SHELL := /bin/bash
LIFEBOAT = "$$(swift build --show-bin-path)/lifeboat"

.PHONY: build test demo bench memcheck backup-db backup-list env-start env-stop

build:
	scripts/install-deps
	swift build

test:
	scripts/run-tests

demo:
	scripts/demo

bench:
	@echo "make bench arrives with issue 9"

memcheck:
	scripts/memcheck

# Backup and list use the environment's configuration (DATABASE_URL, BACKUP_DIR, .env, ...).
backup-db:
	swift build -q
	$(LIFEBOAT) backup --type manual --compress

backup-list:
	swift build -q
	$(LIFEBOAT) list

env-start:
	scripts/test-env start

env-stop:
	scripts/test-env stop
