# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Magic WAN sites: where a connector pair is placed and its high availability defined.

Nothing but declarations: the engine's defaults (find by id or exact name, list or get) are all a site needs.
"""

from __future__ import annotations

from ._resource import Resource


class Sites(Resource):
    result_key = "magic_site"
    results_key = "magic_sites"
    label = "site"
    path = ("magic", "sites")
