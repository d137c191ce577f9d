# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of the collection's inventory plugins: the options of CONNECTION_ARGUMENT_SPEC in
    # plugins/module_utils/_module.py (same names, same CLOUDFLARE_* environment variables), declared with env:
    # entries because plugin options get their fallbacks from Ansible's configuration system.
    # tests/unit/plugins/doc_fragments/test_connection_options.py keeps both in step.
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - "Cloudflare API token, sent as C(Authorization: Bearer <token>). This is the preferred way to authenticate."
      - Listing connectors needs the B(Magic WAN Read) permission.
      - In the inventory source file this may be a template, for example
        V({{ lookup('ansible.builtin.env', 'MY_TOKEN_VARIABLE'\) }}), or an C(!vault) encrypted value. Values that
        come from the E(CLOUDFLARE_API_TOKEN) environment variable are used as they are, never templated.
      - Mutually exclusive with O(api_email) and O(api_key).
      - One of O(api_token) or O(api_email) plus O(api_key) is required.
    type: str
    env:
      - name: CLOUDFLARE_API_TOKEN
  api_email:
    description:
      - E-mail address of the Cloudflare user, for the legacy global API key authentication (C(X-Auth-Email)).
      - Requires O(api_key).
    type: str
    env:
      - name: CLOUDFLARE_EMAIL
  api_key:
    description:
      - Legacy global API key (C(X-Auth-Key)). Prefer a scoped O(api_token).
      - Like O(api_token), it may be a template or an C(!vault) encrypted value in the inventory source file (but
        not in the environment variable).
      - Requires O(api_email).
    type: str
    env:
      - name: CLOUDFLARE_API_KEY
  account_id:
    description:
      - The Cloudflare account that owns the connectors (at most 32 letters and digits).
      - Required, here or in the E(CLOUDFLARE_ACCOUNT_ID) environment variable.
    type: str
    env:
      - name: CLOUDFLARE_ACCOUNT_ID
  base_url:
    description:
      - The API's base URL.
      - Must use C(https://), except for a loopback host such as the local Magic API simulator.
    type: str
    default: https://api.cloudflare.com/client/v4
    env:
      - name: CLOUDFLARE_BASE_URL
  timeout:
    description:
      - Seconds each attempt of a call may take as a whole (connecting, the status line and headers, and the whole
        body, however slowly a server trickles them); then the connection is cut.
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
    type: int
    default: 4
  max_retry_wait:
    description:
      - The most seconds the list call may spend waiting between retries, in total.
      - When Cloudflare's account-wide rate limit asks for a longer wait, the refresh fails at once with a message
        saying when to retry instead of hanging.
    type: float
    default: 60
requirements:
  - requests
notes:
  - An environment variable that is set but empty (as AWX injects the blank fields of a credential) counts as not set.
"""
