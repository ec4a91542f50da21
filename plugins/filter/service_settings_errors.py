# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: service_settings_errors
short_description: Check the service role's settings before any API call
version_added: 0.2.0
description:
  - Takes the service role's settings (its variables, by their names) and its completed services
    (R(tracetrack.aws.service_specs,ansible_collections.tracetrack.aws.service_specs_filter)), and returns the
    problems found, one sentence each, naming the one variable that is wrong, its value and the rule.
  - An empty list means the settings are sound.
options:
  _input:
    description:
      - The role's variables by name (C(service_name_prefix), C(service_certificate_arn)...), C(service_specs) (the
        completed services) and C(network_app_ports) (the ports the network lets the load balancer reach).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check every setting of the service role
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: "{{ __service_settings | tracetrack.aws.service_settings_errors }}"
"""

RETURN = r"""
_value:
  description: The problems found, each naming the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import truthy, whole

PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$")
HEALTH_PATH = re.compile(r"^/[A-Za-z0-9_./~%-]*$")
PATH_PATTERN = re.compile(r"^/[A-Za-z0-9_./*?~%-]{0,127}$")
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,40}$")
NAMESPACE = re.compile(r"^[A-Za-z0-9._/#:-]{1,255}$")
PARAMETER = re.compile(r"^/[A-Za-z0-9_./-]{1,1010}$")
# Fargate task sizes: CPU units and the memory (MiB) each allows.
FARGATE_SIZES = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}
# (variable, lowest, highest): whole numbers in a range.
RANGES = (
    ("service_alb_idle_timeout", 1, 4000),
    ("service_deregistration_delay", 0, 3600),
    ("service_deployment_minimum_healthy_percent", 0, 100),
    ("service_deployment_maximum_percent", 100, 400),
    ("service_health_check_grace_period", 0, 7200),
    ("service_health_check_start_period", 0, 300),
    ("service_spot_weight", 0, 1000),
    ("service_alb_access_logs_days", 1, 3650),
    ("service_deployment_bake_minutes", 0, 1440),
    ("service_deployment_canary_bake_minutes", 0, 1440),
    ("service_deployment_linear_step_bake_minutes", 0, 1440),
    ("service_deployment_test_pause_minutes", 0, 1440),
    ("service_test_listener_port", 1, 65535),
    ("service_wait_poll_interval", 1, 300),
)
# (variable, lowest, highest): percentages of a deployment's traffic.
PERCENT_RANGES = (
    ("service_deployment_canary_percent", 0.1, 100),
    ("service_deployment_linear_step_percent", 3, 100),
)
STRATEGIES = ("ROLLING", "BLUE_GREEN", "CANARY", "LINEAR")
# The alternate target group of a service deployed by a strategy that shifts traffic: "<prefix>-<name>-alt".
ALTERNATE_SUFFIX = "-alt"


def _name_problems(settings):
    prefix = str(settings.get("service_name_prefix", ""))
    problems = []
    if not PREFIX.match(prefix):
        problems.append(
            f"service_name_prefix '{prefix}' must be 3-24 characters of lower-case letters, digits and hyphens, starting with a letter"
            " (the load balancer and target group names derived from it are limited to 32)"
        )
    services = settings.get("service_services") or []
    if not services:
        problems.append("service_services is empty: it must list at least one service")
    longest = max(0, 30 - len(prefix))
    name = re.compile(r"^[a-z][a-z0-9-]{0,%d}[a-z0-9]$" % longest)
    names = [str(s.get("name", "")) for s in services]
    for bad in [n for n in names if not name.match(n)]:
        problems.append(
            f"service_services: name '{bad}' must be lower-case letters, digits and hyphens, starting with a letter, such that"
            f" '{prefix}-<name>' fits in 32 characters (target group names)"
        )
    for twice in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"service_services: name '{twice}' is given more than once")
    return problems


def _service_problems(spec, open_ports, most_patterns):
    name = spec["name"]
    problems = []
    port = spec["port"]
    if not 1 <= port <= 65535:
        problems.append(f"service_services[{name}].port {port} is not 1-65535")
    elif port not in open_ports:
        problems.append(f"network_app_ports {open_ports} does not open port {port} of service {name} to the load balancer")
    for key in ("health_path", "liveness_path"):
        if not HEALTH_PATH.match(str(spec[key])):
            problems.append(f"service_services[{name}].{key} '{spec[key]}' must be a path starting with /")
    patterns = spec["path_patterns"]
    if not 1 <= len(patterns) <= most_patterns:
        problems.append(
            f"service_services[{name}].path_patterns has {len(patterns)} patterns: 1 to {most_patterns} are allowed"
            " (a listener rule has at most 5 condition values; the origin header takes one)"
        )
    for pattern in patterns:
        if not PATH_PATTERN.match(str(pattern)):
            problems.append(f"service_services[{name}].path_patterns: '{pattern}' must start with / (128 characters at most)")
    if spec["desired_count"] < 0:
        problems.append(f"service_services[{name}].desired_count {spec['desired_count']} must be 0 or more")
    for secret in spec["secrets"]:
        if not isinstance(secret, dict) or not VARIABLE.match(str(secret.get("name", ""))) or not secret.get("key"):
            problems.append(f"service_services[{name}].secrets: each needs a variable name and a JSON key, not {secret}")
    if spec["image_tag"] and not IMAGE_TAG.match(str(spec["image_tag"])):
        problems.append(
            f"service_services[{name}].image_tag '{spec['image_tag']}' must be letters, digits, '_', '.', '-' (128 at most), not starting with '.' or '-'"
        )
    problems += _metrics_problems(name, spec.get("metrics") or {})
    cpu, memory = spec["cpu"], spec["memory"]
    if spec.get("cpu_default", True) and spec.get("memory_default", True):
        return problems  # the role-wide size, checked once with the role-wide settings
    where = "service_cpu" if spec.get("cpu_default", True) else f"service_services[{name}].cpu"
    if cpu not in FARGATE_SIZES:
        problems.append(f"{where} {cpu} is not a Fargate size: {', '.join(str(c) for c in FARGATE_SIZES)} CPU units")
    elif memory not in FARGATE_SIZES[cpu]:
        low, high = FARGATE_SIZES[cpu][0], FARGATE_SIZES[cpu][-1]
        memory_where = "service_memory" if spec.get("memory_default", True) else f"service_services[{name}].memory"
        problems.append(f"{memory_where} {memory} does not go with {cpu} CPU units (Fargate allows {low}-{high} MiB)")
    return problems


def _metrics_problems(name, metrics):
    """A declared metric must be nameable: a namespace, names, and a latency metric among them."""
    if not metrics:
        return []
    where = f"service_services[{name}].metrics"
    if not metrics["namespace"] or str(metrics["namespace"]).startswith("AWS/"):
        return [f"{where}.namespace '{metrics['namespace']}' must be the service's own CloudWatch namespace (not AWS/...)"]
    if not metrics["names"]:
        return [f"{where}.names is empty: list the metric names the service emits"]
    if metrics["latency"] and metrics["latency"] not in metrics["names"]:
        return [f"{where}.latency '{metrics['latency']}' is not one of {where}.names {metrics['names']}"]
    return []


def _role_wide_problems(settings):
    """The role-wide defaults, checked even where every service sets its own value (a documented setting is checked)."""
    problems = []
    port = whole(settings.get("service_container_port", 8000))
    if port is None or not 1 <= port <= 65535:
        problems.append(f"service_container_port {settings.get('service_container_port')} is not 1-65535")
    for key in ("service_health_path", "service_liveness_path"):
        if key in settings and not HEALTH_PATH.match(str(settings[key])):
            problems.append(f"{key} '{settings[key]}' must be a path starting with /")
    cpu, memory = whole(settings.get("service_cpu", 512)), whole(settings.get("service_memory", 1024))
    if cpu not in FARGATE_SIZES:
        problems.append(f"service_cpu {settings.get('service_cpu')} is not a Fargate size: {', '.join(str(c) for c in FARGATE_SIZES)} CPU units")
    elif memory not in FARGATE_SIZES[cpu]:
        low, high = FARGATE_SIZES[cpu][0], FARGATE_SIZES[cpu][-1]
        problems.append(f"service_memory {settings.get('service_memory')} does not go with {cpu} CPU units (Fargate allows {low}-{high} MiB)")
    count = whole(settings.get("service_desired_count", 1))
    if count is None or count < 0:
        problems.append(f"service_desired_count {settings.get('service_desired_count')} must be 0 or more")
    return problems


def _settings_problems(settings):
    problems = _role_wide_problems(settings)
    certificate = str(settings.get("service_certificate_arn") or "")
    if certificate and not CERTIFICATE_ARN.match(certificate):
        problems.append(f"service_certificate_arn '{certificate}' must be an ACM certificate ARN (or empty)")
    policy = str(settings.get("service_ssl_policy", ""))
    if not policy.startswith("ELBSecurityPolicy-"):
        problems.append(f"service_ssl_policy '{policy}' must be an ELBSecurityPolicy-* name")
    for variable, low, high in RANGES:
        if variable not in settings:
            continue
        value = whole(settings[variable])
        if value is None or not low <= value <= high:
            problems.append(f"{variable} {settings[variable]} must be {low}-{high}")
    if whole(settings.get("service_wait_timeout", 0)) is None or whole(settings.get("service_wait_timeout", 0)) < 0:
        problems.append(f"service_wait_timeout {settings.get('service_wait_timeout')} must be 0 or more")
    present = settings.get("service_state", "present") == "present"
    if present and truthy(settings.get("service_strict")) and whole(settings.get("service_spot_weight", 0)) not in (0, None):
        problems.append(
            f"service_spot_weight {settings['service_spot_weight']} must be 0 in a strict environment (env_strict): Spot interruptions are not acceptable there"
        )
    if present and truthy(settings.get("service_strict")) and not certificate:
        problems.append(
            "service_certificate_arn is empty, which a strict environment (env_strict) does not allow: CloudFront would"
            " send passwords, session cookies, API keys and the origin header to the load balancer over plain HTTP"
            " (an ACM certificate in the region, covering cdn_origin_domain_name)"
        )
    proxies = settings.get("service_trusted_proxy_count", "auto")
    if str(proxies) != "auto" and (whole(proxies) is None or not 0 <= whole(proxies) <= 5):
        problems.append(f"service_trusted_proxy_count {proxies} must be auto (from the topology) or 0-5")
    header, value = str(settings.get("service_origin_header_name") or ""), str(settings.get("service_origin_header_value") or "")
    if header and not value:
        problems.append("service_origin_header_value is empty: with a header name set, it needs a value of 16 characters or more")
    elif value and not header:
        problems.append("service_origin_header_name is empty: with a header value set, it needs a name (letters, digits, hyphens)")
    elif header and not HEADER_NAME.match(header):
        problems.append(f"service_origin_header_name '{header}' must be letters, digits and hyphens, 40 at most")
    elif value and len(value) < 16:
        problems.append("service_origin_header_value must be 16 characters or more (its value is not shown)")
    namespace = str(settings.get("service_metrics_namespace", ""))
    if not NAMESPACE.match(namespace) or namespace.startswith("AWS/"):
        problems.append(f"service_metrics_namespace '{namespace}' must be a CloudWatch namespace of your own (not AWS/...)")
    tag = str(settings.get("service_image_tag") or "")
    if tag and not IMAGE_TAG.match(tag):
        problems.append(f"service_image_tag '{tag}' must be letters, digits, '_', '.', '-' (128 at most), not starting with '.' or '-'")
    parameter = str(settings.get("service_version_parameter", ""))
    if not PARAMETER.match(parameter):
        problems.append(f"service_version_parameter '{parameter}' must be an SSM parameter name starting with /")
    for index, statement in enumerate(settings.get("service_task_policy_statements") or [], 1):
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny") or "Action" not in statement or "Resource" not in statement:
            problems.append(f"service_task_policy_statements: statement {index} needs Effect (Allow or Deny), Action and Resource")
    return problems


def _deployment_problems(settings, specs):
    """The deployment strategy and its figures; the alternate target group's name must fit in 32 characters too."""
    strategy = str(settings.get("service_deployment_strategy", "ROLLING"))
    if strategy not in STRATEGIES:
        return [f"service_deployment_strategy '{strategy}' must be one of {', '.join(STRATEGIES)}"]
    problems = []
    for variable, low, high in PERCENT_RANGES:
        if variable not in settings:
            continue
        try:
            value = float(settings[variable])
        except (TypeError, ValueError):
            value = None
        if value is None or not low <= value <= high:
            problems.append(f"{variable} {settings[variable]} must be {low}-{high} (percent of production traffic)")
    if strategy == "ROLLING":
        return problems
    port = whole(settings.get("service_test_listener_port", 9000))
    if port in (80, 443):
        problems.append(f"service_test_listener_port {port} is a production listener's port: the test listener needs a port of its own")
    for spec in specs:
        name = spec["full_name"] + ALTERNATE_SUFFIX
        if len(name) > 32:
            problems.append(
                f"service_services: name '{spec['name']}' is too long for a deployment that shifts traffic ({strategy}): its"
                f" alternate target group '{name}' has {len(name)} characters, 32 at most"
            )
    return problems


def service_settings_errors(settings):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("service_settings_errors: the input must be a dictionary of the role's settings")
    problems = _name_problems(settings)
    if problems:
        return problems  # the services cannot be told apart: the rest would only repeat it
    specs = settings.get("service_specs") or []
    open_ports = [int(p) for p in settings.get("network_app_ports") or [8000]]
    most_patterns = 4 if settings.get("service_origin_header_name") else 5
    given = {s.get("name"): s for s in settings.get("service_services") or []}
    for spec in specs:
        spec = dict(spec, cpu_default="cpu" not in given.get(spec["name"], {}), memory_default="memory" not in given.get(spec["name"], {}))
        problems += _service_problems(spec, open_ports, most_patterns)
    catch_all = [s["name"] for s in specs if "/*" in s["path_patterns"]]
    if len(catch_all) > 1:
        problems.append(f"service_services: only one service may have the catch-all path pattern '/*' (have: {', '.join(catch_all)})")
    return problems + _settings_problems(settings) + _deployment_problems(settings, specs)


class FilterModule:
    def filters(self):
        return {"service_settings_errors": service_settings_errors}
