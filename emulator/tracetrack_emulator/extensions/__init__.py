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
    # After ecs_tasks: service deployments follow the rollout it drives, and hold a traffic-shifting one until it ends.
    "ecs_service_deployments",
    "application_autoscaling",
    "elbv2_load_balancer_attributes",
    # After rds and elasticache: reports local servers as their endpoints when configured.
    "local_endpoints",
    # After local_endpoints: snapshots hold a dump of the local database, restores load one.
    "rds_snapshots",
    # Last: the realistic profile (EMULATOR_PROFILE=realistic) wraps what the others built; off, it changes nothing.
    "profile_realistic",
]


def in_front_of_moto(middleware) -> None:
    """Put the WSGI layer `middleware(app)` in front of moto's server (the one applied last answers first)."""
    from moto.moto_server import werkzeug_app

    dispatcher = werkzeug_app.DomainDispatcherApplication
    original = dispatcher.__call__
    layer = f"_tracetrack_layer_{middleware.__module__}"

    def __call__(self, environ, start_response):
        if not hasattr(self, layer):
            setattr(self, layer, middleware(lambda env, respond: original(self, env, respond)))
        return getattr(self, layer)(environ, start_response)

    dispatcher.__call__ = __call__


def apply_all() -> None:
    for name in EXTENSIONS:
        importlib.import_module(f"{__name__}.{name}").apply()
