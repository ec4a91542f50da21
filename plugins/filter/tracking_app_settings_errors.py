# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: tracking_app_settings_errors
short_description: Check the release role's settings before any API call
version_added: 0.3.0
description:
  - Takes the tracking_app (release) role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(tracking_app_name_prefix), C(tracking_app_service), C(tracking_app_image_tag), the health gate's settings...).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the release settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'tracking_app_service': tracking_app_service, 'tracking_app_image_tag': tracking_app_image_tag}
         | tracetrack.aws.tracking_app_settings_errors }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import os
import re

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings

SERVICE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
PARAMETER = re.compile(r"^/[A-Za-z0-9_./-]+$")
REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
REGISTRY = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]+)?$")
IMAGE_NAME = re.compile(r"^[a-z0-9.:/_-]+$")
HEALTH_PATH = re.compile(r"^/[A-Za-z0-9_./~%-]*$")
PUBLIC_URL = re.compile(r"^https?://[^/]+$")
# Secrets Manager secret names: 1-512 of letters, digits and /_+=.@-
SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
SECRET_NAMES = ("tracking_app_app_secret_name", "tracking_app_admin_secret_name", "tracking_app_scanner_keys_secret_name")
ENGINES = ("auto", "podman", "buildah", "docker", "none")


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _names_problems(settings):
    settings.name_prefix("tracking_app_name_prefix")
    settings.matches("tracking_app_service", SERVICE, "must be the name of one of service_services (lower-case letters, digits, hyphens)")
    if settings["tracking_app_image_tag"]:
        settings.matches("tracking_app_image_tag", IMAGE_TAG, "must be empty or an image tag (letters, digits, '_', '.', '-', 128 at most)")
    for variable in ("tracking_app_version_parameter", "tracking_app_previous_version_parameter"):
        settings.matches(variable, PARAMETER, "must be an SSM parameter name starting with /")
    settings.matches("tracking_app_repository_name", REPOSITORY, "must be an ECR repository name (lower-case letters, digits, '._-/')")


def _build_problems(settings):
    settings.one_of("tracking_app_container_engine", ENGINES)
    if settings["tracking_app_registry"]:
        settings.matches("tracking_app_registry", REGISTRY, "must be empty or a registry host[:port]")
    settings.matches("tracking_app_image_name", IMAGE_NAME, "must be an image name (lower-case letters, digits, '.:/_-')")
    source = settings["tracking_app_source_dir"]
    if source and not os.path.isabs(str(source)):
        settings.problem("tracking_app_source_dir", "must be empty (the collection's app/) or an absolute path")


def _rollout_problems(settings):
    for variable, what in (("tracking_app_migration_command", "migrates the database"), ("tracking_app_bootstrap_command", "bootstraps the accounts")):
        if variable in settings and not settings[variable]:
            settings.problem(variable, f"must be the command (a list of words) that {what}")
    for variable in SECRET_NAMES:
        if variable in settings:
            settings.matches(variable, SECRET_NAME, "must be a Secrets Manager secret name (1-512 letters, digits or /_+=.@-)")
    if "tracking_app_bootstrap_parameter" in settings:
        settings.matches("tracking_app_bootstrap_parameter", PARAMETER, "must be an SSM parameter name starting with /")
    settings.number("tracking_app_migration_timeout", 1, None, "must be a number of seconds greater than 0")
    settings.number("tracking_app_wait_timeout", 0, None, "must be a number of seconds, 0 or more")
    settings.number("tracking_app_wait_poll_interval", 1, None, "must be at least 1 second")


def _health_problems(settings):
    settings.matches("tracking_app_health_path", HEALTH_PATH, "must be a path starting with /")
    if not settings["tracking_app_health_statuses"]:
        settings.problem("tracking_app_health_statuses", "must list at least one HTTP status the gate accepts")
    p95 = _number(settings["tracking_app_health_max_p95_ms"])
    if p95 is None or p95 <= 0:
        settings.problem("tracking_app_health_max_p95_ms", "must be a number of milliseconds greater than 0")
    settings.number("tracking_app_health_samples", 1, None)
    settings.number("tracking_app_health_timeout", 0, None, "must be a number of seconds, 0 or more")
    for url in settings["tracking_app_health_urls"] or []:
        if not re.match(r"^https?://", str(url)):
            settings.problem("tracking_app_health_urls", f"holds '{url}': each must be an http(s) URL")
    if settings["tracking_app_public_url"]:
        settings.matches("tracking_app_public_url", PUBLIC_URL, "must be empty or http(s)://host[:port], without a path")


def tracking_app_settings_errors(values):
    settings = Settings(values, "tracking_app_settings_errors")
    _names_problems(settings)
    _build_problems(settings)
    _rollout_problems(settings)
    _health_problems(settings)
    for path in settings["tracking_app_invalidation_paths"] or []:
        if not str(path).startswith("/"):
            settings.problem("tracking_app_invalidation_paths", f"holds '{path}': each path starts with /")
    low = settings.number("tracking_app_scaling_min_capacity", 0, None)
    if low is not None:
        settings.number("tracking_app_scaling_max_capacity", low, None, f"must be at least tracking_app_scaling_min_capacity ({low})")
    return settings.problems


class FilterModule:
    def filters(self):
        return {"tracking_app_settings_errors": tracking_app_settings_errors}
