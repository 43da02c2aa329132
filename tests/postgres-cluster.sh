#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: its own folder under /tmp, its own free port on
# 127.0.0.1 and a unix socket in that folder, trust authentication for loopback only. Never the
# machine's own cluster. Run as root (the cluster runs as the `postgres` user) or as that user.
#
#   eval "$(tests/postgres-cluster.sh start)"   # starts one, prints the exports
#   tests/postgres-cluster.sh stop "$ORDERS_TEST_POSTGRESQL_DIR"
#
# `start` prints `export ORDERS_TEST_POSTGRESQL='<Npgsql connection string>'` and
# `export ORDERS_TEST_POSTGRESQL_DIR=<folder>`; `stop` stops that cluster and deletes its folder.
# Debian's `postgresql` package is installed where no initdb is found.
set -euo pipefail

bin_dir() {
  local initdb
  initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$initdb" ]; then
    local as_root=(env DEBIAN_FRONTEND=noninteractive)
    [ "$(id -u)" -eq 0 ] || as_root=(sudo "${as_root[@]}")
    "${as_root[@]}" apt-get update >&2
    "${as_root[@]}" apt-get install -y --no-install-recommends postgresql >&2
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
  fi
  dirname "$initdb"
}

# Runs a command as the postgres user (the server refuses to run as root).
as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    "$@"
  elif command -v runuser >/dev/null && [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -u postgres -- "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local bin dir port
  bin=$(bin_dir)
  dir=$(mktemp -d /tmp/orders-pg.XXXXXX)
  chmod 755 "$dir"
  chown postgres:postgres "$dir" 2>/dev/null || true
  port=$(free_port)
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # Loopback and the folder's socket only. A throwaway cluster need not survive a power cut: no
  # fsync, so creating a database per test is quick. max_connections covers parallel test hosts.
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 400
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$dir/data/pg_hba.conf"
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "export ORDERS_TEST_POSTGRESQL='Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres'"
  echo "export ORDERS_TEST_POSTGRESQL_DIR='$dir'"
}

stop() {
  local dir=${1:-${ORDERS_TEST_POSTGRESQL_DIR:-}}
  case "$dir" in
    /tmp/orders-pg.*) ;;
    *) echo "not a cluster folder of this script: '$dir'" >&2; exit 1 ;;
  esac
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_postgres "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop [folder]" >&2; exit 2 ;;
esac
