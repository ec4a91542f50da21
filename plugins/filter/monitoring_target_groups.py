# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: monitoring_target_groups
short_description: The services behind a load balancer, each with its target group and its alternate one
version_added: 0.4.0
description:
  - Takes the target groups behind the load balancer (C(community.aws.elb_target_group_info)'s C(target_groups)) and
    returns one entry per service, as the monitoring role watches them when the service role's C(service_target_groups)
    is not in the play.
  - The service role names a service's target group C(<prefix>-<service>) and, with a deployment strategy that shifts
    traffic (V(BLUE_GREEN), V(CANARY), V(LINEAR)), its alternate one C(<prefix>-<service>-alt). A group whose name is
    another group's name followed by C(-alt) is that group's alternate, not a service of its own; any other group is a
    service, named after the group without the prefix.
options:
  _input:
    description: The target groups, each with C(target_group_name) and C(target_group_arn).
    type: list
    elements: dict
    required: true
  name_prefix:
    description: The prefix of the target groups' names (C(monitoring_name_prefix)), taken off to name the services.
    type: str
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Remember the target groups, each with its alternate
  ansible.builtin.set_fact:
    __monitoring_target_groups: >-
      {{ __monitoring_target_group_info.target_groups | tracetrack.aws.monitoring_target_groups(monitoring_name_prefix) }}
"""

RETURN = r"""
_value:
  description:
    - One entry per service, sorted by name - C(name) (the service's short name), C(arn_suffix) (C(targetgroup/<name>/<id>),
      the CloudWatch C(TargetGroup) dimension) and C(alternate_arn_suffix) (its alternate group's, or an empty string).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

ALTERNATE_SUFFIX = "-alt"


def _arn_suffix(group):
    return str(group["target_group_arn"]).rsplit(":", maxsplit=1)[-1]


def monitoring_target_groups(target_groups, name_prefix):
    if not isinstance(target_groups, list) or not all(
        isinstance(group, dict) and group.get("target_group_name") and group.get("target_group_arn") for group in target_groups
    ):
        raise AnsibleFilterError("monitoring_target_groups: the input must be a list of target groups with target_group_name and target_group_arn")
    if not isinstance(name_prefix, str) or not name_prefix:
        raise AnsibleFilterError("monitoring_target_groups: name_prefix must be the prefix of the target groups' names")
    by_name = {group["target_group_name"]: group for group in target_groups}
    services = []
    for name, group in by_name.items():
        if name.endswith(ALTERNATE_SUFFIX) and name[: -len(ALTERNATE_SUFFIX)] in by_name:
            continue  # the alternate of the group named without the suffix
        alternate = by_name.get(name + ALTERNATE_SUFFIX)
        services.append(
            {
                "name": name[len(name_prefix) + 1 :] if name.startswith(name_prefix + "-") else name,
                "arn_suffix": _arn_suffix(group),
                "alternate_arn_suffix": _arn_suffix(alternate) if alternate else "",
            }
        )
    return sorted(services, key=lambda service: service["name"])


class FilterModule:
    def filters(self):
        return {"monitoring_target_groups": monitoring_target_groups}
