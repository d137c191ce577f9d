#!/usr/bin/env bash
# Make sure a headless Chromium is there for the browser tests of the HTML report (tests/browser/test_report_browser.py).
#
#   hack/ensure_chromium.sh        prints the browser's path; installs Debian's `chromium` with apt when missing
#
# CHROMIUM=/path/to/chromium forces a browser. Without one, as root with apt-get, it installs the package; otherwise
# it fails and says how to install it. It never skips: the tests fail without a browser.
set -euo pipefail

found() { printf 'chromium: %s (%s)\n' "$1" "$("$1" --version 2>/dev/null | head -n 1)"; }

if [ -n "${CHROMIUM:-}" ]; then
    [ -x "$CHROMIUM" ] || { echo "chromium: CHROMIUM=$CHROMIUM is not an executable file" >&2; exit 1; }
    found "$CHROMIUM"
    exit 0
fi
for name in chromium chromium-browser; do
    if path=$(command -v "$name"); then found "$path"; exit 0; fi
done

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo 'chromium: not found; installing the Debian package chromium (apt-get, as root) for the browser tests of the report'
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
    found "$(command -v chromium)"
    exit 0
fi

cat >&2 <<'MSG'
chromium: NOT FOUND. The HTML report is tested in a real browser (headless Chromium) and these tests never skip.
Install it, then run the tests again:
    Debian/Ubuntu:  sudo apt-get install chromium        (Ubuntu without snaps: chromium-browser)
    Fedora:         sudo dnf install chromium
    macOS:          brew install --cask chromium   and   export CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium
or point CHROMIUM=/path/to/chromium at any Chromium or Chrome.
MSG
exit 1
