# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What an answer of Cloudflare's v4 API must look like: the envelope (``success``, ``errors``, ``result``,
``result_info``) and the shape of its ``result`` (``Shape``). Pure functions that say what is wrong in a sentence;
the client turns a sentence into an error."""

from __future__ import annotations

import json
from collections import namedtuple

#: ``Shape.kind`` of an answer that is a list holding exactly one object, which is what the call returns (a LAN create
#: answers ``[lan]``)
ONE_IN_LIST = "one object in a list"

Shape = namedtuple("Shape", "kind key required", defaults=(None, ()))
Shape.__doc__ = """The shape an answer's ``result`` must have: ``kind`` is ``dict`` (an object), ``list`` (a list of
objects) or ``ONE_IN_LIST``; ``key``, when set, is the key of the object that wraps it (``{"connectors": [...]}``);
``required`` are keys every object must have (an ``id``: an object without one is some other answer)."""


def without_nulls(value):
    """Drop None values at every depth: Cloudflare's Magic endpoints reject JSON null (error 1022)."""
    if isinstance(value, dict):
        return dict((k, without_nulls(v)) for k, v in value.items() if v is not None)
    if isinstance(value, (list, tuple)):
        return [without_nulls(v) for v in value if v is not None]
    return value


def _json_type(value):
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (dict, "an object"), (list, "a list"), (str, "a string")):
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


def shape_problem(result, shape):
    """What is wrong with ``result`` for ``shape`` (a sentence), or None."""
    if shape.key is not None:
        if not isinstance(result, dict):
            return "result is %s where an object with the key %r was expected" % (_json_type(result), shape.key)
        if shape.key not in result:
            return "result has no key %r (keys: %s)" % (shape.key, ", ".join(sorted(map(str, result))) or "none")
        result = result[shape.key]
    where = "result[%r]" % shape.key if shape.key is not None else "result"
    if shape.kind == ONE_IN_LIST and isinstance(result, list) and len(result) != 1:
        return "%s is a list of %d items where a list of one object was expected" % (where, len(result))
    if shape.kind in (list, ONE_IN_LIST):
        if not isinstance(result, list):
            return "%s is %s where a list of %s was expected" % (
                where,
                _json_type(result),
                "one object" if shape.kind == ONE_IN_LIST else "objects",
            )
        wrong = [i for i, item in enumerate(result) if not isinstance(item, dict)]
        if wrong:
            return "%s[%d] is %s where an object was expected" % (where, wrong[0], _json_type(result[wrong[0]]))
        objects = [("%s[%d]" % (where, i), item) for i, item in enumerate(result)]
    elif not isinstance(result, dict):
        return "%s is %s where an object was expected" % (where, _json_type(result))
    else:
        objects = [(where, result)]
    for name, obj in objects:
        missing = [key for key in shape.required if key not in obj]
        if missing:
            return "%s has no key %r (keys: %s)" % (name, missing[0], ", ".join(sorted(map(str, obj))) or "none")
    return None


def shaped(result, shape):
    """The part of a ``result`` that has ``shape`` (checked by ``shape_problem``) that the call returns."""
    result = result[shape.key] if shape.key is not None else result
    return result[0] if shape.kind == ONE_IN_LIST else result


def format_errors(errors):
    """Cloudflare's error objects as one line: ``code 1002: message (at /pointer)``."""
    parts = []
    for error in errors:
        text = "code %s: %s" % (error.get("code"), error.get("message"))
        source = error.get("source")
        pointer = source.get("pointer") if isinstance(source, dict) else None
        if pointer:
            text += " (at %s)" % pointer
        parts.append(text)
    return "; ".join(parts)


def read_envelope(body):
    """``(envelope, errors)``: the JSON envelope of a body (None when it is none: not JSON, not an object) and its
    error objects (those that are objects)."""
    try:
        envelope = json.loads(body) if body else None
    except (ValueError, RecursionError):
        envelope = None
    if not isinstance(envelope, dict):
        return None, []
    errors = envelope.get("errors")
    return envelope, [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def failure_text(status, envelope, errors, reason):
    """What the envelope of an answer with HTTP ``status`` (``reason`` its phrase) says went wrong, or None when the
    call succeeded."""
    if status >= 400:
        return "%d %s" % (status, format_errors(errors) or reason)
    if envelope.get("success") is True:
        return None
    said = "success is %s" % json.dumps(envelope["success"])[:20] if "success" in envelope else "success is missing"
    return "HTTP %d but the answer says it failed (%s)%s" % (
        status,
        said,
        ": " + format_errors(errors) if errors else "",
    )


def more_pages(result_info):
    """What in an answer's ``result_info`` says more of the list exists (a sentence), or None: a page before the
    last, fewer items than the total, or a cursor to go on from."""
    if not isinstance(result_info, dict):
        return None

    def number(key):
        value = result_info.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    page, pages, count, total = number("page"), number("total_pages"), number("count"), number("total_count")
    if page is not None and pages is not None and page < pages:
        return "page %g of %g" % (page, pages)
    if count is not None and total is not None and count < total:
        return "%g of %g items" % (count, total)
    cursors = result_info.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    if any(isinstance(c, str) and c for c in (result_info.get("cursor"), after)):
        return "a cursor to the next page"
    return None
