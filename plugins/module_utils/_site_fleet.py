# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Magic WAN sites as a fleet (``magic_sites``): many sites, each with its LANs, WANs and ACLs by name, in one task.

Reads: one sites list, the connectors list only when a reference needs it, and only the child lists of the sites in
the task, all admitted through the rate budget like the writes. Every entry is then planned through the engine's own
steps with the site descriptions of ``_sites.py`` and ``_site_children.py`` (their hooks, their rules), from those
reads only: the descriptions are bound to ``_Reads``, which answers each read from what this run read or predicts
and refuses to write. Every bad entry fails here, before any write.

Writes go in phases, each through a ``FleetWriter`` (pacing, concurrency, re-read of unknown outcomes): sites, then
LANs and WANs (a new site's children need its id), then ACLs (a new ACL names LANs by id), then deleted LANs and
WANs, then deleted sites. Before a phase is written it is planned again from what the phases before it returned
(the ids of new sites and LANs). A failed phase stops the run; what follows is reported not sent.
"""

from __future__ import annotations

import copy
import threading
from concurrent.futures import ThreadPoolExecutor

from ._change import CHANGED, CREATE, DELETE, FAILED, NOT_SENT, UNCHANGED, IncompleteRun
from ._fleet import FleetWriter, check_concurrency, check_rate_limit_wait
from ._inputs import InvalidOption, check_id
from ._resource import Operation
from ._site_children import Acls, Lans, Wans, below
from ._sites import Sites

KINDS = (("lans", Lans), ("wans", Wans), ("acls", Acls))
PURGES = dict(lans="purge_lans", wans="purge_wans", acls="purge_acls")
ENTRY_ONLY = ("lans", "wans", "acls") + tuple(PURGES.values())


class _Reads:
    """The client the planning descriptions use: every read answered once (through ``guard``, the rate budget) and
    then from memory, or from what ``seed`` says this run will have made; no write."""

    def __init__(self, client, guard):
        self.client, self.guard, self.memo, self.lock = client, guard, {}, threading.Lock()

    def account_path(self, *parts):
        return self.client.account_path(*parts)

    def seed(self, path, value):
        with self.lock:
            self.memo[path] = copy.deepcopy(value)

    def get(self, path, params=None, headers=None, shape=None):
        with self.lock:
            known = path in self.memo
        if not known:
            reason = self.guard.admit()
            if reason:
                raise IncompleteRun("Nothing was written: " + reason, dict(changed=False))
            try:
                self.seed(path, self.client.get(path, params=params, headers=headers, shape=shape))
            finally:
                self.guard.release(None, None, True)
        with self.lock:
            return copy.deepcopy(self.memo[path])

    def request(self, method, path, *_args, **_kwargs):
        raise RuntimeError("planning never writes (%s %s)" % (method, path))

    post = put = patch = delete = request


class SiteFleet(Operation):
    """magic_sites: check and plan every entry from one round of reads, then write the phases."""

    def check(self, params):
        check_concurrency(params["max_concurrency"])
        check_rate_limit_wait(params["rate_limit_wait"])

    def run(self, params, check_mode):
        try:
            return _Run(self.module, params, check_mode).run()
        except InvalidOption as error:
            # Raised only while planning, before any write; a role names its own variable (option_prefix).
            if not params["option_prefix"]:
                raise
            raise InvalidOption(params["option_prefix"] + error.option, error.rule, error.value) from None


class _Run:
    """One run of magic_sites: its entries' plans (``self.entries``: per entry its site ``Change`` and its children's,
    by kind), the reads, and the phase writers' pacing."""

    def __init__(self, module, params, check_mode):
        self.module, self.params, self.check_mode = module, params, check_mode
        self.client = module.client
        #: the description that writes the sites (the planning one, ``self.sites``, only reads)
        self.writing_sites = Sites(self.client, module.hide, module.warn)
        self.writers = []
        self.reads = _Reads(self.client, self._writer())
        self.sites = Sites(self.reads, module.hide, module.warn)
        self.entries = []
        #: the child lists as the run read them, by path
        self.listed = {}

    def _writer(self):
        params, waited = self.params, sum(w.pacing["waited_s"] for w in self.writers)
        writer = FleetWriter(
            self.writing_sites,
            "sites",
            params["max_concurrency"],
            self.check_mode,
            self.module._diff,
            None,
            rate_limit_wait=max(params["rate_limit_wait"] - waited, 0),
            progress=self.module.log,
            full=False,
            diff_summary=params["diff_summary"],
        )
        self.writers.append(writer)
        return writer

    def run(self):
        self.begin()
        if self.params["check_only"]:
            return dict(changed=False, magic_sites=[], summary=dict(total=len(self.entries)))
        listed = self.reads.get(self.sites.path_of())
        self.plan_sites(listed)
        self.read_children()
        for kinds in (("lans", "wans"), ("acls",)):
            self.plan_children(kinds, predicted=True)
        if self.check_mode:
            for change in self.all_changes():
                change.resource.apply_change(change, True)
            return self.result()[0]
        phases = (
            (("site",), _not_delete, None),
            (("lans", "wans"), _not_delete, ("lans", "wans")),
            (("acls",), None, ("acls",)),
            (("lans", "wans"), _delete, None),
            (("site",), _delete, None),
        )
        for kinds, chosen, replan in phases:
            try:
                if replan:
                    self.plan_children(replan, predicted=False)
            except InvalidOption as error:
                raise self.stopped(str(error)) from None
            changes = [c for c in self.all_changes(kinds) if c.status == CHANGED and (chosen is None or chosen(c))]
            try:
                self._writer().run(changes)
            except IncompleteRun:
                raise self.stopped("a write before it failed or was not sent, and what follows depends on it") from None
        return self.result()[0]

    # --- planning, before any write ------------------------------------------------------------------

    def begin(self):
        """Every entry's values checked (the site's and each child's, by the descriptions' own hooks)."""
        for index, params in enumerate(self.params["sites"]):
            where = "sites[%d]." % index
            if params["state"] == "absent":
                given = [key for key in ENTRY_ONLY + tuple(Sites.argument_spec) if key != "name" and params.get(key)]
                if given:
                    raise InvalidOption(
                        where + given[0],
                        "cannot be used with state=absent (the site is deleted, with every LAN, WAN and ACL)",
                    )
            site = self.sites.begin(params, index, where)
            entry = dict(site=site)
            for kind, cls in KINDS:
                entry[kind] = [
                    self._begin_child(cls, child, "%s%s[%d]." % (where, kind, number), number)
                    for number, child in enumerate(params.get(kind) or [])
                ]
                _check_names(entry[kind], where + kind)
            _check_ha_links(entry["lans"], where)
            self.entries.append(entry)

    def _begin_child(self, cls, params, where, number):
        if not isinstance(params.get("name"), str) or not params["name"].strip():
            raise InvalidOption(
                where + "name", "is required: a site's %ss are named in the entry" % cls.label, params.get("name")
            )
        params = dict(params, state=params.get("state") or "present")
        return cls(self.reads, self.module.hide, self.module.warn).begin(params, number, where)

    def plan_sites(self, listed):
        seen = {}
        for entry in self.entries:
            change = entry["site"]
            current = self._site_of(listed, change)
            if current is None:
                change.name = "new site %r" % change.params.get("name")
            change.resource = self.writing_sites
            self.sites.plan_change(change, current)
            if current is not None:
                if current["id"] in seen:
                    raise InvalidOption(
                        change.where[:-1], "names the same site (%s) as %s" % (current["id"], seen[current["id"]])
                    )
                seen[current["id"]] = change.where[:-1]

    def _site_of(self, listed, change):
        """The site an entry names: by ``id`` among those listed, else by its exact name (two are ambiguous)."""
        if change.params.get("id") is not None:
            check_id(change.where + "id", change.params["id"])
            return next((site for site in listed if site["id"] == change.params["id"]), None)
        return self.sites.find_by_title(change.params["name"], change.where + "name")

    def read_children(self):
        """The lists of the kinds each entry manages, of the existing sites in the task (paced, concurrently)."""
        paths = []
        for entry in self.entries:
            site, params = entry["site"], entry["site"].params
            for kind, cls in KINDS if site.current is not None else ():
                if (
                    params["state"] == "absent"
                    or params.get(kind)
                    or self._purges(params, kind)
                    or (kind == "lans" and params.get("acls"))
                ):
                    paths.append(below(cls, self.sites, site.current["id"]).path_of())
        with ThreadPoolExecutor(max_workers=self.params["max_concurrency"]) as pool:
            self.listed = dict(zip(paths, pool.map(self.reads.get, paths)))

    def _purges(self, params, kind):
        given = params.get(PURGES[kind])
        return self.params[PURGES[kind]] if given is None else given

    def plan_children(self, kinds, predicted):
        """Plan the children of ``kinds`` of every entry from the site and the LANs as they will be (``predicted``:
        as the writes before them would leave them; else as those writes returned): the descriptions' own checks
        (the HA site's addressing, one HA link, an ACL's LANs) judge the site as this run leaves it."""
        for entry in self.entries:
            site = entry["site"]
            if site.current is None and site.action == DELETE:
                continue  # nothing to remove
            obj = _expected(self.sites, site, predicted)
            existing = dict((kind, self._listed(site, kind)) for kind, _cls in KINDS)
            self.reads.seed(self.sites.path_of(obj["id"]), obj)
            if "acls" in kinds:
                self.reads.seed(
                    below(Lans, self.sites, obj["id"]).path_of(), _after_all(existing["lans"], entry["lans"], predicted)
                )
            for kind, cls in KINDS:
                if kind in kinds:
                    self.reads.seed(below(cls, self.sites, obj["id"]).path_of(), existing[kind])
                    entry[kind] = self._plan_kind(entry, kind, cls, obj, existing[kind])

    def _listed(self, site, kind):
        """The children of ``kind`` the site had when the run read them (none: a new site, or a kind not read)."""
        if site.current is None:
            return []
        return copy.deepcopy(self.listed.get(below(dict(KINDS)[kind], self.sites, site.current["id"]).path_of(), []))

    def _plan_kind(self, entry, kind, cls, site, existing):
        """The entry's children of ``kind``, then the deletes of those it leaves out (``purge_<kind>``, or every one
        with the site's ``state: absent``)."""
        params, hide, warn = entry["site"].params, self.module.hide, self.module.warn
        planning, writing = below(cls, self.sites, site["id"]), cls(self.client, hide, warn)
        writing.parent_ids = dict(planning.parent_ids)
        changes = []
        if params["state"] != "absent":
            for number, child in enumerate(params.get(kind) or []):
                change = self._begin_child(cls, child, "%s%s[%d]." % (entry["site"].where, kind, number), number)
                current = planning.find_by_title(child["name"], change.where + "name")
                changes.append(self._plan_one(planning, writing, change, current, site))
        if params["state"] == "absent" or self._purges(params, kind):
            named = set(child["name"] for child in params.get(kind) or [])
            for obj in existing:
                if obj.get("name") not in named:
                    where = "%s%s[%s]." % (entry["site"].where, kind, obj.get("name"))
                    change = planning.begin(
                        dict(id=obj["id"], name=obj.get("name"), state="absent"), len(changes), where
                    )
                    changes.append(self._plan_one(planning, writing, change, obj, site))
        return changes

    @staticmethod
    def _plan_one(planning, writing, change, current, site):
        change.name = "%s %r of site %r" % (planning.label, change.params.get("name"), site.get("name"))
        change.resource = writing
        return planning.plan_change(change, current)

    def all_changes(self, kinds=("site", "lans", "wans", "acls")):
        return [
            change
            for entry in self.entries
            for kind in kinds
            for change in ([entry[kind]] if kind == "site" else entry[kind])
        ]

    # --- the result ----------------------------------------------------------------------------------

    def result(self):
        final = FleetWriter(
            self.writing_sites,
            "sites",
            self.params["max_concurrency"],
            self.check_mode,
            self.module._diff,
            None,
            full=False,
            diff_summary=self.params["diff_summary"],
        )
        final.plans = self.all_changes()
        flat = final.result()
        entries = [self._entry_result(entry) for entry in self.entries]
        summary = dict(
            total=len(entries),
            **dict(
                (status, sum(1 for e in entries if e["status"] == status))
                for status in (CHANGED, UNCHANGED, FAILED, NOT_SENT)
            ),
        )
        pacing = dict(
            pauses=sum(w.pacing["pauses"] for w in self.writers),
            waited_s=round(sum(w.pacing["waited_s"] for w in self.writers), 1),
            lines=[line for w in self.writers for line in w.pacing["lines"]],
            rate_limited=self.client.calls.get("rate_limited", 0),
        )
        result = dict(
            changed=flat["changed"], magic_sites=entries, summary=summary, objects=flat["summary"], pacing=pacing
        )
        if "diff" in flat:
            result["diff"] = flat["diff"]
        for warning in (w for change in final.plans for w in change.warnings):
            self.module.warn(warning)
        return result, final

    def _entry_result(self, entry):
        site = entry["site"]
        result = _object_result(site)
        statuses = [change.status for change in _of(entry)]
        result["status"] = next((s for s in (FAILED, NOT_SENT, CHANGED) if s in statuses), UNCHANGED)
        result["changed"] = CHANGED in statuses
        for kind, _cls in KINDS:
            result[kind] = [_object_result(change) for change in entry[kind]]
        return result

    def stopped(self, reason):
        """A phase stopped: every write after it is not sent, and the failure says exactly what landed."""
        for change in self.all_changes():
            if change.status == CHANGED and not change.sent and not change.error:
                change.status, change.error = NOT_SENT, "not sent: %s" % reason
        result, final = self.result()
        result["magic_sites"] = [
            dict(entry, index=index)
            for index, entry in enumerate(result["magic_sites"])
            if entry["status"] != UNCHANGED
        ]
        return IncompleteRun(final.failure_message(), result)


def _of(entry):
    return [entry["site"]] + [change for kind, _cls in KINDS for change in entry[kind]]


def _object_result(change):
    obj = change.after if change.after is not None else (change.current or {})
    result = dict(
        id=obj.get("id"),
        name=obj.get("name") or change.params.get("name"),
        status=change.status,
        action=change.action,
        changes=change.changes if change.status != UNCHANGED else {},
    )
    if change.error:
        result["error"] = change.error
    if change.outcome_unknown:
        result["outcome_unknown"] = True
    return result


def _expected(sites, change, predicted):
    """The site as the run leaves it: as predicted from its plan, or as its write returned (a new one: its id)."""
    if change.status == UNCHANGED or change.action == DELETE:
        return change.current
    if not predicted:
        return change.after
    if change.action == CREATE:
        return dict(change.body, id="new site %r" % change.params.get("name"))
    return sites.predicted(change.current, change.changes)


def _after_all(existing, changes, predicted):
    """The LANs of a site once ``changes`` (the entry's LAN changes) are made, as predicted or as returned; the
    deleted ones left out (an ACL must not name one)."""
    objects = dict((obj["id"], obj) for obj in existing)
    for change in changes:
        if change.action == DELETE:
            objects.pop((change.current or {}).get("id"), None)
            continue
        obj = change.after
        if predicted and change.status == CHANGED:
            obj = (
                dict(change.body, id="new LAN %r" % change.params.get("name"))
                if change.action == CREATE
                else change.resource.predicted(change.current, change.changes)
            )
        objects[obj["id"]] = obj
    return list(objects.values())


def _not_delete(change):
    return change.action != DELETE


def _delete(change):
    return change.action == DELETE


def _check_names(changes, where):
    """Two children of one kind in an entry must not share a name (each names one object of the site)."""
    seen = {}
    for change in changes:
        name = change.params["name"]
        if name in seen:
            raise InvalidOption(
                "%s[%d].name" % (where, change.index), "names the same object as %s[%d]" % (where, seen[name]), name
            )
        seen[name] = change.index


def _check_ha_links(lans, where):
    """At most one LAN of a site carries the HA election: two entries asking for it are refused here already."""
    linked = [change.index for change in lans if change.params.get("ha_link")]
    if len(linked) > 1:
        raise InvalidOption(
            "%slans[%d].ha_link" % (where, linked[1]),
            "can be true on one LAN per site only (lans[%d] already is the HA link)" % linked[0],
            True,
        )
