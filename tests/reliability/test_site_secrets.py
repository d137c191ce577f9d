# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The site modules hold no secret of their own; the API token they are given never appears in their output, at
``-vvvv`` with ``--diff``, on success, on a refusal before any write and on an API failure (test_secrets.py's search:
raw, JSON- and repr-escaped, URL-encoded)."""

from __future__ import annotations

from ansible_collections.cloudflare.magic_transit.tests.reliability.test_secrets import leaks

BAD_TOKEN = "sim_rw_token_that_expired_long_ago_00000"


def test_no_token_in_the_output_of_the_site_modules(ansible, simulator):
    runs = {
        "store playbook": ansible.playbook(
            "magic_site_store.yml", "-vvvv", diff=True, extra_vars=dict(expect_changed=True)
        ),
        "bad input": ansible.adhoc(
            "cloudflare.magic_transit.magic_site_lan",
            "site_name=ber-branch-01 name=pos vlan_tag=4095",
            "-vvvv",
            "--diff",
            rc=2,
        ),
        "refused token": ansible.adhoc(
            "cloudflare.magic_transit.magic_site_acl",
            "site_name=ber-branch-01 name=x unidirectional=true",
            "-vvvv",
            "--diff",
            rc=2,
            env=dict(CLOUDFLARE_API_TOKEN=BAD_TOKEN),
        ),
    }
    assert "vlan_tag must be from 0 to 4094" in runs["bad input"].output
    assert "401 code 10000: Authentication error" in runs["refused token"].output
    outputs = dict((name, run.output) for name, run in runs.items())
    assert leaks({"rw_token": simulator.token, "bad_token": BAD_TOKEN}, outputs) == []
