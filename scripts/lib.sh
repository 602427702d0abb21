# shellcheck shell=bash
# Shared helpers for scripts/test-env, scripts/demo and scripts/memcheck: a throwaway
# PostgreSQL cluster, the Pagila fixture, throwaway GnuPG homes and moto_server.
# Sourced, not run; callers set `set -euo pipefail` themselves.

LB_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LB_PAGILA_DIR="$LB_REPO_ROOT/Tests/Fixtures/pagila"

lb_log() { printf '%s: %s\n' "${LB_PROG:-lifeboat}" "$*" >&2; }
lb_die() { lb_log "error: $*"; exit 1; }

# Debian keeps server binaries off PATH; take the newest installed major version.
lb_pgbin() {
    local d
    d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    [[ -n "$d" && -x "$d/initdb" ]] || lb_die "no PostgreSQL server found under /usr/lib/postgresql (run scripts/install-deps)"
    printf '%s\n' "$d"
}

# Ask the kernel for a free loopback port (bind to 0), so parallel runs never collide.
lb_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

lb_random_password() {
    python3 -c 'import secrets; print(secrets.token_hex(16))'
}

# initdb and pg_ctl refuse to run as root: run them as the postgres OS user then.
# `cd /` so the postgres user never trips over a cwd it cannot read (e.g. under /root).
lb_as_pg() {
    if [[ "$(id -u)" -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Give a path to the postgres user when we are root (no-op otherwise).
lb_chown_pg() {
    if [[ "$(id -u)" -eq 0 ]]; then chown -R postgres:postgres "$@"; fi
}

# lb_pg_create PGBIN DIR PASSWORD: initdb a cluster in DIR/pgdata with its socket in DIR/sock
# and its log at DIR/postgres.log. DIR must be traversable by the postgres user.
lb_pg_create() {
    local pgbin="$1" dir="$2" password="$3" pwfile
    mkdir -p "$dir/pgdata" "$dir/sock"
    chmod 700 "$dir/pgdata"
    touch "$dir/postgres.log"
    pwfile="$dir/pgdata.pw"
    (umask 077 && printf '%s\n' "$password" >"$pwfile")
    lb_chown_pg "$dir/pgdata" "$dir/sock" "$dir/postgres.log" "$pwfile"
    # UTF8 is required: Pagila has a domain named "bıgınt".
    if ! lb_as_pg "$pgbin/initdb" -D "$dir/pgdata" -U postgres --auth=scram-sha-256 \
            --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        rm -f "$pwfile"
        cat "$dir/initdb.log" >&2
        lb_die "initdb failed (log: $dir/initdb.log)"
    fi
    rm -f "$pwfile"
}

# lb_pg_start PGBIN DIR PORT: start the cluster made by lb_pg_create, wait until it answers.
lb_pg_start() {
    local pgbin="$1" dir="$2" port="$3"
    # Durability off: these clusters are thrown away, and tests run faster without fsync.
    if ! lb_as_pg "$pgbin/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
            start >"$dir/pg_ctl.log" 2>&1; then
        tail -n 30 "$dir/postgres.log" >&2 || true
        lb_die "pg_ctl start failed (log: $dir/postgres.log)"
    fi

    for _ in $(seq 1 60); do
        if "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port"; then return 0; fi
        sleep 0.5
    done
    lb_die "PostgreSQL on port $port did not become ready (log: $dir/postgres.log)"
}

# lb_pg_stop PGBIN DIR: fast shutdown; silent and successful if it is already gone.
lb_pg_stop() {
    local pgbin="$1" dir="$2"
    if [[ -f "$dir/pgdata/postmaster.pid" ]]; then
        lb_as_pg "$pgbin/pg_ctl" -D "$dir/pgdata" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
}

# lb_load_pagila PGBIN DB: create DB and load the fixture into it. Uses PGHOST/PGPORT/
# PGUSER/PGPASSWORD from the environment. Any SQL error is fatal (ON_ERROR_STOP).
lb_load_pagila() {
    local pgbin="$1" db="$2" part
    "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
    for part in schema data; do
        gunzip -c "$LB_PAGILA_DIR/pagila-$part.sql.gz" \
            | "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null \
            || lb_die "loading pagila-$part.sql.gz into $db failed"
    done
}

# lb_gpg_key HOME UID: make sure HOME holds a passphrase-less key for UID (ed25519 with a
# cv25519 encryption subkey) and print its primary fingerprint. Reuses an existing key.
lb_gpg_key() {
    local home="$1" uid="$2" fpr
    mkdir -p "$home"
    chmod 700 "$home"
    fpr="$(lb_gpg_fpr "$home" "$uid")"
    if [[ -z "$fpr" ]]; then
        # Output to a file, not our pipe: gpg may spawn gpg-agent, which must not hold it.
        gpg --homedir "$home" --batch --pinentry-mode loopback --passphrase '' \
            --quick-gen-key "$uid" future-default default never \
            </dev/null >"$home/keygen.log" 2>&1 \
            || { cat "$home/keygen.log" >&2; lb_die "gpg key generation failed in $home"; }
        fpr="$(lb_gpg_fpr "$home" "$uid")"
        [[ -n "$fpr" ]] || lb_die "gpg key for '$uid' not found after generation in $home"
    fi
    printf '%s\n' "$fpr"
}

# Primary-key fingerprint of UID in HOME: the first fpr line after the matching pub line.
lb_gpg_fpr() {
    local home="$1" uid="$2"
    gpg --homedir "$home" --batch --with-colons --list-keys "=$uid" 2>/dev/null </dev/null \
        | awk -F: '$1 == "pub" { want = 1; next } want && $1 == "fpr" { print $10; exit }' || true
}

lb_gpg_kill_agent() {
    [[ -d "$1" ]] || return 0
    gpgconf --homedir "$1" --kill gpg-agent >/dev/null 2>&1 || true
}

# lb_moto_start DIR PORT: run moto_server in the background with its output in a log file
# (an inherited pipe would keep CI waiting), wait for HTTP, and write its pid to DIR/moto.pid.
lb_moto_start() {
    local dir="$1" port="$2" pid
    command -v moto_server >/dev/null || lb_die "moto_server not found (run scripts/install-deps)"
    nohup moto_server -H 127.0.0.1 -p "$port" </dev/null >"$dir/moto.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/moto.pid"
    for _ in $(seq 1 120); do
        if lb_http_ok "http://127.0.0.1:$port/"; then return 0; fi
        kill -0 "$pid" 2>/dev/null || { cat "$dir/moto.log" >&2; lb_die "moto_server exited early (log: $dir/moto.log)"; }
        sleep 0.5
    done
    lb_die "moto_server on port $port did not answer (log: $dir/moto.log)"
}

lb_moto_stop() {
    local dir="$1" pid
    [[ -f "$dir/moto.pid" ]] || return 0
    pid="$(cat "$dir/moto.pid")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/moto.pid"
}

# True when URL answers HTTP at all (any status): python3 is always here, curl may not be.
lb_http_ok() {
    python3 - "$1" <<'PY' >/dev/null 2>&1
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
PY
}
