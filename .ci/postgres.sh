#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the test suite and prints its DATABASE_URL.
# Installs Debian's postgresql when the server binaries are missing. Idempotent.
set -euo pipefail
PGPORT="${PGPORT:-54329}"
PGDIR="${PGDIR:-/tmp/abonent-pg}"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
run_as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if ! run_as_pg "$bindir/pg_isready -h 127.0.0.1 -p $PGPORT -q"; then
  rm -rf "$PGDIR"; mkdir -p "$PGDIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDIR"
  run_as_pg "$bindir/initdb -D $PGDIR/data -U postgres -A trust -E UTF8 --locale=C.UTF-8" >&2
  run_as_pg "$bindir/pg_ctl -D $PGDIR/data -l $PGDIR/log -w -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off' start" >&2
fi
run_as_pg "$bindir/psql -h 127.0.0.1 -p $PGPORT -U postgres -tAc \"select 1 from pg_database where datname='abonent_test'\"" | grep -q 1 \
  || run_as_pg "$bindir/createdb -h 127.0.0.1 -p $PGPORT -U postgres abonent_test" >&2
echo "postgres://postgres@127.0.0.1:$PGPORT/abonent_test"
