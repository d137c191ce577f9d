#!/usr/bin/env python
"""Mirror the working tree into the ansible_collections/NAMESPACE/NAME copy used by the tests.

Usage: sync_tree.py SOURCE DESTINATION

rsync-like and stdlib-only (rsync is not everywhere): files whose size, mtime or mode differ are
copied, files and directories that disappeared from SOURCE are removed from DESTINATION.
Excluded names (VCS data, venvs, caches, build and test output) are neither copied nor deleted,
so ansible-test's tests/output (with its cached venvs) survives a refresh.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import stat
import sys

# Matched against every path component's name.
EXCLUDED_NAMES = (
    ".git",
    ".build",
    ".venv",
    ".venv-*",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".tox",
    "*.pyc",
)
# Matched against the path relative to the root (POSIX separators).
EXCLUDED_PATHS = (
    "tests/output",
    "changelogs/.plugin-cache.yaml",
)


def excluded(rel: str, name: str) -> bool:
    """Return True when this entry is neither copied nor deleted."""
    if rel in EXCLUDED_PATHS:
        return True
    return any(fnmatch.fnmatch(name, pattern) for pattern in EXCLUDED_NAMES)


def same(src: os.stat_result, dst: os.stat_result) -> bool:
    """Return True when the destination file is up to date."""
    return (
        src.st_size == dst.st_size
        and src.st_mtime_ns == dst.st_mtime_ns
        and stat.S_IMODE(src.st_mode) == stat.S_IMODE(dst.st_mode)
    )


def remove(path: str) -> None:
    """Remove a file, symlink or directory tree."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def mirror(src_dir: str, dst_dir: str, rel: str = "") -> int:
    """Mirror src_dir into dst_dir; return the number of entries written or removed."""
    changes = 0
    os.makedirs(dst_dir, exist_ok=True)
    wanted = set()
    for entry in os.scandir(src_dir):
        entry_rel = f"{rel}/{entry.name}" if rel else entry.name
        if excluded(entry_rel, entry.name):
            continue
        wanted.add(entry.name)
        target = os.path.join(dst_dir, entry.name)
        if entry.is_symlink():
            link = os.readlink(entry.path)
            if not (os.path.islink(target) and os.readlink(target) == link):
                if os.path.lexists(target):
                    remove(target)
                os.symlink(link, target)
                changes += 1
        elif entry.is_dir():
            if os.path.lexists(target) and (os.path.islink(target) or not os.path.isdir(target)):
                remove(target)
            changes += mirror(entry.path, target, entry_rel)
        else:
            if os.path.lexists(target):
                if os.path.islink(target) or os.path.isdir(target):
                    remove(target)
                elif same(entry.stat(), os.stat(target)):
                    continue
            shutil.copy2(entry.path, target)
            changes += 1
    for entry in os.scandir(dst_dir):
        entry_rel = f"{rel}/{entry.name}" if rel else entry.name
        if entry.name not in wanted and not excluded(entry_rel, entry.name):
            remove(entry.path)
            changes += 1
    return changes


def main() -> int:
    """Entry point."""
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    source, destination = (os.path.abspath(arg) for arg in sys.argv[1:])
    inside = os.path.relpath(destination, source)
    if (
        inside == "."
        or source.startswith(destination + os.sep)
        or (not inside.startswith("..") and not excluded(inside.split(os.sep)[0], inside.split(os.sep)[0]))
    ):
        print("sync_tree.py: the destination must not overlap the source (except under .build/)", file=sys.stderr)
        return 2
    changes = mirror(source, destination)
    print(f"synced {source} -> {destination} ({changes} change(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
