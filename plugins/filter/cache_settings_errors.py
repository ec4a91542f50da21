# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: cache_settings_errors
short_description: Check the cache role's settings before any API call
version_added: 0.3.0
description:
  - Takes the cache role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(cache_name_prefix), C(cache_node_type), C(cache_engine_version), C(cache_replicas),
        C(cache_snapshot_window), C(cache_maintenance_window), C(cache_strict)...).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the cache settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: "{{ {'cache_node_type': cache_node_type, 'cache_replicas': cache_replicas} | tracetrack.aws.cache_settings_errors }}"
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import re

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings, whole, windows_overlap

# The common name prefix rule, without two hyphens in a row (ElastiCache ids may not hold them).
NAME_PREFIX = re.compile(r"(?!.*--)[a-z][a-z0-9-]{1,22}[a-z0-9]")
NODE_TYPE = re.compile(r"cache\.[a-z0-9]+\.[a-z0-9]+")
ENGINE_VERSION = re.compile(r"0*([7-9]|[1-9][0-9]+)\.[0-9]+")


def cache_settings_errors(values):
    settings = Settings(values, "cache_settings_errors")
    settings.matches(
        "cache_name_prefix",
        NAME_PREFIX,
        "must be 3-24 characters of lower-case letters, digits and single hyphens, starting with a letter"
        " (ElastiCache ids derived from it are limited to 40 characters)",
    )
    settings.matches(
        "cache_node_type",
        NODE_TYPE,
        'is not an ElastiCache node type: give one like cache.t3.micro or cache.r6g.large (family and size after the "cache." prefix)',
    )
    settings.matches(
        "cache_engine_version",
        ENGINE_VERSION,
        'must be a Redis OSS major.minor version of 7 or later, for example "7.1" (quoted, so that YAML keeps it a string)',
    )
    replicas = settings.number("cache_replicas", 0, 5, "must be 0-5: a primary has at most 5 replicas (per shard in cluster mode)")
    shards = settings.number("cache_shards", 1, 500)
    if shards is not None and shards > 1 and settings["cache_cluster_mode"] != "enabled":
        settings.problem("cache_shards", "must be 1 unless cluster mode is enabled: only cluster mode spreads the keys over shards")
    retention = settings.number("cache_snapshot_retention_days", 0, 35, "must be 0 (no automatic snapshots) to 35: ElastiCache keeps them at most 35 days")
    snapshot = settings.window("cache_snapshot_window", False, 60, 1440, "must last at least 60 minutes")
    maintenance = settings.window("cache_maintenance_window", True, 60, 1440, "must last 60 minutes to 24 hours")
    if snapshot and maintenance and windows_overlap(snapshot, maintenance):
        settings.problem(
            "cache_snapshot_window", f"overlaps the weekly maintenance window {settings['cache_maintenance_window']!r}: ElastiCache needs them apart (both UTC)"
        )
    settings.number("cache_wait_timeout", 1, None, "must be a number of seconds greater than 0")
    if settings.flag("cache_strict") and settings["cache_state"] == "present":
        if replicas is not None:
            settings.strict_requires(
                "cache_replicas", lambda count: whole(count) >= 1, "a single node has no automatic failover and no Multi-AZ: give at least 1"
            )
        settings.strict_requires("cache_transit_encryption", True, "TLS in transit must stay on")
        settings.strict_requires("cache_at_rest_encryption", True, "encryption at rest must stay on")
        if retention is not None:
            settings.strict_requires("cache_snapshot_retention_days", lambda days: whole(days) >= 1, "keep automatic snapshots at least 1 day")
    return settings.problems


class FilterModule:
    def filters(self):
        return {"cache_settings_errors": cache_settings_errors}
