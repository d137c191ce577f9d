"""docs/performance.md is shared: each benchmark rewrites only its own section, between its markers, and keeps the
rest (other benchmarks' sections and the sizes measured by hand)."""

from __future__ import annotations

from pathlib import Path


def write_section(output, name, text):
    """Put ``text`` between the markers of section ``name`` in ``output`` (appended when the file has none)."""
    begin, end = "<!-- %s: begin -->" % name, "<!-- %s: end -->" % name
    block = "%s\n%s\n%s" % (begin, text.strip("\n"), end)
    path = Path(output)
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if begin in current and end in current:
        current = current[: current.index(begin)] + block + current[current.index(end) + len(end) :]
    else:
        current = current.rstrip("\n") + ("\n\n" if current.strip() else "") + block + "\n"
    path.write_text(current, encoding="utf-8")
