#!/usr/bin/env python
"""List the functions of plugins/module_utils longer than the project's limit (60 lines); exit 1 if any.

A function's length runs from its ``def`` line (decorators excluded) to its last line, docstring and comments
included: what a reader has to hold at once.
"""

import ast
import pathlib
import sys

LIMIT = 60
ROOT = pathlib.Path(__file__).resolve().parent.parent / "plugins" / "module_utils"


def long_functions(path, limit=LIMIT):
    """``(qualified name, first line, length)`` of every function in ``path`` longer than ``limit`` lines."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    length = child.end_lineno - child.lineno + 1
                    if length > limit:
                        found.append((name, child.lineno, length))
                name += "."
            visit(child, name)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), "")
    return found


def main(paths):
    paths = [pathlib.Path(p) for p in paths] or sorted(ROOT.glob("*.py"))
    failed = False
    for path in paths:
        for name, line, length in long_functions(path):
            print("%s:%d: %s is %d lines (limit %d)" % (path, line, name, length, LIMIT))
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
