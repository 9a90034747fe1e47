#!/usr/bin/env bash
# Put a backup made by backup.sh back in place. The gateway must be stopped: the databases it and
# its children hold open would be replaced underneath them. The archive is validated completely
# (entry names and types, checksums, SQLite integrity) before anything in place is touched.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/maintenance/restore.sh ARCHIVE

Restores a backup-<timestamp>.tar.gz written by backup.sh into DATA_DIR (gateway database) and
SESSIONS_DIR (each number's databases). Refuses while the gateway runs (live PID in
DATA_DIR/gateway.pid): stop it first. Files it replaces are kept next to them as *.pre-restore.
config/env.redacted in the archive is for reference only; your .env is not changed.

Options:
  -h, --help  this text

Environment: SESSIONS_DIR, DATA_DIR (as the gateway); .env is read like scripts/start.sh does.
USAGE
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; die "which archive? e.g. restore.sh backups/backup-20260101T020000Z.tar.gz" ;;
esac
[ "$#" -eq 1 ] || { usage >&2; die "expected exactly one archive"; }
archive="$1"
[ -f "$archive" ] || die "$archive does not exist; list your backups with: ls backups/"

load_env_file
resolve_data_paths
# The databases hold password hashes and session keys.
umask 077

if pid="$(gateway_pid_alive)"; then
  die "the gateway is running (PID $pid in $PID_FILE); stop it first (docker compose stop gateway, or Ctrl-C / kill $pid)"
fi

# Only what backup.sh writes may be in the archive: this allow-list also rules out absolute paths,
# '..' components and anything outside the data folders.
allowed='^(\./)?(SHA256SUMS|info\.txt|volumes/?|volumes/whatsapp\.db|volumes/outbox/?|volumes/outbox/[0-9]+/?|volumes/outbox/[0-9]+/[A-Za-z0-9_-]+|sessions/?|sessions/([0-9]+|pending-[a-z0-9]{12})/?|sessions/([0-9]+|pending-[a-z0-9]{12})/storages/?|sessions/([0-9]+|pending-[a-z0-9]{12})/storages/[A-Za-z0-9_-]+\.db|config/?|config/env\.redacted)?$'
# -P: list names exactly as stored (GNU tar would otherwise hide a leading '/').
names="$(tar -tzPf "$archive" 2>/dev/null)" || die "$archive is not a readable .tar.gz (truncated download?); pick another backup"
while IFS= read -r name; do
  case "$name" in
    /*) die "$archive holds an absolute path ($name); refusing to restore it" ;;
    ..|../*|*/..|*/../*) die "$archive holds a '..' path ($name); refusing to restore it" ;;
  esac
  [[ "$name" =~ $allowed ]] || die "$archive holds an unexpected entry ($name); it was not written by backup.sh"
done <<<"$names"
# Links or devices could point outside the target even with harmless names: regular files and folders only.
if tar -tvzf "$archive" | cut -c1 | grep -qv '^[-d]$'; then
  die "$archive holds links or special files; refusing to restore it"
fi
grep -qE '^(\./)?SHA256SUMS$' <<<"$names" || die "$archive has no SHA256SUMS; it was not written by backup.sh"

mkdir -p "$DATA_PATH" "$SESSIONS_PATH" || die "cannot create $DATA_PATH or $SESSIONS_PATH; check DATA_DIR and SESSIONS_DIR"
staging="$(mktemp -d "$DATA_PATH/.restore.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
tar -xzf "$archive" -C "$staging" --no-same-owner --no-same-permissions || die "cannot extract $archive (disk full?); nothing was changed"
(cd "$staging" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1) || die "$archive fails its checksums (corrupt or altered); nothing was changed"

mapfile -t databases < <(cd "$staging" && find volumes sessions -type f -name '*.db' 2>/dev/null | LC_ALL=C sort)
[ "${#databases[@]}" -gt 0 ] || die "$archive holds no database; nothing was changed"
(cd "$staging" && sqlite_tool check "${databases[@]}" >/dev/null) || die "a database in $archive is damaged (see above); nothing was changed"

# Move a live file aside, with its -wal/-shm: a stale WAL next to a restored database would be
# replayed into it by SQLite and corrupt it.
set_aside() {
  local file="$1" suffix
  for suffix in "" -wal -shm; do
    if [ -e "$file$suffix" ]; then mv -f "$file$suffix" "$file$suffix.pre-restore"; fi
  done
}

# Run as root (e.g. on the host of a Docker volume), hand restored files to whoever owns the data
# folder, so the gateway (the image runs as user node) can open them.
match_owner() {
  local base="$1"
  shift
  if [ "$(id -u)" -eq 0 ]; then chown --reference="$base" "$@"; fi
}

echo "Restoring $archive"
kept_aside=0
for rel in "${databases[@]}"; do
  case "$rel" in
    volumes/*) base="$DATA_PATH"; dest="$DATA_PATH/${rel#volumes/}" ;;
    sessions/*) base="$SESSIONS_PATH"; dest="$SESSIONS_PATH/${rel#sessions/}" ;;
  esac
  dir="$(dirname "$dest")"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    # sessions/<number>/storages: both levels may be new.
    match_owner "$base" "$dir" "$(dirname "$dir")"
  fi
  if [ -e "$dest" ]; then kept_aside=1; fi
  set_aside "$dest"
  # Copy to a temp name beside the target, then rename: a crash never leaves a half-written database.
  cp "$staging/$rel" "$dest.restoring"
  match_owner "$base" "$dest.restoring"
  mv -f "$dest.restoring" "$dest"
  echo "  $rel -> $dest"
done
mapfile -t uploads < <(cd "$staging" && find volumes/outbox -type f 2>/dev/null | LC_ALL=C sort)
for rel in "${uploads[@]}"; do
  dest="$DATA_PATH/${rel#volumes/}"
  mkdir -p "$(dirname "$dest")"
  cp "$staging/$rel" "$dest.restoring"
  match_owner "$DATA_PATH" "$dest.restoring"
  mv -f "$dest.restoring" "$dest"
done
[ "${#uploads[@]}" -gt 0 ] && echo "  volumes/outbox: ${#uploads[@]} queued upload(s)"
if [ "$kept_aside" -eq 1 ]; then
  echo "Replaced files were kept as *.pre-restore; delete them once the gateway runs well."
fi
echo "Done. Start the gateway (scripts/start.sh or docker compose up -d); numbers with a saved session start again."
