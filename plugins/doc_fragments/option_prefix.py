# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The option of the modules the collection's roles call: one way for a role to name its variables in failures.
    DOCUMENTATION = r"""
options:
  option_prefix:
    description:
      - The variable prefix of the role calling the module. A failure found before any write then names the role's
        variable - the prefix, then the option as the role calls it - instead of the module's option, for example
        C(branch_sites[3].wans[0].physport), C(rolling_interrupt_batch) or C(maintenance_window_hour).
      - The collection's roles set it; leave it unset in a playbook.
    type: str
    default: ""
    version_added: 1.1.0
"""
