#!/usr/bin/env bash
# Print the path of a *working* Python interpreter of one of the given versions, tried in the order given.
#
#   hack/find_python.sh 3.11 3.12 3.10      e.g. for ansible-core 2.16, which runs on Python 3.10 to 3.12
#
# Every candidate is executed and its version checked: pyenv *shims* (python3.12, python3.13 ...) are on PATH
# even when that version is not selected, and then they exit 127. The candidate must also provide `venv` and
# `ensurepip` (Debian splits them into python3.X-venv).
# FORCED_PYTHON=/path/to/python forces one; it is verified too (its version must be one of those given), and a
# broken one is an error rather than silently replaced.
# Prints nothing and exits 1 when no interpreter fits.
set -uo pipefail

[ $# -gt 0 ] || { echo "usage: find_python.sh X.Y [X.Y...]" >&2; exit 2; }

# Print "X.Y" when $1 runs and has venv + ensurepip, else nothing.
probe() {
    "$1" -c 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# All executables called $1 on PATH (not only the first: the first is often a pyenv shim).
on_path() {
    local IFS=: dir
    for dir in $PATH; do
        [ -n "$dir" ] && [ -x "$dir/$1" ] && printf '%s\n' "$dir/$1"
    done
}

# Candidates for version $1: /usr/bin, PATH, then pyenv's installed versions (newest patch release first).
candidates() {
    local root dir
    echo "/usr/bin/python$1"
    on_path "python$1"
    if command -v pyenv >/dev/null 2>&1 && root=$(pyenv root 2>/dev/null); then
        for dir in "$root"/versions/"$1"*; do
            if [ -d "$dir" ]; then printf '%s\n' "$dir/bin/python$1"; fi
        done | sort -rV
    fi
}

if [ -n "${FORCED_PYTHON:-}" ]; then
    ver=$(probe "$FORCED_PYTHON")
    for want in "$@"; do
        if [ -n "$ver" ] && [ "$ver" = "$want" ]; then command -v "$FORCED_PYTHON"; exit 0; fi
    done
    echo "find_python.sh: the forced interpreter $FORCED_PYTHON does not run, lacks venv/ensurepip, or is not Python $*" >&2
    exit 1
fi

for want in "$@"; do
    while read -r cand; do
        if [ -n "$cand" ] && [ "$(probe "$cand")" = "$want" ]; then
            printf '%s\n' "$cand"
            exit 0
        fi
    done < <(candidates "$want")
done
exit 1
