#!/usr/bin/env bash
# Print the path of a *working* Python interpreter for one of the build's controllers.
#
#   hack/find_python.sh main     Python >= 3.12 (ansible-core 2.21 needs it)
#   hack/find_python.sh compat   Python 3.11    (ansible-core 2.19, the oldest we support)
#
# Every candidate is executed and its version checked: pyenv *shims* (python3.12, python3.13 ...)
# are on PATH even when that version is not selected, and then they exit 127. The candidate must
# also provide `venv` and `ensurepip` (Debian splits them into python3.X-venv).
# An explicit interpreter can be forced with PYTHON_MAIN=... / PYTHON_COMPAT=... ; it is verified
# too, and a broken one is an error rather than silently replaced.
# Prints nothing and exits 1 when no interpreter fits.
set -uo pipefail

kind=${1:?usage: find_python.sh main|compat}

# Print "X.Y" when $1 runs and has venv + ensurepip, else nothing.
probe() {
    "$1" -c 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# Accept $1 when its X.Y version satisfies the wanted kind.
fits() {
    local ver major minor
    ver=$(probe "$1") || return 1
    [ -n "$ver" ] || return 1
    major=${ver%%.*}
    minor=${ver#*.}
    case $kind in
        main) [ "$major" -eq 3 ] && [ "$minor" -ge 12 ] ;;
        compat) [ "$major" -eq 3 ] && [ "$minor" -eq 11 ] ;;
        *) return 1 ;;
    esac
}

# All executables called $1 on PATH (not only the first: the first is often a pyenv shim).
on_path() {
    local IFS=: dir
    for dir in $PATH; do
        [ -n "$dir" ] && [ -x "$dir/$1" ] && printf '%s\n' "$dir/$1"
    done
}

pyenv_versions() {
    # $1: glob of version directory names, e.g. "3.12*"
    local root dir
    command -v pyenv >/dev/null 2>&1 || return 0
    root=$(pyenv root 2>/dev/null) || return 0
    # $1 is a glob on purpose
    # shellcheck disable=SC2086
    for dir in "$root"/versions/$1; do
        if [ -d "$dir" ]; then printf '%s\n' "$dir"; fi
    done | sort -V
}

candidates() {
    local v dir
    case $kind in
        main)
            # 3.12 first: it is the version the pins in requirements-dev.txt are proven on.
            for name in python3.12 python3.13 python3.14 python3; do on_path "$name"; done
            for v in 3.12 3.13 3.14 3.15; do
                for dir in $(pyenv_versions "$v*"); do echo "$dir/bin/python$v"; done
            done
            ;;
        compat)
            echo /usr/bin/python3.11
            on_path python3.11
            for dir in $(pyenv_versions "3.11*"); do echo "$dir/bin/python3.11"; done
            ;;
    esac
}

case $kind in
    main) forced=${PYTHON_MAIN:-} ;;
    compat) forced=${PYTHON_COMPAT:-} ;;
    *) echo "usage: find_python.sh main|compat" >&2; exit 2 ;;
esac

if [ -n "$forced" ]; then
    if fits "$forced"; then
        command -v "$forced"
        exit 0
    fi
    echo "find_python.sh: the interpreter forced for '$kind' ($forced) does not run, has the wrong version, or lacks venv/ensurepip" >&2
    exit 1
fi

while read -r cand; do
    [ -n "$cand" ] || continue
    if fits "$cand"; then
        printf '%s\n' "$cand"
        exit 0
    fi
done < <(candidates)
exit 1
