#!/usr/bin/env bash
# Screenshots of the audit report and the maintenance calendar for the docs, taken with headless Chromium.
#
#   hack/screenshots.sh REPORT_DIR IMAGES_DIR      (make screenshots: the demo's report into docs/images/)
#
# REPORT_DIR holds report.html and calendar.svg (written by cloudflare.magic_transit.magic_connector_report);
# IMAGES_DIR receives connector_report.png and maintenance_calendar.png (and, from the demo's maintenance_window
# preview, maintenance_calendar_before_plan.png).
set -euo pipefail

report=$(cd "${1:?usage: screenshots.sh REPORT_DIR IMAGES_DIR}" && pwd)
images=${2:?usage: screenshots.sh REPORT_DIR IMAGES_DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for name in report.html calendar.svg; do
    [ -f "$report/$name" ] || { echo "screenshots: no $report/$name (run make demo first)" >&2; exit 1; }
done
"$root/hack/ensure_chromium.sh" >/dev/null
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
mkdir -p "$images"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

shoot() {  # shoot URL WIDTH HEIGHT OUTPUT
    "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile/$(basename "$4")" \
        --window-size="$2,$3" --screenshot="$4" "$1" >/dev/null 2>&1
    [ -s "$4" ] || { echo "screenshots: chromium wrote no $4" >&2; exit 1; }
    echo "screenshots: $4 (${2}x$3)"
}

# The calendar at its own size (the <svg> element's width and height).
svg_size=$(sed -n 's/.*<svg [^>]*width="\([0-9]*\)" height="\([0-9]*\)".*/\1 \2/p' "$report/calendar.svg" | head -n 1)
read -r svg_width svg_height <<<"$svg_size"
shoot "file://$report/report.html" 1280 "${REPORT_HEIGHT:-1250}" "$images/connector_report.png"
shoot "file://$report/calendar.svg" "$svg_width" "$svg_height" "$images/maintenance_calendar.png"
# The maintenance_window role's calendar before its plan (the demo's preview writes it), when there.
before="$report/change-request/calendar-before.svg"
if [ -f "$before" ]; then
    read -r svg_width svg_height <<<"$(sed -n 's/.*<svg [^>]*width="\([0-9]*\)" height="\([0-9]*\)".*/\1 \2/p' "$before" | head -n 1)"
    shoot "file://$before" "$svg_width" "$svg_height" "$images/maintenance_calendar_before_plan.png"
fi
