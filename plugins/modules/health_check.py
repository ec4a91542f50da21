#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: health_check
short_description: Probe a web application's health endpoints until they meet latency, status and body thresholds
version_added: 0.1.0
description:
  - Sends several requests to each of one or more URLs, in parallel across URLs, and judges the answers
    against thresholds - the HTTP status, the 95th percentile latency and conditions on the JSON body.
  - Retries the URLs that broke a threshold, with exponential backoff, until every one passes or
    O(timeout) seconds have passed. A URL that passed once is not probed again.
  - URLs can be given directly (O(urls)) or found from AWS - an Application Load Balancer by name (its DNS
    name), a CloudFront distribution by id or alias (its domain), or an ECS service (the load balancer in
    front of its target group). AWS is only called, and credentials are only needed, for those lookups and
    for O(target_health).
  - Optionally reports, or requires, the health of the load balancer's registered targets
    (Elastic Load Balancing C(DescribeTargetHealth)), with the reason and description of every target that
    is not healthy.
  - Read-only. Runs the same in check mode and never reports a change.
options:
  urls:
    description:
      - Full URLs to probe, for example V(https://tracetrack.example.com/health/elb).
      - Probed in addition to any URL found through O(load_balancer_name), O(cloudfront_distribution)
        or O(ecs_service).
    type: list
    elements: str
    aliases: [url]
    default: []
  load_balancer_name:
    description:
      - The name of an Application Load Balancer; its DNS name, with O(scheme), O(port) and O(path), is probed.
    type: str
  cloudfront_distribution:
    description:
      - The id (V(E2QWRUHAPOMQZL)), an alias (V(tracetrack.example.com)) or the domain name of a CloudFront
        distribution.
      - When it is found by an alias the alias is probed, so that its certificate matches; otherwise the
        distribution's C(*.cloudfront.net) domain name.
    type: str
  ecs_cluster:
    description:
      - The ECS cluster of O(ecs_service).
    type: str
  ecs_service:
    description:
      - The name of an ECS service behind an Application Load Balancer; the load balancer of the service's
        first target group is probed.
    type: str
  path:
    description:
      - The path requested from the hosts found through AWS. Not used for O(urls).
    type: str
    default: /health/elb
  scheme:
    description:
      - The scheme used for hosts found through AWS.
      - V(auto) uses HTTPS when the load balancer has an HTTPS listener and HTTP otherwise, and always HTTPS
        for CloudFront.
      - A load balancer's certificate is issued for the application's domain, not for its C(elb.amazonaws.com)
        name; probe it over HTTPS with O(validate_certs=false), or probe the public domain through O(urls).
    type: str
    choices: [auto, http, https]
    default: auto
  port:
    description:
      - The port used for hosts found through AWS. Defaults to the matching listener's port for a load
        balancer, and to the scheme's standard port otherwise.
    type: int
  method:
    description: The HTTP method of each request.
    type: str
    choices: [GET, HEAD]
    default: GET
  headers:
    description:
      - Extra request headers, for example C(Authorization) or C(X-Request-Id).
    type: dict
    default: {}
  validate_certs:
    description: Whether to verify the TLS certificate of HTTPS URLs.
    type: bool
    default: true
  ca_path:
    description: A PEM file of CA certificates to verify TLS certificates against, instead of the system's.
    type: path
  follow_redirects:
    description:
      - Whether to follow redirects. When V(false) a redirect is judged as the answer (its 3xx status).
    type: bool
    default: false
  use_proxy:
    description: Whether to honour the C(http_proxy), C(https_proxy) and C(no_proxy) environment variables.
    type: bool
    default: true
  samples:
    description:
      - Requests per URL and attempt. They are sent one after another, so that they measure the latency of a
        request rather than the queueing of simultaneous ones.
    type: int
    default: 5
  concurrency:
    description: How many URLs are probed at the same time.
    type: int
    default: 8
  request_timeout:
    description: Seconds to wait for one request to be answered; a request that takes longer counts as failed.
    type: float
    default: 5
  timeout:
    description:
      - Seconds to keep retrying before failing. V(0) means a single attempt.
      - The last attempt starts at the deadline at the latest, so the module can run for up to about
        O(timeout) plus one attempt.
    type: float
    default: 60
  delay:
    description: Seconds to wait before the second attempt; the wait doubles after each attempt, up to O(max_delay).
    type: float
    default: 1
  max_delay:
    description: The longest wait between two attempts, in seconds.
    type: float
    default: 15
  expected_status:
    description: The HTTP statuses that count as healthy. Every sample must answer with one of them.
    type: list
    elements: int
    default: [200]
  max_p95_latency_ms:
    description:
      - The highest acceptable 95th percentile latency of a URL's samples, in milliseconds (nearest-rank
        percentile, from sending the request to reading the whole body; with fewer than 20 samples it is the
        slowest or second slowest).
      - Not checked when not set.
    type: float
  conditions:
    description:
      - Conditions on the JSON body of every sample; a body that is not JSON breaks them all.
      - O(conditions[].path) is a dot-separated list of object keys and list indexes, for example
        V(components.database.status) or V(items.0.id). V(*) stands for every member of an object or every
        item of a list - V(components.*.status) selects the status of each component.
      - A condition holds when its path selects at least one value and every selected value satisfies every
        operator set on it. Values compare as JSON values - V(true) is not V(1), V("1") is not V(1).
      - Set at least one operator. Keys that contain a dot cannot be addressed.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Where the value is in the body.
        type: str
        required: true
      equals:
        description: The value must equal this.
        type: raw
      not_equals:
        description: The value must not equal this.
        type: raw
      in:
        description: The value must equal one of these.
        type: list
        elements: raw
      not_in:
        description: The value must equal none of these.
        type: list
        elements: raw
      min:
        description: The value must be a number, at least this.
        type: float
      max:
        description: The value must be a number, at most this.
        type: float
      matches:
        description:
          - A regular expression the value must contain a match of (Python C(re.search)); a value that is not
            a string is matched in its JSON form.
        type: str
      exists:
        description:
          - V(true) requires the path to select something (with no other operator, any value will do).
          - V(false) requires that it selects nothing.
        type: bool
  target_health:
    description:
      - What to do with the health of the targets registered in the target groups of O(load_balancer_name) or
        O(ecs_service) (Elastic Load Balancing C(DescribeTargetHealth)).
      - V(ignore) does not look. V(report) returns it in RV(target_groups). V(require) also requires every target
        to be C(healthy) (or C(draining)) and at least one to be C(healthy) in every target group, retrying
        like the URLs.
    type: str
    choices: [ignore, report, require]
    default: ignore
author:
  - TraceTrack platform team (@tracetrack)
notes:
  - Uses only the Python standard library for HTTP; boto3 is needed only for the AWS lookups and O(target_health).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Wait until the application is ready behind CloudFront, fast, and its dependencies are up
  tracetrack.aws.health_check:
    urls:
      - https://tracetrack.example.com/health/elb
    max_p95_latency_ms: 200
    conditions:
      - path: status
        equals: ok
      - path: version
        equals: "{{ app_version }}"
      - path: components.*.status
        in: [ok, fallback]
    timeout: 300

- name: Probe the load balancer in front of the ECS service and require its targets to be healthy
  tracetrack.aws.health_check:
    ecs_cluster: tracetrack-production
    ecs_service: tracetrack-web
    path: /health/elb
    validate_certs: false  # the certificate names the application's domain, not the elb.amazonaws.com name
    target_health: require
    timeout: 600
  register: web_health

- name: Show the latency figures
  ansible.builtin.debug:
    msg: "{{ item.url }}: p50 {{ item.latency_ms.p50 }} ms, p95 {{ item.latency_ms.p95 }} ms"
  loop: "{{ web_health.targets }}"

- name: Liveness of several hosts at once, with a single attempt, accepting a maintenance page
  tracetrack.aws.health_check:
    urls:
      - http://10.0.1.25:8000/health
      - http://10.0.2.31:8000/health
    expected_status: [200, 503]
    samples: 3
    timeout: 0

- name: The CloudFront distribution found by its alias, through a corporate CA
  tracetrack.aws.health_check:
    cloudfront_distribution: tracetrack.example.com
    path: /health
    ca_path: /etc/pki/tls/certs/corporate-ca.pem
    headers:
      X-Health-Check: deploy
"""

RETURN = r"""
healthy:
  description: Whether every URL (and, with O(target_health=require), every target group) met every threshold.
  returned: always
  type: bool
  sample: true
attempts:
  description: How many attempts were made.
  returned: always
  type: int
  sample: 2
elapsed_seconds:
  description: Seconds from the first attempt to the end of the last one.
  returned: always
  type: float
  sample: 3.52
targets:
  description: One entry per URL, from its last attempt.
  returned: always
  type: list
  elements: dict
  contains:
    url:
      description: The URL.
      type: str
      sample: https://tracetrack.example.com/health/elb
    source:
      description: Where the URL came from - V(url), V(load_balancer), V(cloudfront) or V(ecs_service).
      type: str
      sample: load_balancer
    healthy:
      description: Whether the URL met every threshold.
      type: bool
      sample: true
    attempts:
      description: How many attempts probed this URL.
      type: int
      sample: 1
    samples:
      description: Requests in the last attempt.
      type: int
      sample: 5
    status_codes:
      description: The status of each sample; V(null) for a request that got no answer.
      type: list
      elements: int
      sample: [200, 200, 200, 200, 200]
    latency_ms:
      description: Latency of the answered samples in milliseconds; V(null) values when none was answered.
      type: dict
      contains:
        min:
          description: The fastest sample.
          type: float
          sample: 8.1
        p50:
          description: The median (nearest-rank).
          type: float
          sample: 9.4
        p95:
          description: The 95th percentile (nearest-rank).
          type: float
          sample: 14.2
        max:
          description: The slowest sample.
          type: float
          sample: 14.2
        mean:
          description: The mean.
          type: float
          sample: 10.3
    errors:
      description: The distinct errors of requests that got no answer.
      type: list
      elements: str
      sample: ["[Errno 111] Connection refused"]
    json:
      description: The last JSON body received, V(null) when no body was JSON.
      type: raw
      sample: {"status": "ok", "version": "1.4.2", "components": {"database": {"status": "ok", "latency_ms": 1.2}}}
    broken_thresholds:
      description: The thresholds this URL broke.
      type: list
      elements: dict
      contains:
        threshold:
          description: V(connection), V(status), V(p95_latency) or V(condition).
          type: str
          sample: p95_latency
        message:
          description: What was expected and what was found.
          type: str
          sample: p95 latency 340 ms > 200 ms
target_groups:
  description: The health of the targets of each target group, with O(target_health=report) or O(target_health=require).
  returned: when O(target_health) is not V(ignore)
  type: list
  elements: dict
  contains:
    target_group_arn:
      description: The target group's ARN.
      type: str
      sample: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tracetrack-web/5d746f9e3943d0c6
    target_group_name:
      description: The target group's name.
      type: str
      sample: tracetrack-web
    healthy_count:
      description: Targets in state C(healthy).
      type: int
      sample: 2
    unhealthy_count:
      description: Targets neither C(healthy) nor C(draining).
      type: int
      sample: 0
    targets:
      description: Every registered target.
      type: list
      elements: dict
      contains:
        id:
          description: The target's id (an IP address for Fargate tasks).
          type: str
          sample: 10.0.1.25
        port:
          description: The target's port.
          type: int
          sample: 8000
        availability_zone:
          description: The target's Availability Zone, when reported.
          type: str
          sample: eu-west-1a
        state:
          description: C(initial), C(healthy), C(unhealthy), C(unused), C(draining) or C(unavailable).
          type: str
          sample: unhealthy
        reason:
          description: Why the target is not healthy, for example C(Target.ResponseCodeMismatch).
          type: str
          sample: Target.ResponseCodeMismatch
        description:
          description: The load balancer's description of the state.
          type: str
          sample: "Health checks failed with these codes: [503]"
broken_thresholds:
  description: Every broken threshold of the last attempt, across URLs and target groups.
  returned: always
  type: list
  elements: dict
  contains:
    target:
      description: The URL, or C(target group <name>).
      type: str
      sample: https://tracetrack.example.com/health/elb
    threshold:
      description: V(connection), V(status), V(p95_latency), V(condition) or V(target_health).
      type: str
      sample: condition
    message:
      description: What was expected and what was found.
      type: str
      sample: components.cache.status is "down", expected one of ["ok", "fallback"]
"""

try:
    import botocore
except ImportError:
    pass  # only the AWS lookups need it; checked when one is asked for

from ansible_collections.amazon.aws.plugins.module_utils.botocore import check_sdk_version_supported
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleBotocoreError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import require_service
from ansible_collections.tracetrack.aws.plugins.module_utils.http_probe import evaluate
from ansible_collections.tracetrack.aws.plugins.module_utils.http_probe import retry_until_healthy
from ansible_collections.tracetrack.aws.plugins.module_utils.http_probe import sample_targets
from ansible_collections.tracetrack.aws.plugins.module_utils.http_probe import validate_condition

# Targets that are fine for a deploy gate: draining ones belong to the previous deployment.
ACCEPTABLE_TARGET_STATES = ("healthy", "draining")
STANDARD_PORTS = {"http": 80, "https": 443}


class AwsLookups:
    """AWS clients are made on first use only, so that probing plain URLs needs neither boto3 nor credentials."""

    def __init__(self, module):
        self.module = module
        self._clients = {}

    def client(self, name):
        if name not in self._clients:
            try:
                check_sdk_version_supported(warn=self.module.warn)
            except AnsibleBotocoreError as e:
                self.module.fail_json(msg=f"Looking up targets in AWS needs boto3: {e}")
            self._clients[name] = self.module.client(name, retry_decorator=AWSRetry.jittered_backoff())
        return self._clients[name]

    def load_balancer(self, name=None, arn=None):
        what = name or arn
        request = {"Names": [name]} if name else {"LoadBalancerArns": [arn]}
        try:
            found = self.client("elbv2").describe_load_balancers(aws_retry=True, **request)["LoadBalancers"]
        except is_boto3_error_code("LoadBalancerNotFound"):
            found = []
        except (
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
        ) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Couldn't describe load balancer {what}")
        if not found:
            self.module.fail_json(msg=f"Load balancer {what} not found")
        return found[0]

    def listeners(self, load_balancer_arn):
        try:
            paginator = self.client("elbv2").get_paginator("describe_listeners")
            return paginator.paginate(LoadBalancerArn=load_balancer_arn).build_full_result().get("Listeners", [])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Couldn't describe the listeners of {load_balancer_arn}")

    def target_groups(self, load_balancer_arn=None, arns=None):
        request = {"LoadBalancerArn": load_balancer_arn} if load_balancer_arn else {"TargetGroupArns": arns}
        try:
            paginator = self.client("elbv2").get_paginator("describe_target_groups")
            return paginator.paginate(**request).build_full_result().get("TargetGroups", [])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Couldn't describe target groups {load_balancer_arn or ', '.join(arns)}")

    def target_health(self, target_group_arn):
        try:
            response = self.client("elbv2").describe_target_health(aws_retry=True, TargetGroupArn=target_group_arn)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Couldn't describe the target health of {target_group_arn}")
        return response.get("TargetHealthDescriptions", [])

    def distributions(self):
        try:
            paginator = self.client("cloudfront").get_paginator("list_distributions")
            result = paginator.paginate().build_full_result()
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg="Couldn't list CloudFront distributions")
        return result.get("DistributionList", {}).get("Items", [])

    def ecs_service(self, cluster, service):
        return require_service(self.client("ecs"), self.module, cluster, service)


def build_url(scheme, host, port, path):
    if not path.startswith("/"):
        path = "/" + path
    netloc = host if port is None or port == STANDARD_PORTS[scheme] else f"{host}:{port}"
    return f"{scheme}://{netloc}{path}"


def load_balancer_url(lookups, load_balancer, params):
    """Pick the listener matching O(scheme) (HTTPS first under auto) for the scheme and port."""
    scheme = params["scheme"]
    port = params["port"]
    if scheme == "auto" or port is None:
        listeners = lookups.listeners(load_balancer["LoadBalancerArn"])
        by_protocol = {}
        for listener in sorted(listeners, key=lambda item: item["Port"]):
            by_protocol.setdefault(listener["Protocol"].lower(), listener["Port"])
        if scheme == "auto":
            scheme = "https" if "https" in by_protocol or "http" not in by_protocol else "http"
        if port is None:
            port = by_protocol.get(scheme)
    return build_url(scheme, load_balancer["DNSName"], port, params["path"])


def find_load_balancer_target(lookups, params):
    load_balancer = lookups.load_balancer(name=params["load_balancer_name"])
    groups = lookups.target_groups(load_balancer_arn=load_balancer["LoadBalancerArn"])
    return {
        "url": load_balancer_url(lookups, load_balancer, params),
        "source": "load_balancer",
        "target_groups": groups,
    }


def find_ecs_service_target(lookups, params):
    cluster, name = params["ecs_cluster"], params["ecs_service"]
    service = lookups.ecs_service(cluster, name)
    arns = [lb["targetGroupArn"] for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")]
    if not arns:
        lookups.module.fail_json(msg=f"ECS service {name} in cluster {cluster} has no load balancer target group")
    groups = lookups.target_groups(arns=arns)
    load_balancer_arns = [arn for group in groups for arn in group.get("LoadBalancerArns", [])]
    if not load_balancer_arns:
        lookups.module.fail_json(msg=f"The target group of ECS service {name} is not attached to a load balancer")
    load_balancer = lookups.load_balancer(arn=load_balancer_arns[0])
    return {
        "url": load_balancer_url(lookups, load_balancer, params),
        "source": "ecs_service",
        "target_groups": groups,
    }


def find_cloudfront_target(lookups, params):
    wanted = params["cloudfront_distribution"]
    for distribution in lookups.distributions():
        aliases = distribution.get("Aliases", {}).get("Items", [])
        if wanted in aliases:
            host = wanted
        elif wanted in (distribution.get("Id"), distribution.get("DomainName")):
            host = distribution["DomainName"]
        else:
            continue
        scheme = "https" if params["scheme"] == "auto" else params["scheme"]
        url = build_url(scheme, host, params["port"], params["path"])
        return {"url": url, "source": "cloudfront", "target_groups": []}
    lookups.module.fail_json(msg=f"CloudFront distribution {wanted} not found (by id, alias or domain name)")


def describe_target_group_health(lookups, group):
    targets = []
    for description in lookups.target_health(group["TargetGroupArn"]):
        target = description.get("Target", {})
        health = description.get("TargetHealth", {})
        targets.append(
            {
                "id": target.get("Id"),
                "port": target.get("Port"),
                "availability_zone": target.get("AvailabilityZone"),
                "state": health.get("State"),
                "reason": health.get("Reason"),
                "description": health.get("Description"),
            }
        )
    not_fine = [t for t in targets if t["state"] not in ACCEPTABLE_TARGET_STATES]
    return {
        "target_group_arn": group["TargetGroupArn"],
        "target_group_name": group.get("TargetGroupName"),
        "healthy_count": sum(1 for t in targets if t["state"] == "healthy"),
        "unhealthy_count": len(not_fine),
        "targets": targets,
    }


def target_health_problems(report):
    """The broken-threshold message of a target group report, or None."""
    not_fine = [t for t in report["targets"] if t["state"] not in ACCEPTABLE_TARGET_STATES]
    if not report["targets"]:
        return "no targets registered"
    if not not_fine and report["healthy_count"]:
        return None
    if not not_fine:
        return "no healthy target"
    details = []
    for target in not_fine:
        detail = f"{target['id']}:{target['port']} {target['state']}"
        why = ": ".join(part for part in (target["reason"], target["description"]) if part)
        details.append(f"{detail} ({why})" if why else detail)
    return f"{len(not_fine)} of {len(report['targets'])} targets not healthy: {', '.join(details)}"


def resolve_targets(module, lookups):
    params = module.params
    targets = [{"url": url, "source": "url", "target_groups": []} for url in params["urls"]]
    if params["load_balancer_name"]:
        targets.append(find_load_balancer_target(lookups, params))
    if params["ecs_service"]:
        targets.append(find_ecs_service_target(lookups, params))
    if params["cloudfront_distribution"]:
        targets.append(find_cloudfront_target(lookups, params))
    by_url = {}
    for target in targets:
        if target["url"] in by_url:
            by_url[target["url"]]["target_groups"].extend(target["target_groups"])
        else:
            by_url[target["url"]] = target
    return list(by_url.values())


def run(module, lookups):
    params = module.params
    targets = resolve_targets(module, lookups)
    groups = {}
    for target in targets:
        for group in target["target_groups"]:
            groups.setdefault(group["TargetGroupArn"], group)
    if params["target_health"] != "ignore" and not groups:
        module.fail_json(msg="target_health needs load_balancer_name or ecs_service (a load balancer with target groups)")

    fetch_options = {
        "method": params["method"],
        "headers": params["headers"],
        "timeout": params["request_timeout"],
        "validate_certs": params["validate_certs"],
        "follow_redirects": params["follow_redirects"],
        "use_proxy": params["use_proxy"],
        "ca_path": params["ca_path"],
    }
    sources = {target["url"]: target["source"] for target in targets}
    results = {}
    attempts_per_url = {}
    state = {"target_groups": []}

    def attempt(number):
        pending = [url for url in sources if not results.get(url, {}).get("healthy")]
        sampled = sample_targets(pending, params["samples"], fetch_options, concurrency=params["concurrency"])
        for url, samples in sampled.items():
            attempts_per_url[url] = attempts_per_url.get(url, 0) + 1
            result = evaluate(url, samples, params["expected_status"], params["max_p95_latency_ms"], params["conditions"])
            result["source"] = sources[url]
            results[url] = result
        healthy = all(result["healthy"] for result in results.values())
        if params["target_health"] != "ignore":
            state["target_groups"] = [describe_target_group_health(lookups, group) for group in groups.values()]
            if params["target_health"] == "require":
                healthy = healthy and not any(target_health_problems(report) for report in state["target_groups"])
        return healthy, None

    healthy, _result, attempts, elapsed = retry_until_healthy(attempt, params["timeout"], delay=params["delay"], max_delay=params["max_delay"])

    target_results = []
    broken = []
    for url in sources:
        result = dict(results[url], attempts=attempts_per_url[url])
        target_results.append(result)
        broken.extend(dict(problem, target=url) for problem in result["broken_thresholds"])
    outcome = {
        "changed": False,
        "healthy": healthy,
        "attempts": attempts,
        "elapsed_seconds": elapsed,
        "targets": target_results,
        "broken_thresholds": broken,
    }
    if params["target_health"] != "ignore":
        outcome["target_groups"] = state["target_groups"]
        if params["target_health"] == "require":
            for report in state["target_groups"]:
                problem = target_health_problems(report)
                if problem:
                    broken.append(
                        {
                            "target": f"target group {report['target_group_name']}",
                            "threshold": "target_health",
                            "message": problem,
                        }
                    )
    return outcome


def failure_message(outcome):
    details = "; ".join(f"{problem['target']}: {problem['message']}" for problem in outcome["broken_thresholds"])
    plural = "s" if outcome["attempts"] != 1 else ""
    took = f"{outcome['attempts']} attempt{plural} ({outcome['elapsed_seconds']:g} s)"
    return f"Health check failed after {took}: {details}"


def main():
    condition_options = dict(
        path=dict(type="str", required=True),
        equals=dict(type="raw"),
        not_equals=dict(type="raw"),
        exists=dict(type="bool"),
        matches=dict(type="str"),
        min=dict(type="float"),
        max=dict(type="float"),
        not_in=dict(type="list", elements="raw"),
    )
    condition_options["in"] = dict(type="list", elements="raw")
    argument_spec = dict(
        urls=dict(type="list", elements="str", aliases=["url"], default=[]),
        load_balancer_name=dict(type="str"),
        cloudfront_distribution=dict(type="str"),
        ecs_cluster=dict(type="str"),
        ecs_service=dict(type="str"),
        path=dict(type="str", default="/health/elb"),
        scheme=dict(type="str", choices=["auto", "http", "https"], default="auto"),
        port=dict(type="int"),
        method=dict(type="str", choices=["GET", "HEAD"], default="GET"),
        headers=dict(type="dict", default={}),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        follow_redirects=dict(type="bool", default=False),
        use_proxy=dict(type="bool", default=True),
        samples=dict(type="int", default=5),
        concurrency=dict(type="int", default=8),
        request_timeout=dict(type="float", default=5.0),
        timeout=dict(type="float", default=60.0),
        delay=dict(type="float", default=1.0),
        max_delay=dict(type="float", default=15.0),
        expected_status=dict(type="list", elements="int", default=[200]),
        max_p95_latency_ms=dict(type="float"),
        conditions=dict(type="list", elements="dict", default=[], options=condition_options),
        target_health=dict(type="str", choices=["ignore", "report", "require"], default="ignore"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        check_boto3=False,
        required_one_of=[("urls", "load_balancer_name", "cloudfront_distribution", "ecs_service")],
        required_together=[("ecs_cluster", "ecs_service")],
    )
    params = module.params
    for name in ("samples", "concurrency"):
        if params[name] < 1:
            module.fail_json(msg=f"{name} must be at least 1")
    for name in ("request_timeout", "timeout", "delay", "max_delay"):
        if params[name] < 0:
            module.fail_json(msg=f"{name} must not be negative")
    for index, condition in enumerate(params["conditions"]):
        try:
            validate_condition(condition)
        except ValueError as e:
            module.fail_json(msg=f"conditions[{index}]: {e}")

    outcome = run(module, AwsLookups(module))
    if not outcome["healthy"]:
        module.fail_json(msg=failure_message(outcome), **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
