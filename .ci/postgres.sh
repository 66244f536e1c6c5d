#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `eval "$(.ci/postgres.sh start DIR)"` exports
# DATABASE_URL; `.ci/postgres.sh stop DIR` stops it. Uses the Debian server already installed
# (pg_config --bindir), on a private port and socket directory, as the postgres user.
set -euo pipefail
action=$1
dir=$(realpath -m "${2:-/tmp/dailypapers-pg}")
bin=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=${PGPORT_TESTS:-55432}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $action in
  start)
    if [ ! -s "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir/data" "$dir/socket"
      [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
      as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 ||
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir/socket -c listen_addresses='' -c fsync=off -c full_page_writes=off" start >/dev/null
    as_postgres "$bin/createdb" -h "$dir/socket" -p "$port" -U postgres dailypapers 2>/dev/null || true
    echo "export DATABASE_URL='postgres://postgres@/dailypapers?host=$dir/socket&port=$port'"
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
    ;;
esac
