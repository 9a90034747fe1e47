#!/usr/bin/env bash
# Install the Debian packages a test or a developer needs, only those that are missing, quietly.
# Tests call it from beforeAll (nginx, shellcheck, ...), so CI on a fresh machine needs no manual setup.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/dev/ensure-packages.sh PACKAGE...

Installs the given Debian packages with apt-get if they are not installed yet.
Does nothing (and needs no privileges) when every package is already present.
Needs root or passwordless sudo when something must be installed.

Example: scripts/dev/ensure-packages.sh nginx shellcheck
USAGE
}

if [ "$#" -eq 0 ]; then usage >&2; exit 2; fi
case "$1" in -h|--help) usage; exit 0 ;; esac

missing_packages() {
  local pkg
  for pkg in "$@"; do
    if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
      printf '%s\n' "$pkg"
    fi
  done
}

command -v dpkg-query >/dev/null 2>&1 || { echo "ensure-packages: not a Debian system; install by hand: $*" >&2; exit 1; }

mapfile -t missing < <(missing_packages "$@")
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo -n)
else
  echo "ensure-packages: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

# Parallel test workers may call this at the same time; apt holds exclusive locks, so take turns
# and look again once it is our turn (the other caller may have installed everything already).
lock_file="${TMPDIR:-/tmp}/ensure-packages.lock"
exec 9>"$lock_file"
flock 9
mapfile -t missing < <(missing_packages "$@")
[ "${#missing[@]}" -eq 0 ] && exit 0

log="$(mktemp)"
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  rm -f "$log"
  if [ "$created_policy" -eq 1 ]; then "${sudo_cmd[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT

# Debian starts services from postinst scripts. A system nginx on port 80 would be a stray daemon,
# so deny service starts for this install unless the machine already has a policy (e.g. containers).
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  created_policy=1
fi

apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
if ! { "${apt[@]}" update >"$log" 2>&1 && "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1; }; then
  echo "ensure-packages: apt-get could not install ${missing[*]} (last lines below); check network access to the Debian mirror" >&2
  tail -n 5 "$log" >&2
  exit 1
fi
echo "ensure-packages: installed ${missing[*]}" >&2
