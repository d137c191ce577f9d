# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options of CONNECTION_ARGUMENT_SPEC in plugins/module_utils/_module.py, documented once;
    # tests/unit/plugins/doc_fragments/test_connection_options.py keeps names, types, defaults and variables in step.
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - "Cloudflare API token, sent as C(Authorization: Bearer <token>). This is the preferred way to authenticate."
      - Interconnects need the B(Magic WAN Read) or B(Magic Transit Read) permission to read and the matching
        B(Write) permission to change; connectors need B(Magic WAN Read/Write).
      - If not set, the value of the E(CLOUDFLARE_API_TOKEN) environment variable is used.
      - Mutually exclusive with O(api_email) and O(api_key).
      - One of O(api_token) or O(api_email) plus O(api_key) is required.
    type: str
  api_email:
    description:
      - E-mail address of the Cloudflare user, for the legacy global API key authentication (C(X-Auth-Email)).
      - If not set, the value of the E(CLOUDFLARE_EMAIL) environment variable is used.
      - Requires O(api_key).
    type: str
  api_key:
    description:
      - Legacy global API key (C(X-Auth-Key)). Prefer a scoped O(api_token).
      - If not set, the value of the E(CLOUDFLARE_API_KEY) environment variable is used.
      - Requires O(api_email).
    type: str
  account_id:
    description:
      - The Cloudflare account that owns the resources (at most 32 letters and digits).
      - If not set, the value of the E(CLOUDFLARE_ACCOUNT_ID) environment variable is used.
    type: str
    required: true
  base_url:
    description:
      - The API's base URL.
      - If not set, the value of the E(CLOUDFLARE_BASE_URL) environment variable is used, and if that is not set
        either, V(https://api.cloudflare.com/client/v4).
      - Must use C(https://), except for a loopback host such as the local Magic API simulator.
    type: str
    default: https://api.cloudflare.com/client/v4
  timeout:
    description:
      - Seconds each attempt of a call may take as a whole, connecting, the status line and headers, and the whole
        body, however slowly a server trickles them; then the connection is cut. A retried call has this much again
        for each attempt (see O(max_retries)).
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Only turn this off for a test endpoint.
    type: bool
    default: true
  max_retries:
    description:
      - How many times to retry a call that failed with HTTP 429, 502, 503, 504 or a connection error.
      - Retries back off exponentially with jitter and honour Cloudflare's C(Retry-After) header.
      - A call that creates something (POST) is retried only when Cloudflare certainly did not process it.
    type: int
    default: 4
  max_retry_wait:
    description:
      - The most seconds one call may spend waiting between retries, in total.
      - When Cloudflare's account-wide rate limit asks for a longer wait (it blocks the account for 5 minutes once
        1200 requests in 5 minutes are exceeded), the module fails at once with a message saying when to retry
        instead of hanging.
    type: float
    default: 60
requirements:
  - requests
notes:
  - "Modules talk to the Cloudflare API from the controller; use them with C(hosts: localhost) or C(delegate_to: localhost)."
  - All connection options can be set once for a play with C(module_defaults) and the
    C(group/cloudflare.magic_transit.all) action group.
seealso:
  - name: Cloudflare API tokens
    description: How to create a scoped API token.
    link: https://developers.cloudflare.com/fundamentals/api/get-started/create-token/
"""
