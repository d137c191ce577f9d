# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared engine of every resource module: read, normalise, compare, write (or validate), report.

A resource is described once, declaratively, by a ``Resource`` subclass (paths, answer keys, which
lists are sets, which fields are secret, how the API spells a field). ``ResourceModule`` then does the
same thing for every module:

    read the current object -> canonical form -> compare only the options the user set
    -> body of the fields that differ (nested objects sent whole) -> write, validate, or nothing
    -> the server's object, ``changed`` from the comparison and a before/after diff of managed fields.
"""

from __future__ import annotations

import copy

from ansible.module_utils.common.dict_transformations import recursive_diff

from ._client import SECRET_MASK, CloudflareAPIError, check_id


class Resource:
    """How one kind of Cloudflare object looks through the API. Subclasses set the class attributes."""

    #: singular name, also the module's result key (``cf_interconnect``)
    name = None
    #: human name for messages
    label = None
    #: path below ``/accounts/<account_id>/``
    path = ()
    #: keys wrapping the answers of list / get / write (None: the result is the object or list itself)
    list_key = None
    item_key = None
    write_key = None
    #: method of a partial update
    update_method = "PATCH"
    #: the API validates a write without persisting it when asked with ``?validate_only=true``
    validates_writes = False
    #: headers sent with every call
    headers = {}
    #: paths of lists compared as sets (order and duplicates do not matter)
    set_paths = ()
    #: paths of secret values: masked in results and diffs
    secret_paths = ()
    #: secrets the API returns only in the answer of the write that generates them (a license key): that
    #: result keeps them, since there is no other way to learn them; diffs never show them
    one_time_secret_paths = ()

    def __init__(self, client):
        self.client = client

    # --- the API calls -------------------------------------------------------------------------------

    def path_of(self, *parts):
        return self.client.account_path(*(self.path + parts))

    def list(self, params=None):
        result = self.client.get(self.path_of(), params=params, headers=self.headers)
        if self.list_key:
            result = (result or {}).get(self.list_key)
        return result or []

    def get(self, object_id):
        """The object, or None when Cloudflare does not know the id."""
        try:
            result = self.client.get(self.path_of(object_id), headers=self.headers)
        except CloudflareAPIError as error:
            if error.status == 404:
                return None
            raise
        return result.get(self.item_key) if self.item_key else result

    def update(self, object_id, body, validate_only=False):
        params = {"validate_only": "true"} if validate_only else None
        result = self.client.request(self.update_method, self.path_of(object_id), body=body, params=params,
                                     headers=self.headers)
        return result.get(self.write_key) if self.write_key else result

    def create(self, body):
        return self.client.post(self.path_of(), body, headers=self.headers)

    def delete(self, object_id):
        return self.client.delete(self.path_of(object_id), headers=self.headers)

    # --- the canonical form: what is compared ---------------------------------------------------------

    def canonical(self, obj):
        """A copy of an API object in the form options are compared in: sets sorted, API quirks undone."""
        obj = copy.deepcopy(obj or {})
        for path in self.set_paths:
            parent, key = _parent(obj, path)
            if parent is not None and isinstance(parent.get(key), list):
                parent[key] = sorted(set(parent[key]), key=str)
        return obj

    def api_form(self, fields):
        """The canonical fields as the API wants them in a write body. Override for API quirks."""
        return fields

    # --- the engine's steps, shared by the one-object modules and the fleet module --------------------

    def plan(self, current, desired, fields):
        """What bringing ``current`` to ``desired`` takes: ``(before, changes, body)``.

        ``before`` is the canonical current object, ``changes`` the fields that differ (nested objects merged
        whole), ``body`` the write in API form (only writable keys).
        """
        before = self.canonical(current)
        changes = differences(before, desired)
        return before, changes, self.api_form(writable(changes, fields))

    def predicted(self, current, changes):
        """The object as it will be after ``changes``, for check mode where the API cannot tell."""
        return _merged(current, self.api_form(changes))

    def write_safely(self, send, reread, desired):
        """Send a write; when its outcome is unknown, re-read and accept it only if the object now is as desired.

        Returns ``(object, warning)``. This is what keeps a dropped connection from turning into a duplicate or
        a half-known state.
        """
        try:
            return send(), None
        except CloudflareAPIError as error:
            if not error.outcome_unknown or reread is None:
                raise
            now = reread()
            if now is None or differences(self.canonical(now), desired):
                raise
            return now, "%s; a re-read shows the change landed." % error

    def diff(self, before_view, after_view):
        """``{"before", "after"}`` of what differs between two views, every secret masked."""
        before, after = recursive_diff(before_view, after_view) or ({}, {})
        return dict(before=self.masked(before, one_time_too=True), after=self.masked(after, one_time_too=True))

    def masked(self, obj, one_time_too=False):
        """A copy with every secret replaced by a mask, for results and diffs."""
        obj = copy.deepcopy(obj)
        for path in self.secret_paths + (self.one_time_secret_paths if one_time_too else ()):
            parent, key = _parent(obj, path)
            if parent is not None and parent.get(key) not in (None, ""):
                parent[key] = SECRET_MASK
        return obj


def _parent(obj, path):
    for key in path[:-1]:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return (obj, path[-1]) if isinstance(obj, dict) else (None, path[-1])


def _same(have, want):
    # bool is an int in Python: True must not equal 1. Numbers compare numerically (4 == 4.0).
    if isinstance(have, bool) != isinstance(want, bool):
        return False
    return have == want


def managed_view(obj, desired):
    """The part of ``obj`` that ``desired`` manages: its keys, and inside nested objects only their keys."""
    view = {}
    for key, want in desired.items():
        have = (obj or {}).get(key)
        view[key] = managed_view(have if isinstance(have, dict) else {}, want) if isinstance(want, dict) else have
    return view


def differences(current, desired):
    """The top-level fields of ``desired`` whose values differ from ``current`` (both canonical).

    A nested object differs when any key the user set differs; it is then returned as current merged with
    desired, because the API replaces nested objects whole.
    """
    changes = {}
    for key, want in desired.items():
        have = current.get(key)
        if isinstance(want, dict):
            have = have if isinstance(have, dict) else {}
            if any(not _same(have.get(k), v) for k, v in want.items()):
                merged = dict(have)
                merged.update(want)
                changes[key] = merged
        elif not _same(have, want):
            changes[key] = want
    return changes


def fields_of(argument_spec, names):
    """The writable fields of a resource, from its module's argument spec: option -> sub-options (or None)."""
    return dict((name, sorted(argument_spec[name].get("options") or {}) or None) for name in names)


def desired_from_params(params, fields):
    """The options the user set, among ``fields`` (option -> list of sub-options, or None for a plain value).

    Unset options and unset sub-options (None) are not managed and never sent.
    """
    desired = {}
    for option, suboptions in fields.items():
        value = params.get(option)
        if value is None:
            continue
        if suboptions:
            value = dict((k, v) for k, v in value.items() if k in suboptions and v is not None)
            if not value:
                continue
        desired[option] = value
    return desired


def writable(changes, fields):
    """Keep only the keys of nested objects that can be written (the sub-options): read-only keys the server
    returned (ids, deprecated fields, computed values) must not be sent back."""
    body = {}
    for key, value in changes.items():
        suboptions = fields.get(key)
        if suboptions and isinstance(value, dict):
            value = dict((k, v) for k, v in value.items() if k in suboptions and v is not None)
        body[key] = value
    return body


class ResourceModule:
    """Runs one module's resource through read -> compare -> write -> result."""

    def __init__(self, module, resource_class):
        self.module = module
        self.resource = resource_class(module.client)
        self.result = dict(changed=False)

    # --- finding the object ---------------------------------------------------------------------------

    def find(self, object_id=None, match=None, description=None):
        """The one object with ``object_id`` (one GET), or the one that ``match`` accepts (one list call).

        Returns None when there is none; fails when ``match`` accepts several.
        """
        if object_id is not None:
            return self.resource.get(check_id("id", object_id))
        found = [obj for obj in self.resource.list() if match(obj)]
        if len(found) > 1:
            self.module.fail_json(msg="%d %ss match %s (ids: %s): identify it by id" % (
                len(found), self.resource.label, description, ", ".join(str(o.get("id")) for o in found)))
        return found[0] if found else None

    # --- ensuring a state -----------------------------------------------------------------------------

    def ensure_present(self, current, desired, fields, create_body=None, always_send=None, before_write=None,
                       refind=None):
        """Bring ``current`` (an API object, or None to create one) to the canonical ``desired`` fields.

        ``fields`` maps each writable option to its writable sub-options (None for a plain value).
        ``create_body`` is added to a create (the device of a connector); ``always_send`` is added to an
        update and forces it (a re-key). ``before_write(changes, current)`` may refuse a change that needs the
        current object to judge. ``refind()`` finds a created object again when a create's outcome is unknown.
        """
        resource = self.resource
        if current is None:
            return self._create(desired, create_body or {}, refind)
        before, changes, body = resource.plan(current, desired, fields)
        if changes and before_write:
            before_write(changes, before)
        after = current
        if changes or always_send:
            body.update(always_send or {})
            self.result["changed"] = True
            if not self.module.check_mode:
                after = self._write(lambda: resource.update(current["id"], body), lambda: resource.get(current["id"]),
                                    desired)
            elif resource.validates_writes:
                after = resource.update(current["id"], body, validate_only=True)
            else:
                after = resource.predicted(current, changes)
        self._report(after, managed_view(before, desired), managed_view(resource.canonical(after), desired))
        return after

    def ensure_absent(self, current):
        if current is None:
            self._report(None, {}, {})
            return None
        self.result["changed"] = True
        if not self.module.check_mode:
            try:
                self.resource.delete(current["id"])
            except CloudflareAPIError as error:
                # A retried DELETE whose first attempt landed answers 404: the object is gone as asked.
                if error.status != 404 and not (error.outcome_unknown and self.resource.get(current["id"]) is None):
                    raise
        self._report(None, self.resource.canonical(current), {})
        return None

    def _create(self, desired, create_body, refind):
        resource = self.resource
        body = resource.api_form(dict(desired, **create_body))
        self.result["changed"] = True
        if self.module.check_mode:
            after = body
        else:
            after = self._write(lambda: resource.create(body), refind, desired)
        self._report(after, {}, resource.canonical(after))
        return after

    def _write(self, send, reread, desired):
        after, warning = self.resource.write_safely(send, reread, desired)
        if warning:
            self.module.warn(warning)
        return after

    def _report(self, after, before_view, after_view):
        resource = self.resource
        self.result[resource.name] = resource.masked(after) if after is not None else {}
        if self.module._diff:
            self.result["diff"] = resource.diff(before_view, after_view)

    def exit(self, **extra):
        self.result.update(extra)
        self.result["api_calls"] = dict(self.module.client.calls)
        self.module.exit_json(**self.result)


def _merged(obj, changes):
    merged = copy.deepcopy(obj)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged
