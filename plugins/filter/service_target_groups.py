# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: service_target_groups
short_description: The target groups the ECS services of a cluster serve from, by service
version_added: 0.4.0
description:
  - Takes ECS services as C(community.aws.ecs_service_info) describes them (C(details=true)) and returns, per service, the
    target group of its first load balancer and, with a deployment strategy that shifts traffic, its alternate one
    (C(loadBalancers[0].advancedConfiguration.alternateTargetGroupArn)) - the service role's C(service_target_groups) fact
    as C(tasks_from=facts) publishes it for a cluster that already runs.
  - A service is named by its ECS name without the prefix and its dash (C(<prefix>-web) is C(web)); a service without a
    load balancer gets empty ARNs.
options:
  _input:
    description: The services, each with C(serviceName) and, optionally, C(loadBalancers).
    type: list
    elements: dict
    required: true
  name_prefix:
    description: The prefix of the ECS services' names (C(service_name_prefix)).
    type: str
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Publish the target groups of the running services
  ansible.builtin.set_fact:
    service_target_groups: "{{ __service_active | tracetrack.aws.service_target_groups(service_name_prefix) }}"
"""

RETURN = r"""
_value:
  description:
    - Service name to C(arn), C(arn_suffix) (C(targetgroup/<name>/<id>), the CloudWatch C(TargetGroup) dimension),
      C(alternate_arn) and C(alternate_arn_suffix) (empty strings without an alternate group).
  type: dict
"""

from ansible.errors import AnsibleFilterError


def _suffix(arn):
    return arn.rsplit(":", maxsplit=1)[-1] if arn else ""


def service_target_groups(services, name_prefix):
    if not isinstance(services, list) or not all(isinstance(service, dict) and service.get("serviceName") for service in services):
        raise AnsibleFilterError("service_target_groups: the input must be a list of ECS services with serviceName")
    if not isinstance(name_prefix, str) or not name_prefix:
        raise AnsibleFilterError("service_target_groups: name_prefix must be the prefix of the services' names")
    groups = {}
    for service in services:
        name = service["serviceName"]
        name = name[len(name_prefix) + 1 :] if name.startswith(name_prefix + "-") else name
        balancer = (service.get("loadBalancers") or [{}])[0]
        arn = balancer.get("targetGroupArn") or ""
        alternate = (balancer.get("advancedConfiguration") or {}).get("alternateTargetGroupArn") or ""
        groups[name] = {"arn": arn, "arn_suffix": _suffix(arn), "alternate_arn": alternate, "alternate_arn_suffix": _suffix(alternate)}
    return groups


class FilterModule:
    def filters(self):
        return {"service_target_groups": service_target_groups}
