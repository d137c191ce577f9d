#!/usr/bin/env bash
# Build the collection tarball and run galaxy-importer on it, as Galaxy and Automation Hub do on upload.
#
#   hack/import_check.sh VENV_DIR IMPORTER_VENV_DIR SOURCE_TREE OUT_DIR
#
# VENV_DIR           venv with ansible-galaxy (make's .venv): builds the tarball
# IMPORTER_VENV_DIR  venv with galaxy-importer (make's .venv-importer, tests/requirements-importer.txt)
# SOURCE_TREE        the synced copy .build/collections/ansible_collections/NS/NAME
# OUT_DIR            the tarball, galaxy-importer's log and its importer_result.json
# Configuration: hack/galaxy-importer.cfg (no ansible-test container; ansible-doc and ansible-lint offline).
# Fails unless galaxy-importer completes and prints no WARNING and no ERROR line at all.
set -euo pipefail

usage() { echo "usage: hack/import_check.sh VENV_DIR IMPORTER_VENV_DIR SOURCE_TREE OUT_DIR" >&2; exit 2; }
[ $# -eq 4 ] || usage
venv=$(cd "$1" && pwd)
importer=$(cd "$2" && pwd)
tree=$(cd "$3" && pwd)
out=$4
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

rm -rf "$out"
mkdir -p "$out/tmp"
out=$(cd "$out" && pwd)
printf -- '--- import-check: ansible-galaxy collection build\n'
"$venv/bin/ansible-galaxy" collection build "$tree" --output-path "$out"
tarball=$(ls "$out"/*.tar.gz)

printf -- '--- import-check: galaxy-importer %s on %s\n' \
    "$("$importer/bin/python" -c 'import importlib.metadata as m; print(m.version("galaxy-importer"))')" "${tarball#"$root"/}"
# ansible-lint and ansible-doc run by the importer: their caches and Ansible's tmp stay under OUT_DIR.
rc=0
(cd "$out" && env GALAXY_IMPORTER_CONFIG="$root/hack/galaxy-importer.cfg" GALAXY_IMPORTER_TMP_ROOT_DIR="$out/tmp" \
    GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$out/tmp/ansible" XDG_CACHE_HOME="$out/tmp/cache" ANSIBLE_HOME="$out/tmp/ansible-home" \
    PATH="$importer/bin:$PATH" "$importer/bin/python" -m galaxy_importer.main "$tarball") > "$out/importer.log" 2>&1 || rc=$?
cat "$out/importer.log"

problems=$(grep -E '^(WARNING|ERROR|CRITICAL)|Traceback' "$out/importer.log" || true)
if [ $rc -ne 0 ] || [ -n "$problems" ] || ! grep -q '^Importer processing completed successfully' "$out/importer.log"; then
    printf -- '--- import-check: FAILED (exit %s); galaxy-importer must complete with no warning and no error:\n%s\n' "$rc" "$problems" >&2
    exit 1
fi
printf -- '--- import-check: no error, no warning\n'
