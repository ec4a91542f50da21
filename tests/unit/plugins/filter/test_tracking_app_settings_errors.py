"""tracking_app_settings_errors: the release role's settings; each bad setting is one problem naming its variable."""

import pytest

from ansible_collections.tracetrack.aws.plugins.filter.tracking_app_settings_errors import tracking_app_settings_errors

SOUND = {
    "tracking_app_name_prefix": "tracetrack-local",
    "tracking_app_service": "web",
    "tracking_app_image_tag": "",
    "tracking_app_version_parameter": "/tracetrack-local/app/version",
    "tracking_app_previous_version_parameter": "/tracetrack-local/app/previous-version",
    "tracking_app_repository_name": "tracetrack/local",
    "tracking_app_container_engine": "auto",
    "tracking_app_registry": "",
    "tracking_app_image_name": "localhost/tracetrack",
    "tracking_app_source_dir": "",
    "tracking_app_migration_command": ["python", "-m", "tracetrack", "db-upgrade"],
    "tracking_app_migration_timeout": 600,
    "tracking_app_bootstrap_command": ["python", "-m", "tracetrack", "bootstrap"],
    "tracking_app_bootstrap_parameter": "/tracetrack-local/app/bootstrap",
    "tracking_app_app_secret_name": "tracetrack-local/app",
    "tracking_app_wait_timeout": 900,
    "tracking_app_wait_poll_interval": 15,
    "tracking_app_public_url": "",
    "tracking_app_health_urls": [],
    "tracking_app_health_path": "/health/elb",
    "tracking_app_health_statuses": ["ok", "degraded"],
    "tracking_app_health_max_p95_ms": 500,
    "tracking_app_health_samples": 10,
    "tracking_app_health_timeout": 120,
    "tracking_app_invalidation_paths": ["/static/*"],
    "tracking_app_scaling_min_capacity": 1,
    "tracking_app_scaling_max_capacity": 4,
}

BAD = [
    ({"tracking_app_name_prefix": "TT"}, "tracking_app_name_prefix 'TT'"),
    ({"tracking_app_service": "Web"}, "tracking_app_service 'Web'"),
    ({"tracking_app_image_tag": "-bad tag"}, "tracking_app_image_tag '-bad tag'"),
    ({"tracking_app_version_parameter": "version"}, "tracking_app_version_parameter 'version'"),
    ({"tracking_app_previous_version_parameter": ""}, "tracking_app_previous_version_parameter ''"),
    ({"tracking_app_repository_name": "Trace/Track"}, "tracking_app_repository_name 'Trace/Track'"),
    ({"tracking_app_container_engine": "lxc"}, "tracking_app_container_engine 'lxc' must be one of auto, podman"),
    ({"tracking_app_registry": "https://registry"}, "tracking_app_registry 'https://registry'"),
    ({"tracking_app_image_name": "Trace Track"}, "tracking_app_image_name 'Trace Track'"),
    ({"tracking_app_source_dir": "app"}, "tracking_app_source_dir 'app'"),
    ({"tracking_app_migration_command": []}, "tracking_app_migration_command []"),
    ({"tracking_app_bootstrap_command": []}, "tracking_app_bootstrap_command []"),
    ({"tracking_app_bootstrap_parameter": "bootstrap"}, "tracking_app_bootstrap_parameter 'bootstrap'"),
    ({"tracking_app_app_secret_name": "app secret"}, "tracking_app_app_secret_name 'app secret' must be a Secrets Manager"),
    ({"tracking_app_migration_timeout": 0}, "tracking_app_migration_timeout 0"),
    ({"tracking_app_wait_timeout": -1}, "tracking_app_wait_timeout -1"),
    ({"tracking_app_wait_poll_interval": 0}, "tracking_app_wait_poll_interval 0 must be at least 1"),
    ({"tracking_app_public_url": "https://example.com/app"}, "tracking_app_public_url 'https://example.com/app'"),
    ({"tracking_app_health_urls": ["ftp://x"]}, "tracking_app_health_urls ['ftp://x'] holds 'ftp://x'"),
    ({"tracking_app_health_path": "health"}, "tracking_app_health_path 'health'"),
    ({"tracking_app_health_statuses": []}, "tracking_app_health_statuses []"),
    ({"tracking_app_health_max_p95_ms": 0}, "tracking_app_health_max_p95_ms 0"),
    ({"tracking_app_health_samples": 0}, "tracking_app_health_samples 0"),
    ({"tracking_app_health_timeout": "soon"}, "tracking_app_health_timeout 'soon'"),
    ({"tracking_app_invalidation_paths": ["static/*"]}, "tracking_app_invalidation_paths ['static/*'] holds"),
    ({"tracking_app_scaling_min_capacity": -1}, "tracking_app_scaling_min_capacity -1"),
    ({"tracking_app_scaling_max_capacity": 0}, "tracking_app_scaling_max_capacity 0 must be at least tracking_app_scaling_min_capacity (1)"),
]


def test_sound_settings_have_no_problem():
    assert tracking_app_settings_errors(SOUND) == []
    assert tracking_app_settings_errors({**SOUND, "tracking_app_public_url": "https://tracetrack.example.com"}) == []


@pytest.mark.parametrize("change, expected", BAD, ids=[next(iter(b[0])) for b in BAD])
def test_a_bad_setting_is_one_problem_naming_its_variable(change, expected):
    problems = tracking_app_settings_errors({**SOUND, **change})
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems
