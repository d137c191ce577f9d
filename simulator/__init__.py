# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Magic API simulator: a local stand-in for Cloudflare's Magic Transit / Magic WAN API.

Standard library only (Python 3.11+). Run it from the collection root with ``python -m simulator``; see
``simulator/README.md`` for endpoints, fault injection and the admin API.

Modules: ``server`` (HTTP, loopback only), ``app`` (pipeline: faults, auth, routing, request log, admin API),
``resources`` (the Magic endpoints), ``validation`` (Cloudflare-like body checks), ``state`` (seed, fleet,
atomic persistence), ``faults``, ``requestlog``, ``telemetry``, ``errors`` (envelope and error codes).
"""

import os

__version__ = "1.0.0"

DEFAULT_PORT = 8790
DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed.json")
