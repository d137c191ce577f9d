#!/usr/bin/env bash
# Create (or reuse) a virtual environment from pinned requirement files.
#
#   hack/venv.sh VENV_DIR PYTHON REQUIREMENTS_FILE...
#
# The venv carries a stamp: a hash of the interpreter (path + full version) and of the content
# of every requirements file. When the stamp matches and the venv's python still runs, nothing
# happens; otherwise the venv is deleted and rebuilt from scratch, so a venv never drifts from
# its pins. A failed install leaves no stamp, so the next run starts over.
set -euo pipefail

venv=${1:?usage: venv.sh VENV_DIR PYTHON REQUIREMENTS_FILE...}
py=${2:?usage: venv.sh VENV_DIR PYTHON REQUIREMENTS_FILE...}
shift 2
[ $# -gt 0 ] || { echo "venv.sh: no requirements file given" >&2; exit 2; }

want=$("$py" - "$py" "$@" <<'PY'
import hashlib
import sys

digest = hashlib.sha256()
digest.update(("%s %s\n" % (sys.argv[1], sys.version)).encode())
for name in sys.argv[2:]:
    with open(name, "rb") as handle:
        digest.update(name.encode() + b"\0" + handle.read() + b"\0")
print(digest.hexdigest())
PY
)

stamp="$venv/.requirements.sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -c '' 2>/dev/null; then
    echo "venv $venv: up to date ($("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])'), $*)"
    exit 0
fi

start=$(date +%s)
echo "venv $venv: (re)creating with $py ($("$py" -c 'import sys; print(sys.version.split()[0])')) from $*"
rm -rf "$venv"
"$py" -m venv "$venv"
for req in "$@"; do
    # (the filter drops pip's noise about empty file:// index locations some machines configure)
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" 2>&1 \
        | { grep -v "^WARNING: Location 'file:[^']*' is ignored: it is neither a file nor a directory\.\$" || true; }
done
echo "$want" > "$stamp"
echo "venv $venv: ready in $(( $(date +%s) - start ))s"
