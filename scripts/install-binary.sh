#!/usr/bin/env bash
# Download a go-whatsapp-web-multidevice ("GOWA") release for this machine, verify it against the
# release's checksums, and install it as bin/whatsapp. The swap is a rename in the same folder, so a
# running gateway never sees a half-written binary, and the replaced one is kept for rollback.
set -euo pipefail

DEFAULT_VERSION="9.2.0"
DEFAULT_BASE_URL="https://github.com/aldinokemal/go-whatsapp-web-multidevice/releases/download"

usage() {
  cat <<'USAGE'
Usage: scripts/install-binary.sh [VERSION]

Installs the GOWA binary (default version 9.2.0) as bin/whatsapp, after checking the release zip
against the release's checksums.txt (sha256). A replaced binary is kept as bin/whatsapp.previous;
the installed version is written to bin/whatsapp.version.

Environment:
  GOWA_RELEASE_BASE_URL  where releases live; the script fetches
                         <base>/v<VERSION>/whatsapp_<VERSION>_<os>_<arch>.zip and <base>/v<VERSION>/checksums.txt
                         (default https://github.com/aldinokemal/go-whatsapp-web-multidevice/releases/download)
  GOWA_INSTALL_DIR       folder to install into (default: bin/ of this repository)
  GOWA_OS, GOWA_ARCH     platform to fetch (default: this machine, e.g. linux + amd64|arm64|armv7|386)

Needs curl, unzip and sha256sum (or shasum).
USAGE
}

die() {
  echo "install-binary: $*" >&2
  exit 1
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ "$#" -le 1 ] || { usage >&2; exit 2; }

version="${1:-$DEFAULT_VERSION}"
version="${version#v}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "'$version' is not a version like 9.2.0"

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_dir="${GOWA_INSTALL_DIR:-$repo_dir/bin}"
base_url="${GOWA_RELEASE_BASE_URL:-$DEFAULT_BASE_URL}"
base_url="${base_url%/}/v$version"

for tool in curl unzip; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing; install it (Debian: apt-get install -y $tool)"
done

detect_os() {
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    *) die "no GOWA build for $(uname -s); set GOWA_OS=linux|darwin to force one" ;;
  esac
}

detect_arch() {
  case "$(uname -m)" in
    x86_64|amd64) echo amd64 ;;
    aarch64|arm64) echo arm64 ;;
    armv7l|armv7*) echo armv7 ;;
    i386|i686) echo 386 ;;
    *) die "no GOWA build for CPU $(uname -m); set GOWA_ARCH=amd64|arm64|armv7|386 to force one" ;;
  esac
}

os="${GOWA_OS:-$(detect_os)}"
arch="${GOWA_ARCH:-$(detect_arch)}"
asset="whatsapp_${version}_${os}_${arch}.zip"
member="${os}-${arch}"
# GoReleaser publishes the macOS sums separately (docs/binary-contract.md §12).
if [ "$os" = darwin ]; then checksums_name="checksums-macos.txt"; else checksums_name="checksums.txt"; fi

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else die "sha256sum (or shasum) is missing; install coreutils"
  fi
}

work="$(mktemp -d)"
staged_in_place=""
cleanup() {
  rm -rf "$work"
  if [ -n "$staged_in_place" ]; then rm -f "$staged_in_place"; fi
}
trap cleanup EXIT

# One line per failure, saying what to check; curl's own message names the low-level cause.
download() {
  local url="$1" dest="$2" code
  if ! code="$(curl -sSL --connect-timeout 15 --max-time 900 -o "$dest" -w '%{http_code}' "$url" 2>"$work/curl.err")"; then
    die "cannot download $url ($(tail -n 1 "$work/curl.err" | sed 's/^curl: //')); check the network or set GOWA_RELEASE_BASE_URL to a reachable mirror"
  fi
  case "$code" in
    200) ;;
    404) die "not found (HTTP 404): $url; check that release v$version exists and has a $os/$arch build" ;;
    *) die "HTTP $code for $url; try again later or set GOWA_RELEASE_BASE_URL to a mirror" ;;
  esac
}

echo "Downloading GOWA v$version for $os/$arch from $base_url/ ..." >&2
download "$base_url/$checksums_name" "$work/checksums.txt"
download "$base_url/$asset" "$work/$asset"

# checksums.txt lines: "<sha256>  <file name>" (a '*' before the name marks binary mode).
expected="$(awk -v f="$asset" '$2 == f || $2 == "*" f { print tolower($1); exit }' "$work/checksums.txt")"
[ -n "$expected" ] || die "$checksums_name of v$version has no entry for $asset; nothing was installed"
actual="$(sha256_of "$work/$asset")"
[ "$expected" = "$actual" ] || die "checksum mismatch for $asset (expected $expected, got $actual): corrupt or tampered download; nothing was installed"

unzip -q -o "$work/$asset" "$member" -d "$work/unzipped" 2>"$work/unzip.err" \
  || die "$asset does not contain the binary '$member' ($(head -n 1 "$work/unzip.err")); nothing was installed"
binary="$work/unzipped/$member"
chmod 755 "$binary"

# The real binary prints its help and exits 0 without creating files (docs/binary-contract.md §1). A failure
# here usually means a missing libc (the Linux builds need glibc, not musl/Alpine).
if ! (cd "$work" && "$binary" --help >/dev/null 2>"$work/run.err"); then
  die "the downloaded binary does not run here ($(head -n 1 "$work/run.err")); the Linux builds need glibc; nothing was installed"
fi

mkdir -p "$install_dir" || die "cannot create $install_dir; check permissions or set GOWA_INSTALL_DIR"
target="$install_dir/whatsapp"
if [ -f "$target" ] && cmp -s "$binary" "$target"; then
  echo "$version" >"$target.version"
  echo "GOWA v$version is already installed at $target"
  exit 0
fi

# Stage next to the target so the final mv is an atomic rename on the same filesystem.
staged_in_place="$(mktemp "$install_dir/.whatsapp.install.XXXXXX")" || die "cannot write to $install_dir; check permissions or set GOWA_INSTALL_DIR"
cp "$binary" "$staged_in_place"
chmod 755 "$staged_in_place"
if [ -f "$target" ]; then
  # A hard link keeps the old inode as .previous without ever leaving the target path empty.
  rm -f "$target.previous"
  ln "$target" "$target.previous" 2>/dev/null || cp -p "$target" "$target.previous"
  if [ -f "$target.version" ]; then cp "$target.version" "$target.previous.version"; else rm -f "$target.previous.version"; fi
fi
mv -f "$staged_in_place" "$target"
staged_in_place=""
echo "$version" >"$target.version"

echo "Installed GOWA v$version ($os/$arch) at $target"
if [ -f "$target.previous" ]; then echo "The replaced binary is kept at $target.previous"; fi
