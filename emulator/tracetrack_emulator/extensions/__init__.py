"""Behaviours of AWS that moto lacks and the stack needs.

Each module here exposes `apply()`, patches moto in place following one AWS API reference, and has a
test in tests/emulator. Modules are applied in the order listed.
"""

import importlib

EXTENSIONS = [
    "recorder_in_memory",
    "ec2_tag_resource_types",
    "elasticache",
    "ecs",
    "xray",
    "rds",
    "rds_backup_replication",
    "kms",
    "ecr",
    "cloudfront",
    # After cloudfront: a viewer's GET at a distribution's domain answered from its S3 origins.
    "cloudfront_edge",
    "iam_policy_conditions",
    "ecs_create_service",
    "ecs_task_definition_family",
    # After ecs: a rollout follows the task it starts on this machine, when tasks run here.
    "ecs_tasks",
    "application_autoscaling",
    "elbv2_load_balancer_attributes",
    # After rds and elasticache: reports local servers as their endpoints when configured.
    "local_endpoints",
    # After local_endpoints: snapshots hold a dump of the local database, restores load one.
    "rds_snapshots",
    # Last: the realistic profile (EMULATOR_PROFILE=realistic) wraps what the others built; off, it changes nothing.
    "profile_realistic",
]


def apply_all() -> None:
    for name in EXTENSIONS:
        importlib.import_module(f"{__name__}.{name}").apply()
