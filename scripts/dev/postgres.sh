#!/usr/bin/env bash
# A private Postgres cluster in a folder of its own: for distributed mode on a developer machine and for the tests.
# Debian's server binaries are used directly (no system service, no shared cluster), installed when missing.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/dev/postgres.sh start DIR PORT [PASSWORD]
       scripts/dev/postgres.sh stop DIR
       scripts/dev/postgres.sh restart DIR
       scripts/dev/postgres.sh status DIR

start    creates the cluster in DIR on first use (superuser "postgres", password PASSWORD or "postgres";
         TCP connections need the password, the Unix socket in DIR does not), starts it on 127.0.0.1:PORT
         and prints its DATABASE_URL.
stop     stops it (fast shutdown: clients are disconnected, nothing committed is lost).
restart  stops and starts it again on the same port (what an operator's restart looks like).
PG_THROWAWAY=1 turns fsync off (test clusters only).
PG_LISTEN=127.0.0.1,127.0.0.12 (start) listens on these loopback addresses (default 127.0.0.1), kept for restarts:
         the fault tests cut one node off from one of them.
status   exits 0 when it runs.

Example: scripts/dev/postgres.sh start volumes/postgres 55432 && CLUSTER_MODE=postgres DATABASE_URL=... npm start
USAGE
}

[ "$#" -ge 2 ] || { usage >&2; exit 2; }
cmd="$1"
dir="$(mkdir -p "$2" && cd "$2" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"

newest_bin_dir() {
  local dirs=()
  shopt -s nullglob
  dirs=(/usr/lib/postgresql/*/bin)
  shopt -u nullglob
  [ "${#dirs[@]}" -gt 0 ] && printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1
}

bin_dir() {
  newest_bin_dir || { "$here/ensure-packages.sh" postgresql >&2 && newest_bin_dir; }
}

# Postgres refuses to run as root; as root, run it as Debian's "postgres" system user and give it the folder.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$dir"
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

pg_bin="$(bin_dir)"
data="$dir/data"
server_options() {
  local listen=127.0.0.1 opts
  [ -f "$dir/listen" ] && listen="$(cat "$dir/listen")"
  opts="-p $1 -k $dir -c listen_addresses=$listen -c max_connections=400"
  # Throwaway test clusters skip fsync: a crash of the machine loses them anyway.
  [ "${PG_THROWAWAY:-0}" = 1 ] && opts="$opts -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
  printf '%s\n' "$opts"
}

case "$cmd" in
  start)
    [ "$#" -ge 3 ] || { usage >&2; exit 2; }
    port="$3"
    password="${4:-postgres}"
    case "$port" in ''|*[!0-9]*) echo "postgres.sh: PORT must be a number" >&2; exit 2 ;; esac
    if [ ! -f "$data/PG_VERSION" ]; then
      pwfile="$dir/.pwfile"
      printf '%s\n' "$password" >"$pwfile"
      chmod 600 "$pwfile"
      as_owner "$pg_bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
      rm -f "$pwfile"
    fi
    listen="${PG_LISTEN:-$(cat "$dir/listen" 2>/dev/null || echo 127.0.0.1)}"
    [[ "$listen" =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(,127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})*$ ]] || {
      echo "postgres.sh: PG_LISTEN must be loopback addresses separated by commas" >&2; exit 2; }
    printf '%s\n' "$port" >"$dir/port"
    printf '%s\n' "$listen" >"$dir/listen"
    as_owner "$pg_bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
      -o "$(server_options "$port")" start >/dev/null || { tail -n 30 "$dir/postgres.log" >&2; exit 1; }
    printf 'postgres://postgres:%s@127.0.0.1:%s/postgres\n' "$password" "$port"
    ;;
  stop)
    [ -f "$data/postmaster.pid" ] || exit 0
    as_owner "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    ;;
  restart)
    port="$(cat "$dir/port")"
    as_owner "$pg_bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -m fast -w -t 60 \
      -o "$(server_options "$port")" restart >/dev/null || { tail -n 30 "$dir/postgres.log" >&2; exit 1; }
    ;;
  status)
    as_owner "$pg_bin/pg_ctl" -D "$data" status >/dev/null
    ;;
  -h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
