#!/usr/bin/env bash
# Remove what accumulates while the gateway runs: leftover QR images, rotated process logs, session
# folders of numbers that are no longer registered, and backups beyond retention. Safe to run while
# the gateway runs; --dry-run shows the list first.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/maintenance/cleanup.sh [--dry-run] [options]

Deletes:
  - QR images  SESSIONS_DIR/<number>/statics/qrcode/scan-qr-*.png older than --qr-minutes
               (the binary deletes them after 30 s; these are leftovers from crashes)
  - old logs   SESSIONS_DIR/<number>/logs/process.log.<n> (rotated) older than --log-days
  - orphans    SESSIONS_DIR/<digits>/ folders whose number is not in the devices table, and
               SESSIONS_DIR/.deleted/<digits>-<time>/ (set aside by DELETE /api/devices/{phone}
               without ?purge=true); only these name shapes are considered
  - backups    BACKUP_DIR/backup-*.tar.gz beyond the newest --keep-backups

Options:
  --dry-run            list what would be deleted, delete nothing
  --qr-minutes N       default 10
  --log-days N         default 14
  --keep-backups N     default 7 (0 keeps all)
  --keep-orphans       do not delete session folders of unregistered numbers
  -h, --help           this text

Environment: SESSIONS_DIR, DATA_DIR (as the gateway), BACKUP_DIR; .env is read like scripts/start.sh does.
USAGE
}

dry_run=0
qr_minutes=10
log_days=14
keep_backups=7
keep_orphans=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dry-run) dry_run=1; shift ;;
    --keep-orphans) keep_orphans=1; shift ;;
    --qr-minutes|--log-days|--keep-backups)
      [ "$#" -ge 2 ] || die "$1 needs a number"
      require_count "$1" "$2"
      case "$1" in
        --qr-minutes) qr_minutes="$2" ;;
        --log-days) log_days="$2" ;;
        --keep-backups) keep_backups="$2" ;;
      esac
      shift 2 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

load_env_file
resolve_data_paths

# Collect first, delete after: nothing is removed if a step fails to work out its list.
targets=()
reasons=()
add() {
  targets+=("$1")
  reasons+=("$2")
}

if [ -d "$SESSIONS_PATH" ]; then
  while IFS= read -r f; do add "$f" "QR image older than $qr_minutes min"; done < <(
    find "$SESSIONS_PATH" -mindepth 4 -maxdepth 4 -type f -path "$SESSIONS_PATH/*/statics/qrcode/scan-qr-*.png" -mmin "+$qr_minutes" | LC_ALL=C sort)
  while IFS= read -r f; do add "$f" "rotated log older than $log_days days"; done < <(
    find "$SESSIONS_PATH" -mindepth 3 -maxdepth 3 -type f -path "$SESSIONS_PATH/*/logs/process.log.*" -mmin "+$((log_days * 1440))" | LC_ALL=C sort)
fi

if [ "$keep_orphans" -eq 0 ] && [ -d "$SESSIONS_PATH" ]; then
  # Without a readable device list every folder would look orphaned: stop instead of guessing.
  [ -f "$GATEWAY_DB" ] || die "no gateway database at $GATEWAY_DB, so registered numbers are unknown; check DATA_DIR or pass --keep-orphans; nothing was deleted"
  registered="$(sqlite_tool phones "$GATEWAY_DB")" || die "cannot list registered numbers (see above); nothing was deleted"
  while IFS= read -r dir; do
    name="$(basename "$dir")"
    [[ "$name" =~ ^[0-9]+$ ]] || continue
    grep -qxF "$name" <<<"$registered" && continue
    add "$dir" "session folder of unregistered number $name"
  done < <(find "$SESSIONS_PATH" -mindepth 1 -maxdepth 1 -type d | LC_ALL=C sort)
  # DELETE /api/devices/{phone} without purge sets the folder aside as .deleted/<number>-<time>.
  while IFS= read -r dir; do
    [[ "$(basename "$dir")" =~ ^[0-9]+-[0-9]+$ ]] || continue
    add "$dir" "session folder set aside when its number was deleted"
  done < <(find "$SESSIONS_PATH/.deleted" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | LC_ALL=C sort)
fi

if [ "$keep_backups" -gt 0 ]; then
  while IFS= read -r f; do
    [ -n "$f" ] && add "$f" "backup beyond the newest $keep_backups"
  done < <(backups_beyond "$keep_backups")
fi

if [ "${#targets[@]}" -eq 0 ]; then
  echo "Nothing to clean up."
  exit 0
fi

verb="Deleted"
[ "$dry_run" -eq 1 ] && verb="Would delete"
for i in "${!targets[@]}"; do
  # rm -rf on a folder found with -type d never follows a symlink: find reports links as type l.
  [ "$dry_run" -eq 1 ] || rm -rf -- "${targets[$i]}"
  echo "$verb ${targets[$i]}  (${reasons[$i]})"
done
if [ "$dry_run" -eq 1 ]; then
  echo "$verb ${#targets[@]} item(s). Run without --dry-run to delete them."
else
  echo "$verb ${#targets[@]} item(s)."
fi
