# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""report.html and calendar.svg in a real browser: headless Chromium renders what the module writes.

These tests never skip: without Chromium they fail and say how to install it (``make units`` installs it first,
see hack/ensure_chromium.sh). CHROMIUM=/path/to/chromium forces a browser.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report import build_report
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report_render import render_all, write_files
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.report_data import (
    CONNECTORS,
    NOW,
    OPTIONS,
    SITES,
)

WIDTH, HEIGHT = 1024, 1280
# The flags this collection's CI uses: no sandbox (containers), no GPU, no network side traffic, a fresh profile.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "headless Chromium is needed to test the HTML report and was not found: run hack/ensure_chromium.sh "
            "(as root it installs the Debian package chromium; else it says how), or set CHROMIUM=/path/to/chromium"
        )
    return path


def browse(tmp_path, *args):
    profile = tmp_path / ("profile-%d" % len(list(tmp_path.glob("profile-*"))))
    command = [chromium()] + list(FLAGS) + ["--user-data-dir=%s" % profile] + list(args)
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, "chromium failed (%d): %s" % (completed.returncode, completed.stderr[-2000:])
    return completed.stdout


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    dest = tmp_path_factory.mktemp("report")
    write_files(str(dest), render_all(build_report(CONNECTORS, SITES, OPTIONS, NOW), "Connector audit (test)"))
    return dest


def png_pixels(data):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, unfiltered (PNG spec, section 9)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        chunk = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6), "expected 8-bit RGB(A), got depth %d colour type %d" % (depth, colour)
    pixel = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * pixel, [], bytearray(width * pixel)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - pixel] if x >= pixel else 0
            up, corner = previous[x], previous[x - pixel] if x >= pixel else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                best = min(
                    (abs(estimate - left), 0, left), (abs(estimate - up), 1, up), (abs(estimate - corner), 2, corner)
                )[2]
                line[x] = (line[x] + best) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, pixel, rows


def test_the_page_renders_with_the_numbers_and_names(tmp_path, written):
    dom = browse(tmp_path, "--dump-dom", (written / "report.html").as_uri())
    assert '<strong id="attention-count">8</strong>' in dom
    for key, count in dict(
        offline=2,
        ha_overlap=4,
        not_activated=1,
        old_version=1,
        no_window=0,
        duplicate_notes=2,
        no_site=1,
        window_differs=5,
        past_embargo_dates=1,
    ).items():
        assert '<td class="count" id="count-%s">%d</td>' % (key, count) in dom
    for name in (
        "sfo-lab",
        "lon-store-01 primary",
        "lon-store-01 secondary &lt;b&gt;",
        "tyo-store-114",
        "muc-branch-02",
        "ber-branch-01 secondary",
    ):
        assert name in dom
    assert "<svg" in dom and "Sun 2026-03-15 01:00-02:00" in dom, "the calendar is inline, with the HA hour listed"


def test_screenshots_of_the_page_and_the_calendar_are_not_blank(tmp_path, written):
    for name in ("report.html", "calendar.svg"):
        shot = tmp_path / (name + ".png")
        browse(tmp_path, "--window-size=%d,%d" % (WIDTH, HEIGHT), "--screenshot=%s" % shot, (written / name).as_uri())
        width, height, pixel, rows = png_pixels(shot.read_bytes())
        assert (width, height) == (WIDTH, HEIGHT), name
        colours, inked = set(), 0
        for row in rows[::8]:
            for x in range(0, width * pixel, pixel * 8):
                rgb = row[x : x + 3]
                colours.add(rgb)
                inked += rgb != b"\xff\xff\xff"
        assert len(colours) > 20 and inked > 400, "%s looks blank: %d colours, %d inked samples" % (
            name,
            len(colours),
            inked,
        )
        if name == "calendar.svg":
            assert b"\xd9\x30\x25" in colours, "the HA hour is drawn in its own colour (#d93025)"


def test_the_page_prints(tmp_path, written):
    pdf = tmp_path / "report.pdf"
    browse(tmp_path, "--no-pdf-header-footer", "--print-to-pdf=%s" % pdf, (written / "report.html").as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10000
    assert 1 <= len(re.findall(rb"/Type\s*/Page\b", data)) <= 4, "the report of 8 connectors prints on a few pages"
