# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: security_findings
short_description: Check what an environment has deployed against the TraceTrack security baseline
version_added: 0.1.0
description:
  - Takes what C(playbooks/audit.yml) read from AWS (the outputs of the C(*_info) modules) and returns every
    violation of the security baseline, one finding per resource and rule. An empty list means the
    environment complies.
  - "Rules: C(public-database) a publicly accessible RDS instance; C(unencrypted-storage) RDS storage without
    encryption; C(unencrypted-cache) a replication group without encryption at rest or in transit;
    C(world-open-ingress) a security group rule open to 0.0.0.0/0 or ::/0, except TCP 80 and 443 on the load
    balancer's group; C(backups-off) an RDS primary without automated backups or a replication group without
    snapshots; C(no-deletion-protection) an RDS primary without deletion protection in a strict environment;
    C(no-cross-region-backups) the RDS primary of a strict environment whose automated backups are not replicated to
    another Region (C(DBInstanceAutomatedBackupsReplications) empty);
    C(iam-wildcard-action) and C(iam-wildcard-resource) an IAM policy statement that allows C(*) actions,
    or C(*) resources for actions that have resource-level permissions; C(iam-managed-policy) a managed
    policy attached to a role of the environment (its document is not reviewed here); C(missing-alarm) an
    alarm the monitoring role defines that does not exist, C(alarm-actions-off) one whose actions are
    disabled; C(http-only-cdn) a CloudFront behaviour whose viewer protocol policy is C(allow-all);
    C(http-api) a behaviour of the HTTPS-only paths (C(/api/*)) that takes HTTP requests (anything but
    C(https-only): a redirect comes after the API key or session cookie crossed in clear); C(http-origin) a
    custom origin CloudFront reaches without HTTPS only, in a strict environment; C(weak-viewer-tls) a custom
    viewer certificate that allows TLS older than C(TLSv1.2_2021);
    C(waf-missing) a distribution without a web ACL where one is required; C(oneoff-secret-in-service) a service's
    container that reads a secret only one-off tasks may read (the database's master user, the schema owner's login); C(missing-resource) a resource
    the audit expects and cannot find; C(alarm-watches-nothing) and C(widget-watches-nothing) an alarm or a dashboard
    widget whose metric's dimensions name a resource that does not exist (or, outside the AWS namespaces, a metric no
    service declares it emits), or an alarm widget listing an alarm that does not exist; C(policy-metric-not-produced)
    a scaling policy on such a metric."
options:
  _input:
    description:
      - A dictionary of what was read. Keys (all optional but C(environment)) C(db_instances) (RDS instances as
        C(amazon.aws.rds_instance_info) returns them), C(cache_clusters) (C(community.aws.elasticache_info)),
        C(security_groups) (C(amazon.aws.ec2_security_group_info)), C(iam_policies) (a list of
        C(role), C(policy_name), C(document)), C(iam_attached_policies) (a list of C(role), C(policy_name)),
        C(expected_alarms) (names), C(alarms) (C(amazon.aws.cloudwatch_metric_alarm_info)'s C(metric_alarms)),
        C(distributions) (CloudFront distribution summaries as the API returns them), C(task_definitions) (the
        services' running revisions - a list of C(service) and C(container_definitions) as
        C(community.aws.ecs_taskdefinition_info) returns them), C(watched) (what is watched and
        what exists - C(resources), C(emitted), C(alarms), C(dashboards), C(policies); see
        C(plugins/plugin_utils/watched.py)).
      - C(environment) is a dictionary with C(name), C(strict) (bool), C(waf_required) (bool),
        C(alb_security_group) (the load balancer's group name), C(alb_open_ports) (default C([80, 443])),
        C(db_instance_id), C(cache_replication_group_id), C(iam_resource_wildcard_actions) (actions that
        have no resource-level permissions, for which AWS requires C(Resource "*")) and C(https_only_paths)
        (CloudFront path patterns that must be C(https-only), default C([/api/*])) and C(oneoff_only_secrets) (names
        of secrets no service may reference).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Decide the findings
  ansible.builtin.set_fact:
    audit_findings: "{{ audit_inputs | tracetrack.aws.security_findings }}"
"""

RETURN = r"""
_value:
  description: The findings, sorted by rule and resource; empty when the environment complies.
  type: list
  elements: dict
  contains:
    rule:
      description: The baseline rule broken (for example C(world-open-ingress)).
      type: str
    resource:
      description: The resource that breaks it (kind and name).
      type: str
    detail:
      description: What exactly was found.
      type: str
"""

import fnmatch

from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.plugin_utils.watched import watch_findings

WORLD = ("0.0.0.0/0", "::/0")
# Viewer TLS policies of a custom certificate that allow nothing older than TLSv1.2_2021's ciphers.
STRONG_VIEWER_TLS = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
DEFAULT_ALB_PORTS = (80, 443)


def _finding(rule, resource, detail):
    return {"rule": rule, "resource": resource, "detail": detail}


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _databases(env, instances):
    findings = []
    primary_id = env.get("db_instance_id")
    found_primary = False
    for db in instances:
        name = db.get("db_instance_identifier", "?")
        resource = f"rds {name}"
        is_replica = bool(db.get("read_replica_source_db_instance_identifier"))
        if name == primary_id:
            found_primary = True
        if db.get("publicly_accessible"):
            findings.append(_finding("public-database", resource, "PubliclyAccessible is true"))
        if not db.get("storage_encrypted"):
            findings.append(_finding("unencrypted-storage", resource, "StorageEncrypted is false"))
        if not is_replica and int(db.get("backup_retention_period") or 0) == 0:
            findings.append(_finding("backups-off", resource, "BackupRetentionPeriod is 0 (no automated backups)"))
        if env.get("strict") and not is_replica and not db.get("deletion_protection"):
            findings.append(_finding("no-deletion-protection", resource, f"DeletionProtection is false in strict environment {env.get('name')}"))
        if env.get("strict") and name == primary_id and not db.get("db_instance_automated_backups_replications"):
            findings.append(
                _finding("no-cross-region-backups", resource, f"automated backups are not replicated to another Region in strict environment {env.get('name')}")
            )
    if primary_id and not found_primary:
        findings.append(_finding("missing-resource", f"rds {primary_id}", "the database instance does not exist"))
    return findings


def _caches(env, clusters):
    findings = []
    groups = {}
    for cluster in clusters:
        group = cluster.get("replication_group")
        if group and group.get("replication_group_id"):
            groups[group["replication_group_id"]] = group
    wanted = env.get("cache_replication_group_id")
    if wanted and wanted not in groups:
        findings.append(_finding("missing-resource", f"elasticache {wanted}", "the replication group does not exist"))
    for name, group in sorted(groups.items()):
        resource = f"elasticache {name}"
        if not group.get("at_rest_encryption_enabled"):
            findings.append(_finding("unencrypted-cache", resource, "AtRestEncryptionEnabled is false"))
        if not group.get("transit_encryption_enabled"):
            findings.append(_finding("unencrypted-cache", resource, "TransitEncryptionEnabled is false"))
        if int(group.get("snapshot_retention_limit") or 0) == 0:
            findings.append(_finding("backups-off", resource, "SnapshotRetentionLimit is 0 (no automatic snapshots)"))
    return findings


def _port_range(rule):
    protocol = str(rule.get("ip_protocol", "-1"))
    if protocol == "-1":
        return "all traffic"
    low, high = rule.get("from_port"), rule.get("to_port")
    ports = str(low) if low == high else f"{low}-{high}"
    return f"{protocol}/{ports}"


def _security_groups(env, groups):
    findings = []
    alb_group = env.get("alb_security_group")
    allowed_ports = {int(p) for p in env.get("alb_open_ports") or DEFAULT_ALB_PORTS}
    for group in groups:
        name = group.get("group_name", "?")
        resource = f"security-group {name} ({group.get('group_id', '?')})"
        for rule in group.get("ip_permissions") or []:
            sources = [r.get("cidr_ip") for r in rule.get("ip_ranges") or []]
            sources += [r.get("cidr_ipv6") for r in rule.get("ipv6_ranges") or []]
            world = [s for s in sources if s in WORLD]
            if not world:
                continue
            allowed = (
                name == alb_group
                and str(rule.get("ip_protocol")) == "tcp"
                and rule.get("from_port") == rule.get("to_port")
                and int(rule.get("from_port") or -1) in allowed_ports
            )
            if not allowed:
                findings.append(_finding("world-open-ingress", resource, f"{_port_range(rule)} open to {', '.join(sorted(world))}"))
    return findings


def _statement_actions(statement):
    return [str(a) for a in _as_list(statement.get("Action"))]


def _iam(env, policies, attached):
    findings = []
    free_actions = [str(a).lower() for a in env.get("iam_resource_wildcard_actions") or []]
    for policy in policies:
        resource = f"iam-policy {policy.get('role', '?')}/{policy.get('policy_name', '?')}"
        document = policy.get("document") or {}
        for index, statement in enumerate(_as_list(document.get("Statement"))):
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid") or f"#{index}"
            if "NotAction" in statement:
                findings.append(_finding("iam-wildcard-action", resource, f"statement {sid} allows NotAction (every other action)"))
            wild_actions = [a for a in _statement_actions(statement) if "*" in a]
            if wild_actions:
                findings.append(_finding("iam-wildcard-action", resource, f"statement {sid} allows {', '.join(wild_actions)}"))
            if "NotResource" in statement:
                findings.append(_finding("iam-wildcard-resource", resource, f"statement {sid} uses NotResource (every other resource)"))
            if "*" in [str(r) for r in _as_list(statement.get("Resource"))]:
                unexcused = [a for a in _statement_actions(statement) if not any(fnmatch.fnmatchcase(a.lower(), pattern) for pattern in free_actions)]
                if unexcused:
                    findings.append(_finding("iam-wildcard-resource", resource, f'statement {sid} allows {", ".join(unexcused)} on Resource "*"'))
    for policy in attached:
        findings.append(_finding("iam-managed-policy", f"iam-role {policy.get('role', '?')}", f"managed policy {policy.get('policy_name', '?')} is attached"))
    return findings


def _alarms(expected, alarms):
    findings = []
    existing = {a.get("alarm_name"): a for a in alarms}
    for name in sorted(set(expected)):
        if name not in existing:
            findings.append(_finding("missing-alarm", f"alarm {name}", "the alarm does not exist"))
        elif existing[name].get("actions_enabled") is False:
            findings.append(_finding("alarm-actions-off", f"alarm {name}", "ActionsEnabled is false (nobody is notified)"))
    return findings


def _behaviours(distribution):
    default = distribution.get("DefaultCacheBehavior") or {}
    yield "default", default.get("ViewerProtocolPolicy")
    for behaviour in (distribution.get("CacheBehaviors") or {}).get("Items") or []:
        yield behaviour.get("PathPattern", "?"), behaviour.get("ViewerProtocolPolicy")


def _distributions(env, distributions):
    findings = []
    for distribution in distributions:
        resource = f"cloudfront {distribution.get('Id', '?')}"
        for path, policy in _behaviours(distribution):
            if policy == "allow-all":
                findings.append(_finding("http-only-cdn", resource, f"behaviour {path} serves plain HTTP (ViewerProtocolPolicy allow-all)"))
        https_only = env.get("https_only_paths", ["/api/*"]) or []
        for path, policy in _behaviours(distribution):
            if path in https_only and policy != "https-only":
                findings.append(_finding("http-api", resource, f"behaviour {path} takes HTTP requests (ViewerProtocolPolicy {policy})"))
        for origin in (distribution.get("Origins") or {}).get("Items") or []:
            protocol = (origin.get("CustomOriginConfig") or {}).get("OriginProtocolPolicy")
            if env.get("strict") and protocol not in (None, "https-only"):
                findings.append(_finding("http-origin", resource, f"origin {origin.get('Id', '?')} is reached with {protocol}, not HTTPS only"))
        certificate = distribution.get("ViewerCertificate") or {}
        if not certificate.get("CloudFrontDefaultCertificate", True) and certificate.get("MinimumProtocolVersion") not in STRONG_VIEWER_TLS:
            findings.append(_finding("weak-viewer-tls", resource, f"viewers may use {certificate.get('MinimumProtocolVersion')} (TLSv1.2_2021 at least)"))
        if env.get("waf_required") and not distribution.get("WebACLId"):
            findings.append(_finding("waf-missing", resource, "no web ACL (cdn_waf_enabled or a strict environment requires one)"))
    if env.get("distribution_expected") and not distributions:
        findings.append(_finding("missing-resource", f"cloudfront {env.get('name')}", "the distribution does not exist"))
    return findings


def _task_definitions(env, definitions):
    """Services whose containers are given the database's master or owner credentials: the application runs with its
    own login (data access only), and only the release's one-off tasks read those secrets."""
    findings = []
    forbidden = [f":secret:{name}-" for name in env.get("oneoff_only_secrets") or []]
    for definition in definitions:
        resource = f"ecs service {definition.get('service', '?')}"
        for container in definition.get("container_definitions") or []:
            for secret in container.get("secrets") or []:
                source = str(secret.get("value_from") or secret.get("valueFrom") or "")
                if any(marker in source for marker in forbidden):
                    secret_name = source.rsplit(":secret:", maxsplit=1)[-1]
                    detail = f"container {container.get('name', '?')} reads {secret.get('name', '?')} from {secret_name}"
                    findings.append(_finding("oneoff-secret-in-service", resource, detail))
    return findings


def security_findings(inputs):
    if not isinstance(inputs, dict):
        raise AnsibleFilterError(f"security_findings expects a dictionary, got {type(inputs).__name__}")
    env = inputs.get("environment")
    if not isinstance(env, dict) or not env.get("name"):
        raise AnsibleFilterError("security_findings needs environment.name")
    findings = (
        _databases(env, inputs.get("db_instances") or [])
        + _caches(env, inputs.get("cache_clusters") or [])
        + _security_groups(env, inputs.get("security_groups") or [])
        + _iam(env, inputs.get("iam_policies") or [], inputs.get("iam_attached_policies") or [])
        + _alarms(inputs.get("expected_alarms") or [], inputs.get("alarms") or [])
        + _distributions(env, inputs.get("distributions") or [])
        + _task_definitions(env, inputs.get("task_definitions") or [])
        + watch_findings(inputs.get("watched") or {})
    )
    return sorted(findings, key=lambda f: (f["rule"], f["resource"], f["detail"]))


class FilterModule:
    def filters(self):
        return {"security_findings": security_findings}
