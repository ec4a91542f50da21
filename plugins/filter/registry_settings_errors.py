# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: registry_settings_errors
short_description: Check the registry role's settings before any API call
version_added: 0.3.0
description:
  - Takes the registry role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(registry_repository_name), C(registry_keep_images), C(registry_untagged_expiry_days), C(registry_strict)...).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the registry settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'registry_repository_name': registry_repository_name, 'registry_keep_images': registry_keep_images}
         | tracetrack.aws.registry_settings_errors }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import re

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings

REPOSITORY = re.compile(r"^(?=.{2,256}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")


def registry_settings_errors(values):
    settings = Settings(values, "registry_settings_errors")
    settings.matches(
        "registry_repository_name",
        REPOSITORY,
        "must be 2-256 characters: lower-case letters and digits, separated by single '.', '_', '-' or '/' (for example tracetrack/production)",
    )
    settings.number("registry_keep_images", 1, 1000)
    settings.number("registry_untagged_expiry_days", 1, 365)
    if settings.flag("registry_strict") and settings["registry_state"] != "absent":
        settings.strict_requires("registry_scan_on_push", True, "every pushed image must be scanned")
        settings.strict_requires("registry_immutable_tags", True, "a pushed tag must never move to another image")
    return settings.problems


class FilterModule:
    def filters(self):
        return {"registry_settings_errors": registry_settings_errors}
