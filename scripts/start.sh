#!/usr/bin/env bash
# Start the gateway from a checkout: check what it needs, install and build only when out of date,
# then exec node, so signals from a terminal or a service manager reach the gateway itself.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/start.sh

Starts the gateway (node dist/main.js) after checking:
  - Node.js >= 20.5
  - the WhatsApp binary at WHATSAPP_BINARY (default bin/whatsapp); if it is missing, says how to get it
  - dependencies installed (runs `npm ci` when node_modules is missing or older than package-lock.json)
  - the build up to date (`npm run build` is incremental: it compiles only when a source changed)

Configuration comes from the environment and from .env (ENV_FILE to use another file); variables
already set in the environment win. See .env.example and docs/operations.md.
USAGE
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) usage >&2; die "unknown argument '$1'" ;;
esac

cd "$REPO_DIR"
load_env_file

command -v node >/dev/null 2>&1 || die "Node.js is not installed; install Node.js 22 LTS (>= 20.5) from https://nodejs.org"
node_version="$(node -p 'process.versions.node')"
IFS=. read -r major minor _ <<<"$node_version"
if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 5 ]; }; then
  die "Node.js $node_version is too old; install Node.js 22 LTS (>= 20.5)"
fi

# Cheap checks first: a missing binary should not cost an npm install.
binary="$(resolve_path "${WHATSAPP_BINARY:-bin/whatsapp}")"
if [ ! -x "$binary" ]; then
  {
    echo "$SCRIPT_NAME: the WhatsApp binary is missing at $binary (WHATSAPP_BINARY)."
    echo "  Install it:  scripts/install-binary.sh"
    echo "  Or try the gateway offline on the stand-in binary:  npm run demo"
  } >&2
  exit 1
fi

# npm writes node_modules/.package-lock.json on every install; older than the lockfile = stale.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (npm ci) ..." >&2
  npm ci --no-audit --no-fund >&2 || die "npm ci failed (see above); fix it and run scripts/start.sh again"
fi

npm run build --silent >&2 || die "the build failed (see above); fix it and run scripts/start.sh again"

exec node dist/main.js
