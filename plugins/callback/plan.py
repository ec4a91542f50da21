# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: plan
type: aggregate
short_description: Summarise what a check-mode run would change, resource by resource
version_added: 0.1.0
description:
  - Collects every task result that reports C(changed) and, at the end of the run, prints one line per resource
    that would change (the role, the task, the resource - the loop item's label, else the name the module
    returns - and the attributes that differ according to the task's diff).
  - Meant for C(ansible-playbook playbooks/site.yml --check --diff) (C(make plan ENV=<env>)) next to the normal
    output; in a run that is not in check mode it lists what did change.
  - Tasks whose module has no check mode are skipped by a check run; their names are listed as not compared.
  - Values of attributes whose name looks like a secret (password, secret, token, key value) are never shown.
requirements:
  - enable in ansible.cfg or with C(ANSIBLE_CALLBACKS_ENABLED=tracetrack.aws.plan)
options:
  json_path:
    description: Also write the plan as JSON to this file (a list of changes and the run's mode).
    type: path
    env:
      - name: TRACETRACK_PLAN_JSON
    ini:
      - section: tracetrack_plan
        key: json_path
author:
  - TraceTrack platform team (@tracetrack)
"""

import json
import re

from ansible import context
from ansible.plugins.callback import CallbackBase

SECRET_NAME = re.compile(r"(password|secret|token|private|credential|authorization|value$)", re.IGNORECASE)
MAX_VALUE = 60
MAX_ATTRIBUTES = 6
NAME_KEYS = ("name", "alarm_name", "target_group_name", "db_instance_identifier", "replication_group_id", "repository_name", "arn", "id")


def _short(value):
    text = json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else value
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def _differences(before, after, path=""):
    """Attribute paths whose values differ between two documents, with (before, after)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after), key=str):
            found += _differences(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return found
    if before != after:
        return [(path or "value", before, after)]
    return []


def _describe(diff):
    """One short text of what a task's diff changes."""
    diffs = diff if isinstance(diff, list) else [diff] if diff else []
    parts = []
    for entry in diffs:
        if not isinstance(entry, dict):
            continue
        before, after = entry.get("before"), entry.get("after")
        if isinstance(before, str) and isinstance(after, str) and (before or after):
            if not before:
                parts.append("created")
                continue
            if not after:
                parts.append("removed")
                continue
            parts.append("text changed")
            continue
        if before in (None, {}) and after not in (None, {}):
            parts.append("created")
            continue
        if after in (None, {}) and before not in (None, {}):
            parts.append("removed")
            continue
        for name, old, new in _differences(before, after):
            if SECRET_NAME.search(name):
                parts.append(f"{name} (value hidden)")
            else:
                parts.append(f"{name}: {_short(old)} -> {_short(new)}")
    if len(parts) > MAX_ATTRIBUTES:
        parts = parts[:MAX_ATTRIBUTES] + [f"... {len(parts) - MAX_ATTRIBUTES} more"]
    return "; ".join(parts)


def _resource_name(data):
    """The name a module returns for what it manages: at the top of its result, else in the one dict it returns
    (our modules return the resource itself, such as C(repository) or C(service))."""
    for document in [data] + [v for k, v in data.items() if isinstance(v, dict) and not k.startswith(("_", "diff", "invocation"))]:
        name = next((str(document[k]) for k in NAME_KEYS if isinstance(document.get(k), (str, int)) and document.get(k) != ""), "")
        if name:
            return name
    return ""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "tracetrack.aws.plan"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.changes = []
        self.unchecked = []
        self.check_mode = False

    def v2_playbook_on_start(self, playbook):
        self.check_mode = bool(context.CLIARGS.get("check", False))

    def _record(self, result, item_label=None, diff=None):
        task = result._task
        data = result._result
        if data.get("_ansible_no_log"):
            what = "(details hidden: no_log)"
        else:
            what = _describe(diff if diff is not None else data.get("diff"))
        resource = item_label
        if resource is None:
            resource = _resource_name(data)
        role = task._role.get_name() if task._role else ""
        self.changes.append(
            {
                "host": result._host.get_name(),
                "role": role,
                "task": task.get_name().split(" : ", 1)[-1],
                "resource": str(resource),
                "changes": what or "changed",
            }
        )

    def v2_runner_on_ok(self, result):
        data = result._result
        if not data.get("changed") or "results" in data:
            return
        # A module that manages a set of resources in one task (tracetrack.aws.cloudwatch_alarms) names each one that
        # changed, with its own diff, under changed_<kind>: one line per resource, as a loop would give.
        per_resource = next((v for k, v in data.items() if k.startswith("changed_") and isinstance(v, list)), None)
        if per_resource and not data.get("_ansible_no_log"):
            for entry in per_resource:
                if isinstance(entry, dict) and entry.get("name"):
                    self._record(result, item_label=str(entry["name"]), diff=entry.get("diff"))
            return
        self._record(result)

    def v2_runner_item_on_ok(self, result):
        data = result._result
        if data.get("changed"):
            label = data.get("_ansible_item_label", data.get("item"))
            if data.get("_ansible_no_log"):
                label = "(hidden)"
            self._record(result, item_label=_short(label))

    def v2_runner_on_skipped(self, result):
        # Modules without check mode are skipped by a check run: what they manage is not compared.
        if "check mode" in str(result._result.get("msg", "")).lower():
            task = result._task
            self.unchecked.append(f"{task._role.get_name() + ' : ' if task._role else ''}{task.get_name().split(' : ', 1)[-1]}")

    def v2_playbook_on_stats(self, stats):
        verb = "would change" if self.check_mode else "changed"
        self._display.banner(f"PLAN: {len(self.changes)} resource(s) {verb}")
        if self.changes:
            columns = ("role", "task", "resource", "changes")
            rows = [[c[k] or "-" for k in columns] for c in self.changes]
            header = [k.upper() for k in columns]
            widths = [min(max(len(r[i]) for r in rows + [header]), 70) for i in range(len(columns) - 1)]
            for row in [header] + rows:
                cells = [row[i][:70].ljust(widths[i]) for i in range(len(columns) - 1)] + [row[-1]]
                self._display.display("  ".join(cells).rstrip())
        else:
            self._display.display("no changes: the environment matches its inventory")
        if self.unchecked:
            self._display.display(f"not compared (the module has no check mode): {', '.join(sorted(set(self.unchecked)))}")
        path = self.get_option("json_path")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump({"check_mode": self.check_mode, "changes": self.changes, "not_compared": sorted(set(self.unchecked))}, handle, indent=2)
