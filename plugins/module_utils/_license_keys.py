# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""License keys of virtual connectors: where they go (files of mode 0600, their directory probed before any call), the
re-key as a declared step of a change, and a key lost with its answer replaced once.

Cloudflare shows a key once, in the answer of the write that generates it: a key that cannot be written where the
options say is kept in a fallback file and masked in every output of the run.
"""

from __future__ import annotations

import os
import re
import tempfile

from ._change import AfterWriteFailed, Step
from ._connector_identity import named_by_device
from ._connector_settings import notes_key
from ._files import write_atomically
from ._inputs import InvalidOption


def check_key_dest(path, option="license_key_dest"):
    """``license_key_dest`` must be a file path in a writable directory: checked before any call (by creating and
    removing a temporary file there, the one test that permissions, ACLs and read-only mounts cannot fool), so a
    key is never generated that cannot be saved."""
    if os.path.isdir(path):
        raise InvalidOption(option, "must be a file path, not a directory", path)
    check_key_dir(os.path.dirname(os.path.abspath(path)), option, path)


def check_key_dir(folder, option, value=None):
    """The directory ``folder`` exists and this user can create files in it (checked by doing so)."""
    value = folder if value is None else value
    if not os.path.isdir(folder):
        raise InvalidOption(option, "must be in an existing directory (%s does not exist)" % folder, value)
    try:
        handle, probe = tempfile.mkstemp(prefix=".license-key-probe-", dir=folder)
    except OSError as exc:
        raise InvalidOption(
            option,
            "must be in a directory this user can write (%s: %s); nothing was sent" % (folder, exc.strerror or exc),
            value,
        ) from None
    os.close(handle)
    os.unlink(probe)


def save_license_key(path, key):
    """Write the key atomically with mode 0600 (only this user can read it)."""
    write_atomically(path, (key + "\n").encode("utf-8"), 0o600)


def rescue_license_key(dest, key):
    """After ``dest`` could not be written: the key in a new file of mode 0600 next to it, else in this user's
    temporary directory. Returns the file's path, or None when neither could be written."""
    name = os.path.basename(dest) or "license"
    for folder in (os.path.dirname(os.path.abspath(dest)), tempfile.gettempdir()):
        try:
            handle, path = tempfile.mkstemp(prefix=name + ".unsaved-", suffix=".key", dir=folder)  # created 0600
        except OSError:
            continue
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write((key + "\n").encode("utf-8"))
                stream.flush()
                os.fsync(stream.fileno())
            return path
        except OSError:
            try:
                os.unlink(path)
            except OSError:
                pass
    return None


class KeyNotSaved(AfterWriteFailed):
    """A license key was generated but could not be written where the options said: the message says where it is
    (``extra``: ``license_key_fallback``, when a fallback file holds it)."""

    def __init__(self, msg, connector, fallback):
        super().__init__(msg, connector, dict(license_key_fallback=fallback) if fallback else {})


def settle_license_key(resource, after, dest, option):
    """After a write that generates a license key: ``(connector, warning)``, the key written to ``dest`` (when given)
    and left out of the connector. A key whose answer was lost is replaced once (Cloudflare never shows a key twice).

    A key meant for a file is masked in every output of the run (``resource.hide``) from the moment it arrives. When
    ``dest`` cannot be written after all (its directory was probed before any call, but a file can become immutable,
    a disk full), the key goes to a 0600 file next to it, else in the temporary directory, and ``KeyNotSaved`` says
    where; should that fail too, the key is nowhere and the message says so."""
    warning = None
    if not after.get("license_key"):
        # The answer that carried the key was lost (a re-read confirmed the write), or the create named an existing
        # virtual device: Cloudflare never shows a key again, so a fresh one is generated now (once).
        after = resource.update(after["id"], dict(provision_license=True))
        warning = "connector %s: no license key came back, so it was re-keyed once; the new key is in %s" % (
            after["id"],
            dest or "the result",
        )
    if not dest or not after.get("license_key"):
        return after, warning
    after = dict(after)
    key = after.pop("license_key")
    resource.hide(key)
    try:
        save_license_key(dest, key)
    except OSError as exc:
        fallback = rescue_license_key(dest, key)
        where = (
            "it was saved to %s (mode 0600) instead: move it there" % fallback
            if fallback
            else "no other file could be written either (next to it, or in the temporary directory), so the key is "
            "not kept anywhere and is masked in this output: re-key the connector (rekey=true) once the "
            "destination can be written"
        )
        raise KeyNotSaved(
            "connector %s: its new license key (the previous one no longer works) could not be written "
            "to %s %s (%s); %s"
            % (after["id"], option, dest, exc.strerror or exc, where)
            + (". " + warning if warning else ""),
            after,
            fallback,
        ) from None
    return after, warning


#: what the diff shows of a re-key (the key itself never appears)
REKEY_DIFF = dict(
    license_key=(
        "(current key: revoked at once and for good by the re-key)",
        "(key will be rotated: a new key, generated by Cloudflare)",
    )
)


def rekey_step(resource, connector, dest, option):
    """The declared second write of a re-key: ``provision_license`` sent (its unknown outcome re-read like any
    write), then the new key kept (``keep_license_key``)."""
    connector_id = connector["id"]

    def run(change):
        after = resource.sent_safely(
            change,
            lambda: resource.update(connector_id, dict(provision_license=True)),
            lambda: resource.get(connector_id),
        )
        return keep_license_key(resource, change, after, dest, option)

    return Step(
        "rekey",
        run,
        diff=REKEY_DIFF,
        planned="connector %s: the license key would be rotated (check mode: nothing was sent)" % connector_id,
        done="connector %s: license key rotated (the previous key stopped working at once)" % connector_id,
    )


def keep_license_key(resource, change, after, dest, option):
    """After a write that generates a key: the key saved to ``dest`` (``settle_license_key``), where it went in the
    change's result."""
    after, warning = settle_license_key(resource, after, dest, option)
    change.facts["key_warning"] = warning
    change.warn(warning)
    if dest:
        change.extra["license_key_dest"] = dest
    return after


def key_file_name(notes):
    """The file name of a license key in ``license_key_dir``: the entry's notes (NFC, trimmed), every character but
    letters, digits, ``.``, ``_`` and ``-`` replaced by ``_``, a leading dot too (no hidden files), then ``.key``."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", notes_key(notes))
    return re.sub(r"^\.", "_", name) + ".key"


def check_key_files(entries, key_dir):
    """The license key file of each entry (None when it gets no key), checked before any call: ``provision_license``
    only on entries named by their notes alone, a destination for each (its own ``license_key_dest`` or the task's
    ``license_key_dir``), each directory writable (probed once), no two entries writing the same file."""
    if key_dir is not None:
        if not os.path.isdir(key_dir):
            raise InvalidOption("license_key_dir", "must be an existing directory", key_dir)
        check_key_dir(key_dir, "license_key_dir")
    files, seen, probed = [], {}, set()
    for index, entry in enumerate(entries):
        where = "connectors[%d]." % index
        dest = entry.get("license_key_dest")
        if not entry.get("provision_license"):
            if dest is not None:
                raise InvalidOption(
                    where + "license_key_dest", "needs provision_license=true (a key is only generated then)", dest
                )
            files.append(None)
            continue
        if entry.get("state") == "absent":
            raise InvalidOption(where + "provision_license", "cannot be used with state=absent")
        if named_by_device(entry) or entry.get("notes") is None:
            raise InvalidOption(
                where + "provision_license",
                "creates a connector for a new virtual device, named by its "
                "notes alone: give notes and no id, device_id or device_serial_number (to re-key an "
                "existing connector, use cloudflare.magic_transit.magic_connector with rekey=true)",
            )
        if dest is None and key_dir is None:
            raise InvalidOption(
                where + "provision_license",
                "needs a file for the license key: the entry's "
                "license_key_dest or the task's license_key_dir (a fleet's result never holds keys)",
            )
        if dest is None:
            dest = os.path.join(key_dir, key_file_name(entry["notes"]))
        elif os.path.dirname(os.path.abspath(dest)) in probed:
            if os.path.isdir(dest):
                raise InvalidOption(where + "license_key_dest", "must be a file path, not a directory", dest)
        else:
            check_key_dest(dest, where + "license_key_dest")
            probed.add(os.path.dirname(os.path.abspath(dest)))
        real = os.path.realpath(dest)
        if real in seen:
            raise InvalidOption(
                where + "license_key_dest",
                "is the same file as the key of connectors[%d] (%s)" % (seen[real], dest),
                dest,
            )
        seen[real] = index
        files.append(dest)
    return files
