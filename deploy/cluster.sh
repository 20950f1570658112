#!/usr/bin/env bash
# A local Abonent cluster from Debian packages, without containers:
#   etcd (Patroni's leader election), PostgreSQL 15 as a primary and a streaming replica managed
#   by Patroni, HAProxy routing writes to the current primary and reads to the replica, and
#   three Abonent instances behind a second HAProxy frontend.
#
#   deploy/cluster.sh up            start everything (idempotent; prints the URLs)
#   deploy/cluster.sh status        who is primary, which instances are ready
#   deploy/cluster.sh fail-primary  kill the primary node as if its host died (Patroni fails over)
#   deploy/cluster.sh heal          start the killed node again (it rejoins as a replica)
#   deploy/cluster.sh kill-instance N / start-instance N   kill -9 / start Abonent instance N
#   deploy/cluster.sh down [--purge]  stop everything (--purge also deletes the data)
#
# Needs: postgresql-15, patroni, etcd-server, haproxy (apt-get install …; .ci/run installs them).
# Environment: CLUSTER_DIR (default /tmp/abonent-cluster), CLUSTER_PORT_BASE (default 55400),
# CLUSTER_INSTANCES (default 3), DEMO_SUBSCRIBERS (default 200); anything else Abonent reads
# (SECRET_KEY, LOG_LEVEL, …) is passed to the instances.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
DIR="${CLUSTER_DIR:-/tmp/abonent-cluster}"
BASE="${CLUSTER_PORT_BASE:-55400}"
INSTANCES="${CLUSTER_INSTANCES:-3}"
PG_WRITE_PORT=$BASE; PG_READ_PORT=$((BASE + 10))
PG1_PORT=$((BASE + 1)); PG2_PORT=$((BASE + 2))
REST1_PORT=$((BASE + 11)); REST2_PORT=$((BASE + 12))
ETCD_PORT=$((BASE + 79)); ETCD_PEER_PORT=$((BASE + 80))
HTTP_PORT=$((BASE + 90))
NODES=(pg1 pg2)
BIN_DIR=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
DATABASE_URL_W="postgres://postgres@127.0.0.1:$PG_WRITE_PORT/abonent"
DATABASE_URL_R="postgres://postgres@127.0.0.1:$PG_READ_PORT/abonent"

say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
rest_port() { [ "$1" = pg1 ] && echo "$REST1_PORT" || echo "$REST2_PORT"; }
instance_port() { echo $((HTTP_PORT + $1)); }

# Waits until `url` answers `status` (default 200), at most `seconds`.
wait_http() {
  local url=$1 status=${2:-200} seconds=${3:-60}
  node -e '
    const [url, want, secs] = process.argv.slice(1);
    const end = Date.now() + Number(secs) * 1000;
    (async function poll() {
      const got = await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
      if (String(got) === want) process.exit(0);
      if (Date.now() > end) { console.error(`cluster: ${url} answers ${got}, not ${want}`); process.exit(1); }
      setTimeout(poll, 250);
    })();' "$url" "$status" "$seconds"
}

need() {
  local missing=()
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v patroni >/dev/null || missing+=(patroni)
  command -v haproxy >/dev/null || missing+=(haproxy)
  [ -n "$BIN_DIR" ] && [ -x "$BIN_DIR/initdb" ] || missing+=(postgresql-15)
  [ ${#missing[@]} -eq 0 ] || die "missing packages: apt-get install ${missing[*]}"
}

start_etcd() {
  pid_alive "$DIR/etcd.pid" && return
  mkdir -p "$DIR/etcd"
  nohup etcd --name abonent-etcd --data-dir "$DIR/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "abonent-etcd=http://127.0.0.1:$ETCD_PEER_PORT" >"$DIR/etcd/log" 2>&1 &
  echo $! >"$DIR/etcd.pid"
  wait_http "http://127.0.0.1:$ETCD_PORT/health" 200 30 || die "etcd did not start: $DIR/etcd/log"
}

render_node() {
  local name=$1 pg_port=$2 rest_port=$3
  sed -e "s#@NAME@#$name#g; s#@PG_PORT@#$pg_port#g; s#@REST_PORT@#$rest_port#g; s#@DIR@#$DIR#g" \
    -e "s#@ETCD@#127.0.0.1:$ETCD_PORT#g; s#@BIN_DIR@#$BIN_DIR#g" "$HERE/patroni/node.yml.in" >"$DIR/$name.yml"
}

start_node() {
  local name=$1
  pid_alive "$DIR/$name.pid" && return
  mkdir -p "$DIR/$name"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$DIR/$name" "$DIR/$name.yml"
  chmod 700 "$DIR/$name"
  # The pid of patroni itself (not of runuser), so that fail-primary can kill it.
  as_pg bash -c 'nohup patroni "$1" >>"$2" 2>&1 & echo $!' _ "$DIR/$name.yml" "$DIR/$name/patroni.log" >"$DIR/$name.pid"
}

start_haproxy() {
  pid_alive "$DIR/haproxy.pid" && return
  local servers="" i
  for i in $(seq 1 "$INSTANCES"); do servers+="    server abonent$i 127.0.0.1:$(instance_port "$i") check"$'\n'; done
  sed -e "s#@DIR@#$DIR#g; s#@PG_WRITE_PORT@#$PG_WRITE_PORT#g; s#@PG_READ_PORT@#$PG_READ_PORT#g" \
    -e "s#@PG1_PORT@#$PG1_PORT#g; s#@PG2_PORT@#$PG2_PORT#g; s#@REST1_PORT@#$REST1_PORT#g; s#@REST2_PORT@#$REST2_PORT#g" \
    -e "s#@NODE1@#pg1#g; s#@NODE2@#pg2#g; s#@HTTP_PORT@#$HTTP_PORT#g" "$HERE/haproxy.cfg.in" |
    awk -v servers="$servers" '{ if ($0 == "@APP_SERVERS@") printf "%s", servers; else print }' >"$DIR/haproxy.cfg"
  haproxy -c -q -f "$DIR/haproxy.cfg" || die "bad haproxy configuration: $DIR/haproxy.cfg"
  haproxy -D -f "$DIR/haproxy.cfg"
}

psql_w() { "$BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_WRITE_PORT" -U postgres "$@"; }

start_instance() {
  local i=$1 port
  port=$(instance_port "$i")
  pid_alive "$DIR/abonent$i.pid" && return
  mkdir -p "$DIR/abonent$i"
  (
    cd "$ROOT"
    DATABASE_URL="$DATABASE_URL_W" DATABASE_READ_URL="$DATABASE_URL_R" PORT="$port" HOST=127.0.0.1 \
      DATA_DIR="$DIR/abonent$i" DEMO_TRAFFIC=off DEMO_SUBSCRIBERS="${DEMO_SUBSCRIBERS:-200}" \
      VOICE_AGI_ENABLED=false SHUTDOWN_DRAIN_SECONDS="${SHUTDOWN_DRAIN_SECONDS:-2}" \
      PUBLIC_URL="http://127.0.0.1:$HTTP_PORT" \
      nohup node bin/abonent.js start >>"$DIR/abonent$i/log" 2>&1 &
    echo $! >"$DIR/abonent$i.pid"
  )
}

wait_instance() { wait_http "http://127.0.0.1:$(instance_port "$1")/health/ready" 200 "${2:-180}" || die "instance $1 is not ready: $DIR/abonent$1/log"; }

primary() {
  local n
  for n in "${NODES[@]}"; do
    node -e 'fetch(process.argv[1]).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$(rest_port "$n")/primary" && { echo "$n"; return; }
  done
  return 1
}

up() {
  need
  mkdir -p "$DIR"
  start_etcd
  render_node pg1 "$PG1_PORT" "$REST1_PORT"
  render_node pg2 "$PG2_PORT" "$REST2_PORT"
  start_node pg1
  # The first node bootstraps the cluster; the second clones it with pg_basebackup and streams.
  wait_http "http://127.0.0.1:$REST1_PORT/primary" 200 90 || wait_http "http://127.0.0.1:$REST2_PORT/primary" 200 5 || die "no primary: $DIR/pg1/patroni.log"
  start_node pg2
  wait_http "http://127.0.0.1:$REST2_PORT/replica" 200 120 || wait_http "http://127.0.0.1:$REST1_PORT/replica" 200 5 || die "no replica: $DIR/pg2/patroni.log"
  start_haproxy
  local i
  # HAProxy starts its servers as up until their first checks: wait until writes reach the primary.
  for i in $(seq 1 120); do [ "$(psql_w -d postgres -tAc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break; sleep 0.5; done
  psql_w -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'abonent'" | grep -q 1 || psql_w -d postgres -c 'CREATE DATABASE abonent'
  # The first instance migrates and loads the catalog and demo data; the others find them there.
  start_instance 1
  wait_instance 1
  for i in $(seq 2 "$INSTANCES"); do start_instance "$i"; done
  for i in $(seq 2 "$INSTANCES"); do wait_instance "$i"; done
  wait_http "http://127.0.0.1:$HTTP_PORT/health/ready" 200 30 || die "HAProxy does not reach the instances"
  cat <<INFO
Abonent cluster is up ($DIR)
  Abonent (HAProxy):    http://127.0.0.1:$HTTP_PORT   ($INSTANCES instances on ports $(instance_port 1)–$(instance_port "$INSTANCES"))
  PostgreSQL writes:    $DATABASE_URL_W   (the current primary)
  PostgreSQL reads:     $DATABASE_URL_R   (replica and primary)
  Primary now:          $(primary || echo none)
  Patroni:              patronictl -c $DIR/pg1.yml list
INFO
}

status() {
  patronictl -c "$DIR/pg1.yml" list 2>/dev/null || say "patroni is not answering"
  local i
  for i in $(seq 1 "$INSTANCES"); do
    local s
    s=$(node -e 'fetch(process.argv[1]).then(async (r) => console.log(r.status, await r.text()), () => console.log("down"))' "http://127.0.0.1:$(instance_port "$i")/health/ready")
    echo "abonent$i :$(instance_port "$i")  $s"
  done
}

stop_pid() { # pidfile signal
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$1"
}

fail_primary() {
  local p
  p=$(primary) || die "no primary to fail"
  # As if the host died: Patroni gone at once, PostgreSQL stopped without a checkpoint.
  stop_pid "$DIR/$p.pid" KILL
  as_pg "$BIN_DIR/pg_ctl" -D "$DIR/$p/data" stop -m immediate >/dev/null 2>&1 || true
  echo "$p"
}

down() {
  local i
  for i in $(seq 1 "$INSTANCES"); do stop_pid "$DIR/abonent$i.pid" TERM; done
  stop_pid "$DIR/haproxy.pid" TERM
  for n in "${NODES[@]}"; do stop_pid "$DIR/$n.pid" TERM; done
  for n in "${NODES[@]}"; do [ -d "$DIR/$n/data" ] && as_pg "$BIN_DIR/pg_ctl" -D "$DIR/$n/data" stop -m fast >/dev/null 2>&1 || true; done
  stop_pid "$DIR/etcd.pid" TERM
  if [ "${1:-}" = --purge ]; then rm -rf "$DIR"; fi
}

case "${1:-}" in
  up) up ;;
  down) down "${2:-}" ;;
  status) status ;;
  primary) primary ;;
  fail-primary) fail_primary ;;
  heal) for n in "${NODES[@]}"; do start_node "$n"; done ;;
  kill-instance) stop_pid "$DIR/abonent${2:?instance number}.pid" KILL ;;
  start-instance) start_instance "${2:?instance number}"; wait_instance "$2" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
