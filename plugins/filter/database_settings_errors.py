# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: database_settings_errors
short_description: Check the database role's settings before any API call
version_added: 0.3.0
description:
  - Takes the database role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(database_name_prefix), C(database_instance_class), C(database_engine_version),
        C(database_backup_window), C(database_maintenance_window), C(database_strict)...).
    type: dict
    required: true
  no_insights_classes:
    description:
      - A regular expression matching the instance classes RDS offers no Performance Insights on (the role's
        C(__database_no_insights_classes)); C(database_performance_insights_enabled) is refused on them.
    type: str
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the database settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'database_instance_class': database_instance_class, 'database_backup_window': database_backup_window}
         | tracetrack.aws.database_settings_errors('^db[.]t[0-9]g?[.](micro|small)$') }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import re

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings, whole, windows_overlap

INSTANCE_CLASS = re.compile(r"db\.[a-z0-9]+\.[a-z0-9]+")
ENGINE_VERSION = re.compile(r"(1[3-9]|[2-9][0-9])(\.[0-9]+)?")
DB_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,62}")
RESERVED_DB_NAMES = ("postgres", "template0", "template1", "rdsadmin")
# Performance Insights keeps 7 days (free), a number of months (31 days each, 1-23) or 731 days.
INSIGHTS_RETENTION = (7,) + tuple(31 * months for months in range(1, 24)) + (731,)
# A key id (or a multi-Region key's), a key or alias ARN, or an alias name.
KMS_KEY = re.compile(
    r"(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:)?(key/)?([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
    r"|(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:)?alias/[A-Za-z0-9/_-]{1,250}"
)
SSL_ON = ("1", "True", "true")
REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")


def database_settings_errors(values, no_insights_classes):
    settings = Settings(values, "database_settings_errors")
    settings.name_prefix("database_name_prefix")
    rule = "must look like db.<family>.<size>, for example db.t4g.micro or db.r6g.xlarge"
    settings.matches("database_instance_class", INSTANCE_CLASS, rule)
    # The replicas' class defaults to the primary's: the same bad value is the primary's problem, named once.
    if settings["database_replica_instance_class"] != settings["database_instance_class"]:
        settings.matches("database_replica_instance_class", INSTANCE_CLASS, rule)
    settings.matches("database_engine_version", ENGINE_VERSION, 'must be a PostgreSQL major version (13 or later), optionally with its minor: "16" or "16.4"')
    settings.number("database_read_replicas", 0, 5, "must be 0-5: RDS allows 5 read replicas per source here")
    _storage(settings)
    retention = settings.number(
        "database_backup_retention_days", 1, 35, "must be 1-35: automated backups, point-in-time recovery and read replicas need at least 1 day"
    )
    _windows(settings)
    if settings.matches("database_db_name", DB_NAME, "must be 1-63 letters, digits or underscores, starting with a letter"):
        if str(settings["database_db_name"]).lower() in RESERVED_DB_NAMES:
            settings.problem("database_db_name", f"is reserved by PostgreSQL or RDS (as are {', '.join(RESERVED_DB_NAMES)}): choose another")
    settings.number("database_port", 1150, 65535)
    if "database_ca_bundle_path" in settings:
        settings.matches(
            "database_ca_bundle_path", r"/[A-Za-z0-9._/-]+", "must be the absolute path of the RDS CA bundle in the application image (letters, digits, ._-/)"
        )
    settings.number("database_performance_insights_retention_days", 7, 7, "must be 7 (free), a number of months (31 x 1-23) or 731", also=INSIGHTS_RETENTION)
    if settings.flag("database_performance_insights_enabled"):
        classes = {settings[name] for name in ("database_instance_class", "database_replica_instance_class")}
        small = sorted(c for c in classes if isinstance(c, str) and re.match(no_insights_classes, c))
        if small:
            settings.problem(
                "database_performance_insights_enabled",
                f"asks for what RDS does not offer on {', '.join(small)} (micro"
                " and small burstable classes): choose a larger instance class or set it to false",
                shown=True,
            )
    _parameters(settings)
    settings.matches(
        "database_storage_kms_key_id",
        f"|{KMS_KEY.pattern}",
        "must be empty (the AWS managed key aws/rds) or a KMS key: its id, its ARN or an alias (alias/<name>)",
    )
    _backup_replication(settings)
    settings.number("database_wait_timeout", 60, None, "must be 60 seconds or more")
    settings.number("database_snapshots_before_change_keep", 1, None)
    if settings.flag("database_strict") and settings["database_state"] == "present":
        settings.strict_requires("database_multi_az", True, "it needs a standby in a second zone")
        settings.strict_requires("database_deletion_protection", True, "the primary must be protected from deletion")
        settings.strict_requires("database_final_snapshot", True, "a deleted primary must leave a final snapshot")
        if retention is not None:
            settings.strict_requires("database_backup_retention_days", lambda days: whole(days) >= 7, "keep 7 days of backups or more")
    return settings.problems


def _backup_replication(settings):
    """Cross-Region copies of the automated backups: a Region's code, 1-35 days, a key (of that Region) or none."""
    if not settings.matches(
        "database_backup_replication_region", f"|{REGION.pattern}", "must be empty (no replication) or a Region's code, for example ap-southeast-1"
    ):
        return
    if not settings["database_backup_replication_region"]:
        return
    settings.number("database_backup_replication_retention_days", 1, 35, "must be 1-35: RDS keeps replicated backups 1 to 35 days")
    settings.matches(
        "database_backup_replication_kms_key_id",
        f"|{KMS_KEY.pattern}",
        "must be empty (a key the role makes in that Region) or a KMS key of that Region: its ARN or an alias",
    )
    key = str(settings["database_backup_replication_kms_key_id"] or "")
    region = settings["database_backup_replication_region"]
    if key.startswith("arn:") and key.split(":")[3] != region:
        settings.problem(
            "database_backup_replication_kms_key_id",
            f"is a key of {key.split(':')[3]}, not of {region}: the replicated backups are encrypted in the Region they are copied to",
        )


def _storage(settings):
    allocated = settings.number("database_allocated_storage", 20, 65536, "must be 20-65536 GiB (gp3)")
    floor = "the allocated storage" + (f" ({allocated} GiB)" if allocated is not None else "")
    settings.number(
        "database_max_allocated_storage",
        (allocated or 20) + 1,
        65536,
        also=(0,),
        rule=f"must be 0 (no storage autoscaling) or more than {floor}, at most 65536",
    )


def _windows(settings):
    """The daily backup window and the weekly maintenance window: their forms, 30 minutes or more each, apart."""
    rule = "must last 30 minutes or more (and end at another time than it starts)"
    backup = settings.window("database_backup_window", False, 30, 1439, rule)
    maintenance = settings.window("database_maintenance_window", True, 30, 10079, rule)
    if backup and maintenance and windows_overlap(backup, maintenance):
        settings.problem(
            "database_maintenance_window", f"overlaps the daily backup window {settings['database_backup_window']!r}: RDS needs them apart (both UTC)"
        )


def _parameters(settings):
    parameters = settings["database_parameters"]
    if not isinstance(parameters, dict):
        settings.problem("database_parameters", "must be a dictionary of PostgreSQL parameters and their values")
        return
    if str(parameters.get("rds.force_ssl", 1)) not in SSL_ON:
        settings.problem(
            "database_parameters", "must not turn rds.force_ssl off: clients always connect with TLS", shown={"rds.force_ssl": parameters["rds.force_ssl"]}
        )
    for key, value in parameters.items():
        if not isinstance(value, (str, int, float)):
            settings.problem("database_parameters", "must give each parameter a string or a number", shown={key: value})


class FilterModule:
    def filters(self):
        return {"database_settings_errors": database_settings_errors}
