# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared engine of every resource module: read, normalise, compare, write (or validate), report.

A resource is described once by a ``Resource`` subclass: declarative class attributes say what it is (paths,
answer keys, its writable options, which lists are sets, which fields are secret), and the few methods under
"hooks" say what differs from the default (its checks, how to find it, its create body). That is the only way
to extend the engine. ``ResourceModule`` then does the same thing for every module:

    check the options -> find the current object -> canonical form -> compare only the options the user set
    -> body of the fields that differ (nested objects sent whole) -> write, validate, or nothing
    -> the server's object, ``changed`` from the comparison and a before/after diff of managed fields.

Nothing here names a resource.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
from collections import namedtuple

from ansible.module_utils.common.dict_transformations import recursive_diff

from ._answers import Shape
from ._change import (
    CHANGED,
    CREATE,
    DELETE,
    NO_GUARD,
    NOT_SENT,
    UNCHANGED,
    UPDATE,
    AfterWriteFailed,
    Change,
    IncompleteRun,
    Step,
    at_most,
)
from ._client import SECRET_MASK
from ._inputs import CloudflareAPIError, InvalidOption, check_id
from ._values import (
    check_values,
    desired_from_params,
    differences,
    fields_of,
    managed_view,
    merged,
    parent_and_key,
    writable,
)

#: The verbs of a resource's calls, each with its own answer (``Resource.answers``); ``write`` stands for every write
#: verb a resource does not name.
VERBS = ("list", "get", "create", "update", "delete")
DEFAULT_ANSWERS = dict(list=Shape(list), get=Shape(dict), write=Shape(dict))

Parent = namedtuple("Parent", "resource id_option name_option")
Parent.__doc__ = """The resource another one lives below: its ``Resource`` class, the option that gives its id (also
the ``{placeholder}`` of the child's ``path``) and the option that names it by its ``title_key`` instead."""


class AmbiguousMatch(InvalidOption):
    """An identity option that names several objects."""

    def __init__(self, label, option, value, matches):
        ids = at_most(matches, name=lambda obj: str(obj.get("id")))
        super().__init__(option, "matches %d %ss (ids: %s)" % (len(matches), label, ids), value)
        self.args = ("%d %ss match %s %r (ids: %s): identify it by id" % (len(matches), label, option, value, ids),)


class Resource:
    """How one kind of Cloudflare object looks through the API. Subclasses set the class attributes and
    override the hooks they need; nothing else."""

    # --- what the resource is ------------------------------------------------------------------------

    #: key of one object in a module's result (``cf_interconnect``) and of a list of them (``cf_interconnects``)
    result_key = None
    results_key = None
    #: human name for messages, and the key of the object in a fleet entry
    label = None
    #: the field that names an object for people (matched by the default ``find``, shown in diff headers)
    title_key = "name"
    #: added to the default ``prepare``'s refusal when the object the options name does not exist
    not_found_hint = ""
    #: path below ``/accounts/<account_id>/``; below a ``parent``, its id is a ``{placeholder}`` part named after the
    #: parent's ``id_option``: ``("magic", "sites", "{site_id}", "lans")``
    path = ()
    #: the resource this one lives below (a ``Parent``), or None. ``located`` binds a description to the parent the
    #: options name; every call of the bound one goes below that parent.
    parent = None
    #: per verb (``VERBS``; ``write`` for the writes not named), the ``Shape`` of the answer without its ``required``
    #: keys: its kind (``dict``: an object, ``list``: a list call's objects, ``ONE_IN_LIST``: a list holding the one
    #: object) and the key wrapping it, if any. Unnamed verbs answer a bare list (list) or a bare object.
    answers = {}
    #: keys every object the API answers has (an object without them is some other answer: a nested one, an error)
    required_keys = ("id",)
    #: derived from ``answers``: the ``Shape`` every answer must have, every object with the ``required_keys``. An
    #: answer of another shape is an error naming the call, never an empty list or "not found"; after a write it is
    #: an unknown outcome, which the engine settles by re-reading.
    shapes = {}
    #: the options that name an object, in the order they are looked at: the first one given identifies it, and
    #: must not be empty (an empty string would match objects without the field); one that is also a writable
    #: field is a value when an earlier one identifies the object (``notes: ""`` clears notes of a connector found
    #: by id). Default: ``id``, then ``title_key``.
    identities = None
    #: the longest string the API accepts per writable option (``{"notes": 2048}``), checked before any call
    max_lengths = {}
    #: method of a partial update
    update_method = "PATCH"
    #: the API validates a write without persisting it when asked with ``?validate_only=true``
    validates_writes = False
    #: headers sent with every call
    headers = {}
    #: the writable options, as an argument-spec fragment the module's argument spec includes
    argument_spec = {}
    #: derived from ``argument_spec``: option -> sorted sub-options (None for a plain value)
    fields = {}
    #: paths of lists compared as sets (order and duplicates do not matter)
    set_paths = ()
    #: paths of secret values: masked in results and diffs
    secret_paths = ()
    #: secrets the API returns only in the answer of the write that generates them (a license key): that
    #: result keeps them, since there is no other way to learn them; diffs and info results never show them
    one_time_secret_paths = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.fields = fields_of(cls.argument_spec)
        if cls.identities is None:
            cls.identities = ("id", cls.title_key)
        check_description(cls)
        cls.shapes = dict(
            (verb, shape._replace(required=cls.required_keys))
            for verb, shape in dict(DEFAULT_ANSWERS, **cls.answers).items()
        )

    def __init__(self, client, hide=None, warn=None):
        self.client = client
        #: the ids of the parents this description is bound to (``located``), by their ``id_option``
        self.parent_ids = {}
        #: ``hide(value)`` masks a secret learnt during the run (a license key saved to a file) in every output of
        #: the run (a module's ``no_log_values``); ``warn(text)`` adds a warning to the module's result
        self.hide = hide or getattr(client, "add_secrets", _ignore)
        self.warn = warn or _ignore

    # --- hooks: override what differs from these defaults ---------------------------------------------

    def check(self, params):
        """Refuse bad options before any call (raise ``InvalidOption``)."""

    def desired(self, params):
        """The options the user set among ``fields``, canonical; checked before any call."""
        return self.canonical(self.values(params))

    def find(self, params):
        """The object the module's identity options name, or None: by ``id`` (one GET), else by ``title_key``
        matched exactly (one list call). Raises ``AmbiguousMatch`` when several objects match."""
        if params.get("id") is not None:
            return self.get(check_id("id", params["id"]))
        return self.find_by_title(params.get(self.title_key))

    def select(self, params):
        """What an info module's options ask for (an ``id`` given is already checked): everything, or the one
        object ``find`` names."""
        if params.get("id") is None and params.get(self.title_key) is None:
            return self.list()
        found = self.find(params)
        return [found] if found is not None else []

    def prepare(self, params, current, desired):
        """After ``find``, before any write: refuse what needs the current object (None: to be created) to
        judge, and return the desired fields, completed from it where the options ask for that."""
        if current is None:
            option = "id" if params.get("id") is not None else self.title_key
            raise InvalidOption(
                option, "must identify an existing %s%s" % (self.label, self.not_found_hint), params.get(option)
            )
        return desired

    def check_change(self, changes, current):
        """Refuse a change that the current (canonical) object makes impossible, before the write."""

    def create_body(self, params):
        """What a create sends besides the desired fields."""
        return {}

    def forced(self, params, current):
        """Fields an update sends even when nothing differs (an update is then always made)."""
        return {}

    def settle(self, params, current, after):
        """After a write that was sent: ``(object, warning)``, finishing what the answer left undone."""
        return after, None

    def steps(self, change):
        """The writes that follow the change's main one (``Step``s: a re-key), declared so that check mode and the
        diff show them."""
        return []

    def refused(self, error, change):
        """What a write Cloudflare refused (a definite answer: nothing was written) means for the user: an exception to
        raise instead of ``error`` (an ``InvalidOption`` naming the option that caused it), or None."""
        return None

    def update_body(self, body, current):
        """The body of an update (API form) completed from the current object where the API needs that."""
        return body

    def canonical(self, obj):
        """A copy of an API object in the form options are compared in: sets sorted, API quirks undone."""
        obj = copy.deepcopy(obj or {})
        for path in self.set_paths:
            parent, key = parent_and_key(obj, path)
            if parent is not None and isinstance(parent.get(key), list):
                parent[key] = sorted(set(parent[key]), key=str)
        return obj

    def api_form(self, fields):
        """The canonical fields as the API wants them in a write body."""
        return fields

    def shown(self, obj):
        """An object as an info module returns it."""
        return self.masked(obj)

    # --- the generic value rules -----------------------------------------------------------------------

    def values(self, params, where=""):
        """The options the user set among ``fields`` (``params``: a module's, or one fleet entry's), after the rules
        every value must meet whatever the resource: the identity is not empty, an integer is not a boolean (YAML's
        ``yes``), a string is not longer than the API accepts. Raises ``InvalidOption`` naming the option
        (prefixed with ``where``, such as ``connectors[3].``); called before any call, for every entry of a fleet."""
        self.check_identity(params, where)
        check_values(self.argument_spec, params, where, self.max_lengths)
        return desired_from_params(params, self.fields)

    def check_identity(self, params, where=""):
        """Refuse an empty identity: the first of ``identities`` given, and any later one that is not a setting."""
        identified = False
        for option in self.identities:
            value = params.get(option)
            if value is None:
                continue
            if isinstance(value, str) and not value.strip() and not (identified and option in self.fields):
                raise InvalidOption(
                    where + option, "must not be empty: an empty %s names no %s" % (option, self.label), value
                )
            identified = True

    # --- the API calls -------------------------------------------------------------------------------

    def located(self, params, where=""):
        """This description bound to the parent the options name (itself without a ``parent``): by its id option, or
        by its name option through the parent's own description (one list call). The parent must exist, else an
        ``InvalidOption`` names the option, before any write. A parent below a parent is located the same way."""
        if self.parent is None:
            return self
        parent = self.parent.resource(self.client, self.hide, self.warn).located(params, where)
        option = self.parent.id_option
        if params.get(option) is not None:
            found = parent.get(check_id(where + option, params[option]))
        else:
            option = self.parent.name_option
            name = params.get(option)
            if not isinstance(name, str) or not name.strip():
                raise InvalidOption(
                    where + self.parent.id_option,
                    "or %s must name the %s this %s belongs to" % (where + option, parent.label, self.label),
                    name,
                )
            found = parent.find_by_title(name, where + option)
        if found is None:
            raise InvalidOption(where + option, "must identify an existing %s" % parent.label, params.get(option))
        bound = copy.copy(self)
        bound.parent_ids = dict(parent.parent_ids, **{self.parent.id_option: found["id"]})
        return bound

    def find_by_title(self, value, option=None):
        """The one object whose ``title_key`` is ``value``, or None; several are an ``AmbiguousMatch`` naming
        ``option`` (default: ``title_key``)."""
        found = [obj for obj in self.list() if obj.get(self.title_key) == value]
        if len(found) > 1:
            raise AmbiguousMatch(self.label, option or self.title_key, value, found)
        return found[0] if found else None

    def path_of(self, *parts):
        path = tuple(self._filled(part) for part in self.path)
        return self.client.account_path(*(path + parts))

    def _filled(self, part):
        if not (part.startswith("{") and part.endswith("}")):
            return part
        if part[1:-1] not in self.parent_ids:
            # A programming error, not bad input: a description below a parent is used only once ``located``.
            raise LookupError(
                "%s: the %s path needs %s; locate the %s first"
                % (type(self).__name__, self.label, part, self.parent.resource.label)
            )
        return self.parent_ids[part[1:-1]]

    def answer(self, verb):
        """The ``Shape`` of a ``verb``'s answer."""
        return self.shapes.get(verb, self.shapes["write"])

    def list(self, params=None):
        return self.client.get(self.path_of(), params=params, headers=self.headers, shape=self.answer("list"))

    def get(self, object_id):
        """The object, or None when Cloudflare does not know the id."""
        try:
            return self.client.get(self.path_of(object_id), headers=self.headers, shape=self.answer("get"))
        except CloudflareAPIError as error:
            if error.status == 404:
                return None
            raise

    def update(self, object_id, body, validate_only=False):
        params = {"validate_only": "true"} if validate_only else None
        try:
            return self.client.request(
                self.update_method,
                self.path_of(object_id),
                body=body,
                params=params,
                headers=self.headers,
                shape=self.answer("update"),
            )
        except CloudflareAPIError as error:
            # A validation persists nothing, whatever its answer.
            error.outcome_unknown = error.outcome_unknown and not validate_only
            raise

    def create(self, body):
        return self.client.post(self.path_of(), body, headers=self.headers, shape=self.answer("create"))

    def delete(self, object_id):
        return self.client.delete(self.path_of(object_id), headers=self.headers, shape=self.answer("delete"))

    # --- the engine's steps, shared by the one-object modules and the fleet module --------------------
    # Engine methods: no description overrides them (``check_description`` refuses it); the hooks say what differs.

    def begin(self, params, index=0, where=""):
        """The first step of every write, before any call: ``check`` and ``desired`` of ``params`` (a module's, or one
        fleet entry's, whose ``InvalidOption`` then names the option after ``where``, such as ``connectors[3].``)."""
        with _named_at(where):
            self.hook("check", params)
            return Change(index, None, self.hook("desired", params), params=params, where=where)

    def lookup(self, change):
        """``find`` of the change's options, once ``located``: the current object, or None."""
        with _named_at(change.where):
            return self.hook("find", change.params, change=change)

    def plan_change(self, change, current):
        """Complete ``change`` for ``current`` (None: to be created): ``prepare``, then the write it takes (a create,
        an update of what differs plus what is ``forced`` and allowed by ``check_change``, a delete with ``state:
        absent``) and the declared ``steps`` that follow it. Raises ``InvalidOption`` before any write."""
        params = change.params
        change.current = change.after = current
        with _named_at(change.where):
            if params.get("state") == "absent":
                change.desired, change.action = {}, DELETE
                change.before = self.canonical(current) if current is not None else None
                change.status = CHANGED if current is not None else UNCHANGED
                return change
            desired = change.desired = self.hook("prepare", params, current, change.desired, change=change)
            if current is None:
                change.action, change.changes = CREATE, dict(desired)
                change.body = self.api_form(dict(desired, **self.hook("create_body", params, change=change)))
            else:
                change.action = UPDATE
                change.before, change.changes, change.body = self.plan(current, desired)
                if change.changes:
                    self.hook("check_change", change.changes, change.before, change=change)
                change.forced = self.hook("forced", params, current, change=change)
                change.body = dict(change.body, **change.forced)
            change.steps = list(self.hook("steps", change))
        change.status = (
            CHANGED if (change.action != UPDATE or change.changes or change.forced or change.steps) else UNCHANGED
        )
        return change

    def apply_change(self, change, check_mode, guard=None):
        """Carry out a planned change: in check mode validate it where Cloudflare can (``validates_writes``) and
        predict it otherwise; else send its write and its steps, each admitted by ``guard`` (a fleet's pacing; None:
        at once), an unknown outcome re-read (under ``guard.holding()``) and accepted only if the object now is as
        desired, then ``settle``. A write ``guard`` does not admit leaves the change ``NOT_SENT`` (or, after one that
        landed, with its ``error``). Raises ``CloudflareAPIError``, ``InvalidOption`` (a ``refused`` write) or
        ``AfterWriteFailed``."""
        if change.status != CHANGED:
            return change
        if check_mode:
            change.after = self._checked(change)
            change.messages.extend(step.planned for step in change.steps if step.planned)
            return change
        guard = change.guard = guard or NO_GUARD
        writes = (
            (
                []
                if change.action == UPDATE and not (change.changes or change.forced)
                else [Step(change.action, self._main_write)]
            )
            + change.steps
            + [Step("settle", self._settled, writes=False)]
        )
        for step in writes:
            reason = guard.admit() if step.writes else None
            if reason:
                change.error = reason
                change.status = change.status if change.sent else NOT_SENT
                return change
            try:
                change.after = step.run(change)
            except Exception as exc:
                guard.release(exc, change, step.writes)
                raise
            if step.writes:
                guard.release(None, change, True)
                change.sent.append(step.name)
            if step.done:
                change.messages.append(step.done)
        return change

    def _settled(self, change):
        after, warning = self.hook("settle", change.params, change.current, change.after, change=change)
        change.warn(warning)
        return after

    def _checked(self, change):
        if change.action == DELETE:
            return None
        if change.action == CREATE:
            return dict(change.body)
        if self.validates_writes and (change.changes or change.forced):
            return self.update(change.current["id"], change.body, validate_only=True)
        return self.predicted(change.current, change.changes)

    def _main_write(self, change):
        """The create, update or delete of a change, an unknown outcome re-read before anything else."""
        object_id = (change.current or {}).get("id")
        if change.action == DELETE:
            self.sent_safely(change, lambda: self.delete(object_id), lambda: self.get(object_id), gone=True)
            return None
        if change.action == CREATE:
            reread = change.reread or (lambda: self.find(change.params))
            return self.sent_safely(change, lambda: self.create(change.body), reread)
        return self.sent_safely(change, lambda: self.update(object_id, change.body), lambda: self.get(object_id))

    def sent_safely(self, change, send, reread, gone=False):
        """``send()``'s object; when its outcome is unknown, the object ``reread()`` finds, accepted only if it now is
        as desired (``gone``: a delete, accepted if nothing is found; a retried DELETE whose first attempt landed
        answers 404). A definite refusal goes through the ``refused`` hook. This is what keeps a dropped connection
        from turning into a duplicate or a half-known state."""
        try:
            return send()
        except CloudflareAPIError as error:
            if gone and error.status == 404:
                return None
            if not error.outcome_unknown:
                raise self.hook("refused", error, change) or error from None
            with change.guard.holding():
                now = reread()
            if gone and now is None:
                change.warn("%s; a re-read shows the %s is gone." % (error, self.label))
                return None
            if gone or now is None or differences(self.canonical(now), change.desired):
                raise
            change.warn("%s; a re-read shows the change landed." % error)
            return now

    def plan(self, current, desired):
        """What bringing ``current`` to ``desired`` takes: ``(before, changes, body)``.

        ``before`` is the canonical current object, ``changes`` the fields that differ (nested objects merged
        whole), ``body`` the write in API form (only writable keys, completed by the ``update_body`` hook).
        """
        before = self.canonical(current)
        changes = differences(before, desired)
        return before, changes, self.update_body(self.api_form(writable(changes, self.fields)), current)

    def predicted(self, current, changes):
        """The object as it will be after ``changes``, for check mode where the API cannot tell."""
        return merged(current, self.api_form(changes))

    def hook(self, name, *args, change=None):
        """Call the hook ``name``; one that declares a ``change`` parameter also gets the run's ``Change``: the only
        way a hook learns per-run facts (``change.facts``), never attributes of the description."""
        method = getattr(self, name)
        if change is not None and _takes_change(type(self), name):
            return method(*args, change=change)
        return method(*args)

    def result_of(self, change, diff_mode, key=None):
        """The result of one object's change, for single-object and fleet modules alike: the object (secrets
        masked) under ``key`` (default: ``result_key``), ``changed``, the keys the steps added and their messages
        (``msg``), and in diff mode the diff of the managed fields and of the declared steps."""
        result = self.outcome(
            change.before if change.action != CREATE else None, change.after, change.desired, diff_mode, key
        )
        if diff_mode:
            for step in change.steps:
                for field_name, (before, after) in step.diff.items():
                    result["diff"]["before"][field_name], result["diff"]["after"][field_name] = before, after
        result.update(change.extra, changed=change.status == CHANGED)
        if change.messages:
            result["msg"] = "; ".join(change.messages)
        return result

    def outcome(self, before, after, desired, diff_mode, key=None):
        """The result of one object's change, for single-object and fleet modules alike: the object (secrets
        masked) under ``key`` and, in diff mode, the diff of the managed fields.

        ``before`` is the canonical object before (None: created), ``after`` the object after (None: deleted).
        """
        result = {key or self.result_key: self.masked(after) if after is not None else {}}
        if diff_mode:
            if before is None:
                views = {}, self.canonical(after)
            elif after is None:
                views = before, {}
            else:
                views = managed_view(before, desired), managed_view(self.canonical(after), desired)
            result["diff"] = self.diff(*views)
        return result

    def diff(self, before_view, after_view):
        """``{"before", "after"}`` of what differs between two views, every secret masked."""
        before, after = recursive_diff(before_view, after_view) or ({}, {})
        return dict(before=self.masked(before, one_time_too=True), after=self.masked(after, one_time_too=True))

    @classmethod
    def without_secrets(cls, obj):
        """A copy with every secret (one-time ones too) left out: for what is kept outside results (an inventory's
        host variables and cache). A class method: it needs the description, not a client."""
        obj = copy.deepcopy(obj)
        for path in cls.secret_paths + cls.one_time_secret_paths:
            parent, key = parent_and_key(obj, path)
            if parent is not None:
                parent.pop(key, None)
        return obj

    def masked(self, obj, one_time_too=False):
        """A copy with every secret replaced by a mask, for results and diffs."""
        obj = copy.deepcopy(obj)
        for path in self.secret_paths + (self.one_time_secret_paths if one_time_too else ()):
            parent, key = parent_and_key(obj, path)
            if parent is not None and parent.get(key) not in (None, ""):
                parent[key] = SECRET_MASK
        return obj


def check_description(cls):
    """Refuse, when the class is defined, a description the engine would misread: an answer for an unknown verb
    (a typo would silently fall back to the default), or a parent whose id the path does not hold."""
    unknown = sorted(set(cls.answers) - set(VERBS + ("write",)))
    if unknown:
        raise TypeError(
            "%s.answers: unknown verb(s) %s (verbs: %s, write)" % (cls.__name__, ", ".join(unknown), ", ".join(VERBS))
        )
    overridden = sorted(name for name in ENGINE_METHODS if name in vars(cls))
    if overridden:
        raise TypeError(
            "%s overrides the engine's %s: describe what differs with hooks" % (cls.__name__, ", ".join(overridden))
        )
    if cls.parent is not None and "{%s}" % cls.parent.id_option not in cls.path:
        raise TypeError("%s.path must hold {%s}, the id of its parent" % (cls.__name__, cls.parent.id_option))


#: the engine's own steps: a description says what differs with hooks, never by overriding these
ENGINE_METHODS = (
    "begin",
    "lookup",
    "plan_change",
    "apply_change",
    "sent_safely",
    "plan",
    "hook",
    "result_of",
    "outcome",
    "located",
    "path_of",
    "answer",
)


@functools.lru_cache(maxsize=None)
def _takes_change(cls, name):
    return "change" in inspect.signature(getattr(cls, name)).parameters


@contextlib.contextmanager
def _named_at(where):
    """An ``InvalidOption`` raised inside names its option after ``where`` (a fleet entry's ``connectors[3].``)."""
    try:
        yield
    except InvalidOption as error:
        if not where or str(error.option).startswith(where):
            raise
        raise InvalidOption(where + error.option, error.rule, error.value) from None


def _ignore(*_args):
    """What ``hide`` and ``warn`` do when no module listens (plugins, unit tests of the engine)."""


class Operation:
    """What a module does that is not one object's create, update or delete (an interrupt, the report, a fleet), in the
    one shape ``CloudflareModule.run`` calls: ``check(params)`` refuses bad options before any call, then ``run(params,
    check_mode)`` does the work and returns the module's result. Failures are raised as for any write
    (``InvalidOption``, ``IncompleteRun`` with what landed, ``CloudflareAPIError``). ``module`` gives the run's
    ``client``, ``warn``, ``hide``, ``log`` and ``_diff``."""

    def __init__(self, module):
        self.module = module

    def check(self, params):
        """Refuse bad options before any call (raise ``InvalidOption``)."""

    def run(self, params, check_mode):
        raise NotImplementedError


class ResourceModule:
    """Runs one module's resource through check -> find -> compare -> write -> result.

    ``ensure`` and ``info`` return the module's result; ``CloudflareModule.run`` exits with it.
    """

    def __init__(self, module, resource_class):
        self.module = module
        self.resource = resource_class(module.client, hide=module.hide, warn=module.warn)

    def info(self):
        """The objects the options ask for (an info module)."""
        if self.module.params.get("id") is not None:
            check_id("id", self.module.params["id"])
        self.resource = self.resource.located(self.module.params)
        found = self.resource.select(self.module.params)
        return {"changed": False, self.resource.results_key: [self.resource.shown(obj) for obj in found]}

    def ensure(self):
        """Bring the object the options name to ``state`` (present unless the module has a ``state`` option): the
        write path every write takes (``Resource.begin``, ``lookup``, ``plan_change``, ``apply_change``)."""
        change = self.resource.begin(self.module.params)
        # The parent is looked up after every check that needs no call, before the object is.
        resource = self.resource = self.resource.located(self.module.params)
        resource.plan_change(change, resource.lookup(change))
        try:
            resource.apply_change(change, self.module.check_mode)
        except AfterWriteFailed as failure:
            raise IncompleteRun(
                failure.msg, dict(failure.extra, changed=True, **{resource.result_key: resource.masked(failure.after)})
            ) from None
        finally:
            for warning in change.warnings:
                self.module.warn(warning)
        return resource.result_of(change, self.module._diff)
