#!/usr/bin/env bash
# Consistent backup while the gateway and its numbers keep running: every SQLite database is copied
# with SQLite's online backup API (a plain file copy of a database being written can be torn), then
# packed with a checksum list into backups/backup-<UTC timestamp>.tar.gz.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/maintenance/backup.sh [--keep N]

Saves, without stopping anything:
  - the gateway database (DATA_DIR/whatsapp.db: devices, users, history)
  - every number's databases (SESSIONS_DIR/<number>/storages/*.db: WhatsApp session, chat storage)
  - the configuration in use, with secret values redacted (config/env.redacted, for reference only)
into BACKUP_DIR/backup-<UTC timestamp>.tar.gz (default backups/), readable by its owner only.
Media files and logs are not included.

Options:
  --keep N   keep the newest N archives, delete older ones (default 7; 0 keeps all)
  -h, --help this text

Environment: SESSIONS_DIR, DATA_DIR (as the gateway), BACKUP_DIR; .env is read like scripts/start.sh does.
Restore with scripts/maintenance/restore.sh <archive>.
USAGE
}

keep=7
while [ "$#" -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --keep) [ "$#" -ge 2 ] || die "--keep needs a number"; keep="$2"; shift 2 ;;
    --keep=*) keep="${1#--keep=}"; shift ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
require_count --keep "$keep"

load_env_file
resolve_data_paths

# The archive holds password hashes, session keys and webhook secrets.
umask 077
mkdir -p "$BACKUP_PATH" || die "cannot create $BACKUP_PATH; set BACKUP_DIR to a writable folder"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
archive="$BACKUP_PATH/backup-$stamp.tar.gz"
if [ -e "$archive" ] || [ -e "$archive.partial" ]; then
  die "$archive already exists (two backups in the same second?); run again"
fi

staging="$(mktemp -d "$BACKUP_PATH/.staging.XXXXXX")"
trap 'rm -rf "$staging" "$archive.partial"' EXIT

# SRC DEST pairs for one sqlite-tool run (one Node start for all databases).
pairs=()
if [ -f "$GATEWAY_DB" ]; then
  pairs+=("$GATEWAY_DB" "$staging/volumes/whatsapp.db")
else
  echo "note: no gateway database at $GATEWAY_DB (fresh install?)" >&2
fi
if [ -d "$SESSIONS_PATH" ]; then
  while IFS= read -r db; do
    rel="${db#"$SESSIONS_PATH"/}"
    pairs+=("$db" "$staging/sessions/$rel")
  done < <(find "$SESSIONS_PATH" -mindepth 3 -maxdepth 3 -type f -path "$SESSIONS_PATH/*/storages/*.db" | LC_ALL=C sort \
    | grep -E '/([0-9]+|pending-[a-z0-9]{12})/storages/[A-Za-z0-9_-]+\.db$' || true)
fi
[ "${#pairs[@]}" -gt 0 ] || die "nothing to back up: no databases under $DATA_PATH or $SESSIONS_PATH; check DATA_DIR and SESSIONS_DIR"

sqlite_tool backup "${pairs[@]}" >/dev/null || die "a database could not be backed up (see above); no archive was written"

# Uploads waiting in the message outbox belong to accepted messages: without them a restored message
# could never be sent. Files are written once and never changed, so a copy is consistent.
media_count=0
if [ -d "$DATA_PATH/outbox" ]; then
  while IFS= read -r file; do
    rel="${file#"$DATA_PATH"/}"
    mkdir -p "$staging/volumes/$(dirname "$rel")"
    cp -p "$file" "$staging/volumes/$rel" 2>/dev/null || continue # sent (and deleted) meanwhile
    media_count=$((media_count + 1))
  done < <(find "$DATA_PATH/outbox" -mindepth 2 -maxdepth 2 -type f | LC_ALL=C sort \
    | grep -E '/outbox/[0-9]+/[A-Za-z0-9_-]+$' || true)
fi

# Keys only from .env and the documented variables; values of anything that looks secret are never written.
write_redacted_config() {
  local keys=() key value
  local known="$REPO_DIR/.env.example" env_file="${ENV_FILE:-$REPO_DIR/.env}"
  for source_file in "$known" "$env_file"; do
    [ -f "$source_file" ] || continue
    while IFS= read -r key; do keys+=("$key"); done < <(sed -nE 's/^[#[:space:]]*(export[[:space:]]+)?([A-Z][A-Z0-9_]*)=.*/\2/p' "$source_file")
  done
  [ "${#keys[@]}" -gt 0 ] || return 0
  mkdir -p "$staging/config"
  {
    echo "# Configuration in use at $stamp; secret values redacted. Reference only: restore does not apply it."
    while IFS= read -r key; do
      [ -n "${!key+set}" ] || continue
      value="${!key}"
      if [[ "$key" =~ (SECRET|PASS|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH) ]]; then
        [ -n "$value" ] && value="<redacted>"
      else
        value="$(printf '%s' "$value" | sed -E 's#://[^/@]*@#://<redacted>@#g')"
      fi
      printf '%s=%s\n' "$key" "$value"
    done < <(printf '%s\n' "${keys[@]}" | LC_ALL=C sort -u)
  } >"$staging/config/env.redacted"
}
write_redacted_config

gateway_version="$(sed -nE 's/^[[:space:]]*"version":[[:space:]]*"([^"]+)".*/\1/p' "$REPO_DIR/package.json" | head -n 1)"
gowa_binary="$(resolve_path "${WHATSAPP_BINARY:-bin/whatsapp}")"
gowa_version="$(cat "$gowa_binary.version" 2>/dev/null || echo unknown)"
{
  echo "created=$stamp"
  echo "gateway_version=${gateway_version:-unknown}"
  echo "gowa_version=$gowa_version"
} >"$staging/info.txt"

# Checksums of everything, so restore can refuse a truncated or altered archive before touching data.
sums="$(cd "$staging" && find . -type f | LC_ALL=C sort | sed 's#^\./##' | xargs -r sha256sum)"
printf '%s\n' "$sums" >"$staging/SHA256SUMS"

tar -czf "$archive.partial" -C "$staging" . || die "cannot write $archive (disk full?); no archive was kept"
mv "$archive.partial" "$archive"

echo "Backup written: $archive ($(du -h "$archive" | cut -f1))"
echo "Databases saved (online backup, integrity checked):"
(cd "$staging" && find volumes sessions -type f -name '*.db' 2>/dev/null | LC_ALL=C sort | while IFS= read -r f; do
  echo "  $f ($(du -h "$f" | cut -f1))"
done)
[ "$media_count" -gt 0 ] && echo "  volumes/outbox: $media_count queued upload(s) of accepted messages"
[ -f "$staging/config/env.redacted" ] && echo "  config/env.redacted  (configuration, secrets redacted)"

if [ "$keep" -gt 0 ]; then
  while IFS= read -r old; do
    [ -n "$old" ] || continue
    rm -f "$old"
    echo "Deleted old backup (keeping the newest $keep): $old"
  done < <(backups_beyond "$keep")
fi
