# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bad input and failed calls: the two exceptions every layer raises, and the checks of what a connection is built
from (an id, a credential, the secrets to scrub). Standard library only."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

#: the option of the modules a role of this collection calls, so that a failure names the role's variable (doc
#: fragment ``option_prefix``)
OPTION_PREFIX_ARGUMENT_SPEC = dict(option_prefix=dict(type="str", default=""))


_ID_PATTERN = re.compile(r"^[0-9A-Za-z]{1,32}$")
# What a credential may hold once surrounding white space is stripped: printable ASCII (what a header carries).
_CREDENTIAL_PATTERN = re.compile(r"^[\x20-\x7e]+$")


class InvalidOption(ValueError):
    """Bad input, found before any call: names the option and the rule it breaks."""

    def __init__(self, option, rule, value=None):
        message = "%s %s" % (option, rule)
        if value is not None:
            message += ", got %r" % (value,)
        super().__init__(message)
        self.option = option
        self.rule = rule
        self.value = value


class CloudflareAPIError(Exception):
    """Every failure of a call: HTTP status, method, path and Cloudflare's own error objects.

    ``retryable`` says whether sending the same call again is safe and may help. ``outcome_unknown`` is true
    when a write may have been processed although no clear answer arrived (a 5xx, a dropped connection, a
    time-out, a broken or wrong-shaped body): the caller must re-read before deciding anything.
    """

    def __init__(
        self,
        message,
        method=None,
        path=None,
        status=None,
        errors=None,
        retryable=False,
        outcome_unknown=False,
        retry_after=None,
    ):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown
        self.retry_after = retry_after

    def __str__(self):
        where = "%s %s: " % (self.method, self.path) if self.method else ""
        return where + self.message

    @property
    def codes(self):
        return [e.get("code") for e in self.errors]

    def as_dict(self):
        """The ``error`` value of a failed module result."""
        return {
            "status": self.status,
            "method": self.method,
            "path": self.path,
            "errors": self.errors,
            "outcome_unknown": self.outcome_unknown,
            "retry_after": self.retry_after,
        }


def check_id(option, value):
    """Cloudflare ids are at most 32 letters and digits; anything else would also escape the URL path."""
    if not isinstance(value, str) or not _ID_PATTERN.match(value):
        raise InvalidOption(option, "must be 1 to 32 letters or digits (a Cloudflare id)", value)
    return value


def check_credential(option, value):
    """A credential as it can go into an HTTP header, or None when it is empty.

    White space around it is stripped (a ``!vault |`` block ends with a newline, a pasted value often does); any
    other character that a header cannot carry is refused, naming the option and never the value (the HTTP stack
    would quote the whole header in its error).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidOption(option, "must be a string (the value is not shown)")
    value = value.strip(" \t\r\n\f\v")
    if not value:
        return None
    if not _CREDENTIAL_PATTERN.match(value):
        raise InvalidOption(
            option,
            "holds a character that an HTTP header cannot carry (a control character or a "
            "non-ASCII character): check it for a stray character (the value is not shown)",
        )
    return value


def secret_forms(secret):
    """Every form in which a secret can appear in a text: raw, JSON- and repr-escaped, URL-encoded."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1]}
    for encode in (lambda s: quote(s, safe=""), lambda s: quote_plus(s, safe=""), quote):
        try:
            forms.add(encode(secret))
        except UnicodeError:  # a lone surrogate has no URL-encoded form, so it cannot appear as one
            pass
    return sorted((f for f in forms if f), key=len, reverse=True)
