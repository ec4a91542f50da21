# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: preflight_settings_errors
short_description: Check the environment's own settings (its name, project, region)
version_added: 0.3.0
description:
  - Takes the preflight role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(env_name), C(project_name), C(resource_prefix), C(aws_region)).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the preflight settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'env_name': env_name, 'aws_region': aws_region}
         | tracetrack.aws.preflight_settings_errors }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import re

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import NAME_PREFIX, NAME_PREFIX_RULE, Settings

NAME = re.compile(r"^[a-z][a-z0-9-]{0,14}[a-z0-9]$|^[a-z]$")
NAME_RULE = "must be 1-16 lower-case letters, digits and hyphens, starting with a letter"
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$")
ACCOUNT = re.compile(r"^[0-9]{12}$")


def preflight_settings_errors(values):
    settings = Settings(values, "preflight_settings_errors")
    # Every resource name, tag and the image repository derive from these two: a problem in them is named here,
    # not as the prefix of each tier that inherits it.
    for name in ("env_name", "project_name"):
        if name == "env_name" or settings[name]:
            settings.matches(name, NAME, NAME_RULE + " (every resource name derives from it)")
    if not settings.problems and settings["resource_prefix"]:
        settings.matches("resource_prefix", NAME_PREFIX, NAME_PREFIX_RULE + " (every tier's name prefix defaults to it)")
    settings.matches("aws_region", REGION, "must be an AWS region name such as eu-west-1")
    # The account the inventory belongs to: the credentials (an AWX credential is chosen apart from the inventory)
    # must be of this account, or nothing runs.
    if settings["env_aws_account_id"] not in (None, ""):
        settings.matches("env_aws_account_id", ACCOUNT, "must be the 12-digit id of the AWS account the environment lives in")
    elif settings.flag("env_strict"):
        settings.problem("env_aws_account_id", "must name the AWS account (12 digits) in a strict environment (env_strict): no run may reach another account")
    return settings.problems


class FilterModule:
    def filters(self):
        return {"preflight_settings_errors": preflight_settings_errors}
