# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: service_specs
short_description: The service role's services with the role-wide defaults filled in and their names derived
version_added: 0.2.0
description:
  - Takes the list of services of the service role (C(service_services)) and the role-wide settings, and returns one
    complete specification per service, in the same order, that every task of the role reads (task definitions, target
    groups, listener rules, log groups, services).
  - Each service may set C(port), C(cpu), C(memory), C(desired_count), C(health_path), C(liveness_path),
    C(path_patterns), C(image), C(image_tag), C(environment), C(secrets), C(command), C(health_check_command),
    C(migration_command) and C(metrics) (the CloudWatch metrics its code emits - C(namespace), C(dimensions), C(names), C(latency));
    what it leaves out comes from the settings.
  - The application container's environment is the role's (C(TRACETRACK_ENV), C(PORT), C(WEB_CONCURRENCY) - one
    worker per vCPU -, EMF metrics, the trusted proxy count, the region, OpenTelemetry), then O(settings.environment),
    then the service's own C(environment).
options:
  _input:
    description: The services (C(service_services)), each a dictionary with at least C(name).
    type: list
    elements: dict
    required: true
  settings:
    description:
      - The role-wide settings, keyed like the role's variables without their C(service_) prefix - C(name_prefix),
        C(container_port), C(cpu), C(memory), C(desired_count), C(health_path), C(liveness_path),
        C(metrics_namespace), C(trusted_proxy_count), C(adot_enabled), C(environment), C(secrets),
        C(log_group_prefix) - and C(env_name) and C(aws_region).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: The services, with the role's defaults filled in (computed once)
  ansible.builtin.set_fact:
    __service_specs: "{{ service_services | tracetrack.aws.service_specs(__service_settings) }}"
"""

RETURN = r"""
_value:
  description: One specification per service.
  type: list
  elements: dict
  contains:
    name:
      description: The service's short name.
      type: str
    full_name:
      description: C(<name_prefix>-<name>), the name of its ECS service, task definition family and target group.
      type: str
    port:
      description: The container port.
      type: int
    environment:
      description: The application container's environment variables, values as strings.
      type: dict
    metrics:
      description: The metrics the service declares it emits - C(namespace), C(dimensions), C(names), C(latency) - or
        an empty dictionary.
      type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import truthy

REQUIRED_SETTINGS = (
    "name_prefix",
    "container_port",
    "cpu",
    "memory",
    "desired_count",
    "health_path",
    "liveness_path",
    "metrics_namespace",
    "trusted_proxy_count",
    "adot_enabled",
    "environment",
    "secrets",
    "log_group_prefix",
)
OTLP_ENDPOINT = "http://localhost:4318"


def _spec(service, settings):
    name = service["name"]
    full_name = f"{settings['name_prefix']}-{name}"
    port = int(service.get("port", settings["container_port"]))
    cpu = int(service.get("cpu", settings["cpu"]))
    adot = truthy(settings["adot_enabled"])
    environment = {
        "TRACETRACK_ENV": settings.get("env_name") or "development",
        "PORT": port,
        "WEB_CONCURRENCY": max(1, cpu // 1024),
        "METRICS_EMF_ENABLED": "true",
        "METRICS_NAMESPACE": settings["metrics_namespace"],
        "TRUSTED_PROXY_COUNT": settings["trusted_proxy_count"],
        "AWS_REGION": settings.get("aws_region") or "",
        "OTEL_ENABLED": "true" if adot else "false",
        "OTEL_SERVICE_NAME": full_name,
    }
    if adot:
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = OTLP_ENDPOINT
    environment.update(settings["environment"] or {})
    environment.update(service.get("environment") or {})
    return {
        "name": name,
        "full_name": full_name,
        "port": port,
        "health_path": service.get("health_path", settings["health_path"]),
        "liveness_path": service.get("liveness_path", settings["liveness_path"]),
        "path_patterns": list(service.get("path_patterns", ["/*"])),
        "cpu": cpu,
        "memory": int(service.get("memory", settings["memory"])),
        "desired_count": int(service.get("desired_count", settings["desired_count"])),
        "image": service.get("image", ""),
        "image_tag": service.get("image_tag", ""),
        "environment": environment,
        "secrets": list(service.get("secrets", settings["secrets"])),
        "command": list(service.get("command", [])),
        "health_check_command": list(service.get("health_check_command", [])),
        "migration_command": list(service.get("migration_command", [])),
        "log_group": f"{settings['log_group_prefix']}/{name}",
        "metrics": _metrics(service.get("metrics")),
    }


def _metrics(declared):
    """The metrics a service declares it emits, complete ({} when it declares none)."""
    if not declared:
        return {}
    return {
        "namespace": declared.get("namespace", ""),
        "dimensions": dict(declared.get("dimensions") or {}),
        "names": list(declared.get("names") or []),
        "latency": declared.get("latency", ""),
    }


def service_specs(services, settings):
    if not isinstance(services, list) or not all(isinstance(s, dict) and s.get("name") for s in services):
        raise AnsibleFilterError("service_specs: the input must be a list of dictionaries, each with a name")
    if not isinstance(settings, dict):
        raise AnsibleFilterError("service_specs: settings must be a dictionary")
    missing = [key for key in REQUIRED_SETTINGS if key not in settings]
    if missing:
        raise AnsibleFilterError(f"service_specs: settings lack {', '.join(missing)}")
    return [_spec(service, settings) for service in services]


class FilterModule:
    def filters(self):
        return {"service_specs": service_specs}
