#!/usr/bin/env bash
# Installs a real Anki importer for the tests that import Ankify's decks into a collection
# (__tests__/function/anki-import.test.ts): Anki 2.1.15's Python package, run headless with the
# system python. Debian's last `anki` package is bullseye's (2.1.15+dfsg-3); this machine runs a later
# Debian, so the package is fetched with a private apt configuration (the system's sources are not
# touched) and only unpacked: its GUI dependencies are never installed. What the importer itself
# imports beyond the standard library is python3-decorator (and python3-distutils).
#
#   bash testing/function/install-anki.sh [DEST]    (root; DEST defaults to .ankify-local/anki-2.1.15)
#
# The tests find it there, or wherever ANKI_PYTHONPATH points (the directory holding `anki/`).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="${1:-$root/.ankify-local/anki-2.1.15}"
export DEBIAN_FRONTEND=noninteractive

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
/usr/bin/python3 -c "import decorator" 2>/dev/null || need+=(python3-decorator)
/usr/bin/python3 -c "import distutils" 2>/dev/null || need+=(python3-distutils)
if [ ${#need[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb http://deb.debian.org/debian bullseye main" > "$work/sources.list"
apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
apt-get "${apt_private[@]}" update -qq
(cd "$work" && apt-get "${apt_private[@]}" download anki=2.1.15+dfsg-3 -qq)
rm -rf "$dest"
mkdir -p "$dest"
dpkg-deb -x "$work"/anki_*.deb "$dest"
ANKI_PYTHONPATH="$dest/usr/share/anki" /usr/bin/python3 -c "import os, sys; sys.path.insert(0, os.environ['ANKI_PYTHONPATH']); from anki import Collection; from anki.importing import AnkiPackageImporter"
echo "anki 2.1.15 importer: $dest/usr/share/anki"
