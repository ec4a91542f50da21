# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: secrets_settings_errors
short_description: Check the secrets role's settings before any API call
version_added: 0.3.0
description:
  - Takes the secrets role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(secrets_name_prefix), C(secrets_database_username), the C(secrets_*_length) settings...).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the secrets settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'secrets_name_prefix': secrets_name_prefix, 'secrets_database_username': secrets_database_username}
         | tracetrack.aws.secrets_settings_errors }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import re

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings

DATABASE_USER = re.compile(r"^(?!(?i:rdsadmin|rdsrepladmin|rdstopmgr|public)$)(?!(?i:rds_|pg_))[a-zA-Z][a-zA-Z0-9_]{0,15}$")
APP_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# (variable, shortest, longest, why)
LENGTHS = (
    ("secrets_database_password_length", 16, 128, "RDS for PostgreSQL allows up to 128"),
    ("secrets_admin_password_length", 16, 128, "TraceTrack accepts passwords up to 256"),
    ("secrets_app_secret_key_length", 32, 256, "Flask session signing key"),
    ("secrets_redis_auth_token_length", 16, 128, "ElastiCache AUTH tokens are 16-128 characters"),
    ("secrets_scanner_key_length", 20, 128, "scanner API keys"),
    ("secrets_metrics_token_length", 20, 128, "bearer token of /metrics/scaling"),
)
ROTATABLE = ("database", "app", "redis", "scanner", "admin", "metrics")


def secrets_settings_errors(values):
    settings = Settings(values, "secrets_settings_errors")
    settings.name_prefix("secrets_name_prefix")
    settings.matches(
        "secrets_database_username",
        DATABASE_USER,
        "must be 1-16 letters, digits or underscores, start with a letter, and not be a name RDS or PostgreSQL reserves (rdsadmin, rds_*, pg_*, public)",
    )
    settings.matches(
        "secrets_admin_username", APP_USER, "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (TraceTrack's user names)"
    )
    for name, low, high, why in LENGTHS:
        settings.number(name, low, high, f"must be {low}-{high} ({why})")
    devices = settings["secrets_scanner_devices"] or []
    for device in devices:
        if not isinstance(device, str) or not APP_USER.match(device):
            settings.problem("secrets_scanner_devices", f"holds {device!r}: each device name is 1-64 letters, digits, '.', '_' or '-'")
    for twice in sorted({d for d in devices if isinstance(d, str) and devices.count(d) > 1}):
        settings.problem("secrets_scanner_devices", f"names {twice!r} more than once")
    kinds = settings["secrets_rotate_kinds"]
    kinds = [] if kinds is None else kinds
    if not isinstance(kinds, list) or any(kind not in ROTATABLE for kind in kinds):
        settings.problem("secrets_rotate_kinds", f"must be a list of {', '.join(ROTATABLE)}")
    elif settings.flag("secrets_rotate") and not kinds:
        settings.problem("secrets_rotate_kinds", f"names no kind: secrets_rotate renews only the kinds named here ({', '.join(ROTATABLE)})")
    window = settings.number("secrets_recovery_window_days", 7, 30, "must be 0 (delete at once) or 7-30", also=(0,))
    settings.number("secrets_kms_key_deletion_window_days", 7, 30)
    if settings.flag("secrets_strict") and window == 0:
        settings.strict_requires("secrets_recovery_window_days", lambda days: False, "deleted secrets must stay restorable for 7-30 days")
    return settings.problems


class FilterModule:
    def filters(self):
        return {"secrets_settings_errors": secrets_settings_errors}
