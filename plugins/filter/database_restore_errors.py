# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: database_restore_errors
short_description: Check the inputs of a database restore (playbooks/restore.yml) before any API call
version_added: 0.4.0
description:
  - Takes the restore's inputs by name and returns the problems found, one sentence each, starting with the one
    variable that is wrong, then its value and the rule. An empty list means the inputs are sound.
  - A restore names exactly one source, C(restore_snapshot) or C(restore_time); a cleanup run (C(restore_cleanup))
    names none and does not switch in the same run.
options:
  _input:
    description:
      - C(restore_snapshot), C(restore_time), C(restore_switch), C(restore_cleanup).
    type: dict
    required: true
  now:
    description: The current UTC time, C(YYYY-MM-DDTHH:MM:SSZ); a C(restore_time) after it is refused.
    type: str
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the restore's inputs
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'restore_snapshot': restore_snapshot, 'restore_time': restore_time, 'restore_switch': restore_switch,
          'restore_cleanup': restore_cleanup} | tracetrack.aws.database_restore_errors(now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ')) }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the inputs are sound.
  type: list
  elements: str
"""

import re
from datetime import datetime

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings

# A snapshot's identifier (automated ones start with "rds:") or its ARN (a snapshot shared or copied from elsewhere).
SNAPSHOT = re.compile(r"(rds:)?[a-zA-Z][a-zA-Z0-9-]{0,254}|arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:snapshot:(rds:)?[a-zA-Z][a-zA-Z0-9-]{0,254}")
UTC_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def database_restore_errors(values, now):
    settings = Settings(values, "database_restore_errors")
    snapshot = str(settings["restore_snapshot"] or "")
    moment = str(settings["restore_time"] or "")
    cleanup = settings.flag("restore_cleanup")
    if snapshot and moment:
        settings.problem("restore_time", f"must be empty when restore_snapshot ({snapshot!r}) names the source: give one of the two")
    elif not snapshot and not moment and not cleanup:
        settings.problem("restore_snapshot", "must name the snapshot to restore (or set restore_time to a UTC time or 'latest', or restore_cleanup to true)")
    if snapshot:
        settings.matches("restore_snapshot", SNAPSHOT, "must be a DB snapshot identifier (letters, digits, hyphens) or its ARN")
    if moment and moment != "latest":
        when = _utc(moment)
        if when is None:
            settings.problem("restore_time", "must be 'latest' or a UTC time YYYY-MM-DDTHH:MM:SSZ, for example 2026-03-04T02:55:00Z")
        elif _utc(now) and when > _utc(now):
            settings.problem("restore_time", f"is in the future (now is {now}): name a time the backups cover")
    if cleanup and settings.flag("restore_switch"):
        settings.problem(
            "restore_cleanup", "must be a run of its own, after the switched application has been checked (restore_switch is true in this run)", shown=True
        )
    return settings.problems


def _utc(text):
    if not UTC_TIME.fullmatch(str(text)):
        return None
    try:
        return datetime.strptime(str(text), TIME_FORMAT)
    except ValueError:
        return None


class FilterModule:
    def filters(self):
        return {"database_restore_errors": database_restore_errors}
