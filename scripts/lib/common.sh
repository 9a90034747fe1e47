# shellcheck shell=bash
# Shared by scripts/start.sh and scripts/maintenance/*.sh (sourced, never run).
# Resolves the same paths the gateway resolves, so the scripts act on the data the gateway uses.

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SCRIPT_NAME="$(basename "$0" .sh)"

die() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 1
}

# Read KEY=VALUE lines from the env file (default .env in the repo) without executing anything,
# and export those keys the environment does not already set: the real environment wins, as with
# docker compose's env_file. Quotes around a whole value are dropped. Empty values are skipped, so
# the blank secrets of .env.example mean "use the development default", not "set to empty".
load_env_file() {
  local file="${ENV_FILE:-$REPO_DIR/.env}" line key value
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    [[ "$line" =~ ^(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key="${BASH_REMATCH[2]}"
    value="${BASH_REMATCH[3]}"
    if [[ "$value" =~ ^\"(.*)\"$ ]] || [[ "$value" =~ ^\'(.*)\'$ ]]; then
      value="${BASH_REMATCH[1]}"
    else
      # Unquoted: " # ..." starts a comment (as in docker compose), trailing blanks do not count.
      value="${value%%[[:space:]]#*}"
      value="${value%"${value##*[![:space:]]}"}"
    fi
    if [ -n "$value" ] && [ -z "${!key+set}" ]; then export "$key=$value"; fi
  done <"$file"
}

# Relative paths are relative to the repository root, exactly like the gateway's config loader.
resolve_path() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$REPO_DIR/$1" ;;
  esac
}

# Globals for the sourcing script (hence SC2034: unused here).
# shellcheck disable=SC2034
resolve_data_paths() {
  SESSIONS_PATH="$(resolve_path "${SESSIONS_DIR:-sessions}")"
  DATA_PATH="$(resolve_path "${DATA_DIR:-volumes}")"
  BACKUP_PATH="$(resolve_path "${BACKUP_DIR:-backups}")"
  GATEWAY_DB="$DATA_PATH/whatsapp.db"
  PID_FILE="$DATA_PATH/gateway.pid"
}

# Prints the gateway's PID when gateway.pid names a live process; the gateway removes the file on a
# clean shutdown, so a file naming a dead PID is a leftover from a crash.
gateway_pid_alive() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || [ -d "/proc/$pid" ] || return 1
  # PIDs are reused: in a fresh container a stale file may name this very script. The gateway is node.
  if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q node; then return 1; fi
  printf '%s\n' "$pid"
}

# better-sqlite3 lives in the repo's node_modules; every SQLite read and backup goes through this helper.
sqlite_tool() {
  command -v node >/dev/null 2>&1 || die "node is not on PATH; install Node.js >= 20.5"
  node "$REPO_DIR/scripts/maintenance/sqlite-tool.mjs" "$@"
}

require_count() {
  [[ "$2" =~ ^[0-9]+$ ]] || die "$1 needs a whole number, got '$2'"
}

# Backup archives carry their UTC timestamp in the name, so name order is age order (oldest first).
list_backups() {
  [ -d "$BACKUP_PATH" ] || return 0
  find "$BACKUP_PATH" -maxdepth 1 -type f -name 'backup-*.tar.gz' | LC_ALL=C sort
}

# Prints the archives beyond the newest $1.
backups_beyond() {
  local keep="$1" all count
  mapfile -t all < <(list_backups)
  count="${#all[@]}"
  if [ "$count" -gt "$keep" ]; then printf '%s\n' "${all[@]:0:count-keep}"; fi
}
