"""The data tiers' settings filters (database, cache): sound settings pass, each bad setting gives exactly one problem,
which starts with the variable at fault, and the windows' arithmetic holds across midnight and the end of the week."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.cache_settings_errors import cache_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.database_settings_errors import database_settings_errors

NO_INSIGHTS = "^db[.]t[0-9]g?[.](micro|small)$"  # roles/database/vars/main.yml: __database_no_insights_classes

# The roles' defaults, as templating gives them in a development environment.
DATABASE = {
    "database_state": "present",
    "database_name_prefix": "tracetrack-local",
    "database_tags": {"Project": "tracetrack"},
    "database_engine_version": "16",
    "database_allow_major_version_upgrade": False,
    "database_instance_class": "db.t4g.micro",
    "database_replica_instance_class": "db.t4g.micro",
    "database_allocated_storage": 20,
    "database_max_allocated_storage": 0,
    "database_storage_kms_key_id": "",
    "database_db_name": "tracetrack",
    "database_port": 5432,
    "database_ca_bundle_path": "/etc/ssl/rds/global-bundle.pem",
    "database_multi_az": "False",
    "database_read_replicas": 0,
    "database_backup_retention_days": 7,
    "database_backup_window": "03:00-04:00",
    "database_maintenance_window": "sun:04:30-sun:05:30",
    "database_snapshot_before_change": "False",
    "database_snapshots_before_change_keep": 5,
    "database_apply_immediately": "True",
    "database_deletion_protection": "False",
    "database_final_snapshot": True,
    "database_performance_insights_enabled": "False",
    "database_performance_insights_retention_days": 7,
    "database_cloudwatch_logs_exports": ["postgresql", "upgrade"],
    "database_parameters": {
        "log_min_duration_statement": 500,
        "log_connections": 1,
        "log_disconnections": 1,
        "log_lock_waits": 1,
        "log_temp_files": 10240,
        "log_autovacuum_min_duration": 1000,
    },
    "database_parameters_apply_immediately": True,
    "database_wait_timeout": 3600,
    "database_strict": "False",
    "database_backup_replication_region": "",
    "database_backup_replication_retention_days": 7,
    "database_backup_replication_kms_key_id": "",
}
# inventories/production/group_vars/production.yml over the defaults (env_strict: true).
DATABASE_PRODUCTION = {
    **DATABASE,
    "database_name_prefix": "tracetrack-production",
    "database_instance_class": "db.r6g.xlarge",
    "database_replica_instance_class": "db.r6g.xlarge",
    "database_allocated_storage": 100,
    "database_max_allocated_storage": 500,
    "database_multi_az": True,
    "database_read_replicas": 2,
    "database_deletion_protection": True,
    "database_final_snapshot": True,
    "database_snapshot_before_change": True,
    "database_backup_retention_days": 7,
    "database_performance_insights_enabled": "True",
    "database_apply_immediately": "False",
    "database_strict": "True",
}
CACHE = {
    "cache_state": "present",
    "cache_name_prefix": "tracetrack-local",
    "cache_tags": {"Project": "tracetrack"},
    "cache_node_type": "cache.t3.micro",
    "cache_engine_version": "7.1",
    "cache_replicas": 0,
    "cache_cluster_mode": "disabled",
    "cache_shards": 1,
    "cache_transit_encryption": True,
    "cache_at_rest_encryption": True,
    "cache_snapshot_retention_days": 1,
    "cache_snapshot_window": "03:00-04:00",
    "cache_maintenance_window": "sun:05:00-sun:06:00",
    "cache_apply_immediately": False,
    "cache_wait": True,
    "cache_wait_timeout": 1800,
    "cache_final_snapshot": True,
    "cache_strict": "False",
}
CACHE_PRODUCTION = {
    **CACHE,
    "cache_name_prefix": "tracetrack-production",
    "cache_node_type": "cache.r6g.large",
    "cache_replicas": 2,
    "cache_snapshot_retention_days": 7,
    "cache_strict": "True",
}


def database(settings):
    return database_settings_errors(settings, NO_INSIGHTS)


SOUND = [(database, DATABASE), (database, DATABASE_PRODUCTION), (cache_settings_errors, CACHE), (cache_settings_errors, CACHE_PRODUCTION)]


@pytest.mark.parametrize("check, sound", SOUND, ids=["database", "database-production", "cache", "cache-production"])
def test_sound_settings_have_no_problem(check, sound):
    assert check(sound) == []


@pytest.mark.parametrize("check", [database, cache_settings_errors])
def test_the_input_must_be_the_settings_by_name(check):
    with pytest.raises(AnsibleFilterError, match="dictionary of the role's settings"):
        check(["not", "a", "dict"])


BAD_DATABASE = [
    ({"database_name_prefix": "Tracetrack"}, "database_name_prefix 'Tracetrack' must be 3-24 characters"),
    ({"database_instance_class": "t4g.micro"}, "database_instance_class 't4g.micro' must look like db.<family>.<size>"),
    ({"database_replica_instance_class": "db.r6g"}, "database_replica_instance_class 'db.r6g' must look like"),
    ({"database_engine_version": "12"}, "database_engine_version '12' must be a PostgreSQL major version (13 or later)"),
    ({"database_engine_version": "16.x"}, "database_engine_version '16.x'"),
    ({"database_engine_version": "latest"}, "database_engine_version 'latest'"),
    ({"database_read_replicas": -1}, "database_read_replicas -1 must be 0-5"),
    ({"database_read_replicas": 6}, "database_read_replicas 6 must be 0-5"),
    ({"database_allocated_storage": 10}, "database_allocated_storage 10 must be 20-65536 GiB"),
    ({"database_allocated_storage": 70000}, "database_allocated_storage 70000 must be 20-65536 GiB"),
    (
        {"database_max_allocated_storage": 20},
        "database_max_allocated_storage 20 must be 0 (no storage autoscaling) or more than the allocated storage (20 GiB)",
    ),
    ({"database_max_allocated_storage": 70000}, "database_max_allocated_storage 70000 must be 0"),
    ({"database_max_allocated_storage": -1}, "database_max_allocated_storage -1 must be 0"),
    ({"database_backup_retention_days": 0}, "database_backup_retention_days 0 must be 1-35"),
    ({"database_backup_retention_days": 36}, "database_backup_retention_days 36 must be 1-35"),
    ({"database_backup_window": "3:00-4:00"}, "database_backup_window '3:00-4:00' must be hh:mm-hh:mm"),
    ({"database_backup_window": "03:00-24:00"}, "database_backup_window '03:00-24:00' must be hh:mm-hh:mm"),
    ({"database_backup_window": "03:00-03:20"}, "database_backup_window '03:00-03:20' must last 30 minutes or more"),
    ({"database_backup_window": "03:00-03:00"}, "database_backup_window '03:00-03:00' must last 30 minutes or more"),
    ({"database_maintenance_window": "sunday:04:30-sunday:05:30"}, "database_maintenance_window 'sunday:04:30-sunday:05:30' must be ddd:hh:mm-ddd:hh:mm"),
    ({"database_maintenance_window": "sun:04:30-sun:04:50"}, "database_maintenance_window 'sun:04:30-sun:04:50' must last 30"),
    ({"database_maintenance_window": "sun:04:30-sun:04:30"}, "database_maintenance_window 'sun:04:30-sun:04:30' must last 30"),
    (
        {"database_maintenance_window": "sun:03:30-sun:04:30"},
        "database_maintenance_window 'sun:03:30-sun:04:30' overlaps the daily backup window '03:00-04:00'",
    ),
    ({"database_db_name": "1tracetrack"}, "database_db_name '1tracetrack' must be 1-63 letters"),
    ({"database_db_name": "trace-track"}, "database_db_name 'trace-track' must be 1-63 letters"),
    ({"database_db_name": "x" * 64}, "database_db_name 'xxx"),
    ({"database_db_name": "Postgres"}, "database_db_name 'Postgres' is reserved"),
    ({"database_db_name": "rdsadmin"}, "database_db_name 'rdsadmin' is reserved"),
    ({"database_ca_bundle_path": "rds.pem"}, "database_ca_bundle_path 'rds.pem' must be the absolute path"),
    ({"database_ca_bundle_path": "/etc/ssl/rds bundle.pem"}, "database_ca_bundle_path '/etc/ssl/rds bundle.pem' must be"),
    ({"database_port": 1149}, "database_port 1149 must be a whole number 1150-65535"),
    ({"database_port": 65536}, "database_port 65536 must be a whole number 1150-65535"),
    ({"database_performance_insights_retention_days": 30}, "database_performance_insights_retention_days 30 must be 7 (free)"),
    ({"database_performance_insights_retention_days": 744}, "database_performance_insights_retention_days 744 must be 7"),
    ({"database_performance_insights_enabled": True}, "database_performance_insights_enabled True asks for what RDS does not offer on db.t4g.micro (micro"),
    (
        {"database_performance_insights_enabled": "true", "database_instance_class": "db.r6g.large"},
        "database_performance_insights_enabled True asks for what RDS does not offer on db.t4g.micro",
    ),
    ({"database_parameters": {"rds.force_ssl": 0}}, "database_parameters {'rds.force_ssl': 0} must not turn rds.force_ssl off"),
    ({"database_parameters": {"rds.force_ssl": "false"}}, "database_parameters {'rds.force_ssl': 'false'} must not turn"),
    ({"database_parameters": {"work_mem": [4096]}}, "database_parameters {'work_mem': [4096]} must give each parameter a string"),
    ({"database_storage_kms_key_id": "my-key"}, "database_storage_kms_key_id 'my-key' must be empty"),
    ({"database_wait_timeout": 30}, "database_wait_timeout 30 must be 60 seconds or more"),
    ({"database_snapshots_before_change_keep": 0}, "database_snapshots_before_change_keep 0 must be a whole number 1 or more"),
]
BAD_STRICT_DATABASE = [
    ({"database_multi_az": False}, "database_multi_az False is not allowed in a strict environment"),
    ({"database_multi_az": "False"}, "database_multi_az 'False' is not allowed in a strict environment"),
    ({"database_deletion_protection": False}, "database_deletion_protection False is not allowed in a strict environment"),
    ({"database_final_snapshot": False}, "database_final_snapshot False is not allowed in a strict environment"),
    ({"database_backup_retention_days": 6}, "database_backup_retention_days 6 is not allowed in a strict environment"),
    ({"database_backup_retention_days": 0}, "database_backup_retention_days 0 must be 1-35"),
    (
        {"database_performance_insights_enabled": True, "database_replica_instance_class": "db.t4g.small"},
        "database_performance_insights_enabled True asks for what RDS does not offer on db.t4g.small",
    ),
]
BAD_CACHE = [
    ({"cache_name_prefix": "tracetrack--local"}, "cache_name_prefix 'tracetrack--local' must be 3-24 characters"),
    ({"cache_name_prefix": "tracetrack-"}, "cache_name_prefix 'tracetrack-'"),
    ({"cache_name_prefix": "a-very-long-project-name-local"}, "cache_name_prefix 'a-very-long-project-name-local'"),
    ({"cache_node_type": "t3.micro"}, "cache_node_type 't3.micro' is not an ElastiCache node type"),
    ({"cache_engine_version": "6.2"}, "cache_engine_version '6.2' must be a Redis OSS major.minor version of 7 or later"),
    ({"cache_engine_version": "7"}, "cache_engine_version '7' must be"),
    ({"cache_engine_version": 7}, "cache_engine_version 7 must be"),
    ({"cache_replicas": 6}, "cache_replicas 6 must be 0-5"),
    ({"cache_replicas": -1}, "cache_replicas -1 must be 0-5"),
    ({"cache_shards": 0}, "cache_shards 0 must be a whole number 1-500"),
    ({"cache_shards": 501, "cache_cluster_mode": "enabled"}, "cache_shards 501 must be a whole number 1-500"),
    ({"cache_shards": 3}, "cache_shards 3 must be 1 unless cluster mode is enabled"),
    ({"cache_snapshot_retention_days": 36}, "cache_snapshot_retention_days 36 must be 0 (no automatic snapshots) to 35"),
    ({"cache_snapshot_window": "03:00"}, "cache_snapshot_window '03:00' must be hh:mm-hh:mm (UTC)"),
    ({"cache_snapshot_window": "03:00-03:45"}, "cache_snapshot_window '03:00-03:45' must last at least 60 minutes"),
    ({"cache_snapshot_window": "05:30-06:30"}, "cache_snapshot_window '05:30-06:30' overlaps the weekly maintenance window 'sun:05:00-sun:06:00'"),
    ({"cache_maintenance_window": "sun:05:00"}, "cache_maintenance_window 'sun:05:00' must be ddd:hh:mm-ddd:hh:mm (UTC)"),
    ({"cache_maintenance_window": "sun:05:00-sun:05:30"}, "cache_maintenance_window 'sun:05:00-sun:05:30' must last 60 minutes to 24"),
    ({"cache_maintenance_window": "sun:05:00-mon:06:00"}, "cache_maintenance_window 'sun:05:00-mon:06:00' must last 60 minutes to 24"),
    ({"cache_maintenance_window": "sun:05:00-sun:05:00"}, "cache_maintenance_window 'sun:05:00-sun:05:00' must last 60 minutes to 24"),
    ({"cache_wait_timeout": 0}, "cache_wait_timeout 0 must be a number of seconds greater than 0"),
]
BAD_STRICT_CACHE = [
    ({"cache_replicas": 0}, "cache_replicas 0 is not allowed in a strict environment"),
    ({"cache_replicas": 9}, "cache_replicas 9 must be 0-5"),
    ({"cache_transit_encryption": False}, "cache_transit_encryption False is not allowed in a strict environment"),
    ({"cache_at_rest_encryption": "false"}, "cache_at_rest_encryption 'false' is not allowed in a strict environment"),
    ({"cache_snapshot_retention_days": 0}, "cache_snapshot_retention_days 0 is not allowed in a strict environment"),
]
BAD = (
    [(database, DATABASE, *case) for case in BAD_DATABASE]
    + [(database, DATABASE_PRODUCTION, *case) for case in BAD_STRICT_DATABASE]
    + [(cache_settings_errors, CACHE, *case) for case in BAD_CACHE]
    + [(cache_settings_errors, CACHE_PRODUCTION, *case) for case in BAD_STRICT_CACHE]
)


@pytest.mark.parametrize("check, sound, change, expected", BAD, ids=[f"{b[0].__name__}-{b[3][:60]}" for b in BAD])
def test_a_bad_setting_is_one_problem_naming_its_variable(check, sound, change, expected):
    problems = check({**sound, **change})
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


@pytest.mark.parametrize(
    "change",
    [
        {"database_engine_version": "13"},
        {"database_engine_version": "16.4"},
        {"database_engine_version": 17},
        {"database_max_allocated_storage": 21},
        {"database_max_allocated_storage": 65536},
        {"database_allocated_storage": 65536},
        {"database_performance_insights_retention_days": 31},
        {"database_performance_insights_retention_days": 713},
        {"database_performance_insights_retention_days": 731},
        {"database_parameters": {"rds.force_ssl": 1, "log_connections": True}},
        {"database_parameters": {"rds.force_ssl": "true"}},
        {"database_db_name": "Trace_Track_2"},
        {"database_maintenance_window": "SUN:04:30-SUN:05:30"},
        {"database_storage_kms_key_id": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
        {"database_storage_kms_key_id": "alias/tracetrack-db"},
        {"database_storage_kms_key_id": "mrk-1234abcd12ab34cd56ef1234567890ab"},
        {"database_performance_insights_enabled": True, "database_instance_class": "db.t4g.medium", "database_replica_instance_class": "db.t4g.medium"},
        {"database_strict": True, "database_state": "absent"},
    ],
    ids=str,
)
def test_database_settings_at_the_edges_are_sound(change):
    assert database({**DATABASE, **change}) == []


@pytest.mark.parametrize(
    "change",
    [
        {"cache_engine_version": "7.0"},
        {"cache_engine_version": "8.0"},
        {"cache_engine_version": 7.1},
        {"cache_replicas": 5},
        {"cache_shards": 500, "cache_cluster_mode": "enabled"},
        {"cache_snapshot_retention_days": 0},
        {"cache_snapshot_retention_days": 35},
        {"cache_maintenance_window": "Sun:05:00-Sun:06:00"},
        {"cache_strict": True, "cache_state": "absent", "cache_replicas": 0},
    ],
    ids=str,
)
def test_cache_settings_at_the_edges_are_sound(change):
    assert cache_settings_errors({**CACHE, **change}) == []


# The daily window against the weekly one: (daily, weekly, whether they overlap).
WINDOWS = [
    ("23:30-00:30", "mon:00:00-mon:01:00", True),  # the daily window crosses midnight into the weekly one
    ("23:30-00:30", "sun:23:00-sun:23:45", True),  # ... and the weekly one starts before midnight
    ("23:00-00:00", "mon:00:00-mon:01:00", False),  # one ends when the other starts
    ("22:00-23:00", "sun:23:30-mon:00:30", False),  # the weekly window wraps into the next week, apart from the daily one
    ("00:00-00:30", "sun:23:30-mon:00:30", True),  # ... and it meets the daily window on Monday morning
    ("03:00-04:00", "wed:03:30-wed:04:30", True),  # overlap on another day than Sunday
    ("03:00-04:00", "sat:04:00-sat:05:00", False),
    ("03:00-04:00", "tue:05:00-wed:02:59", False),  # more than 20 hours, between two daily windows
    ("03:00-04:00", "tue:05:00-wed:03:01", True),
]


@pytest.mark.parametrize("daily, weekly, overlap", WINDOWS, ids=[f"{w[0]}~{w[1]}" for w in WINDOWS])
def test_windows_overlap_across_midnight_and_the_end_of_the_week(daily, weekly, overlap):
    problems = database({**DATABASE, "database_backup_window": daily, "database_maintenance_window": weekly})
    assert problems == (
        [f"database_maintenance_window '{weekly}' overlaps the daily backup window '{daily}': RDS needs them apart (both UTC)"] if overlap else []
    )


LONG = "must last 60 minutes to 24 hours"


@pytest.mark.parametrize(
    "weekly, problem",
    [
        ("sun:23:30-mon:00:30", None),  # one hour across the end of the week
        ("sat:05:00-sun:05:01", LONG),
        ("mon:05:00-sun:06:00", LONG),  # six days
        ("sat:05:00-sun:05:00", "overlaps"),  # exactly 24 hours: long enough, but no day then has room for the snapshots
    ],
)
def test_the_cache_maintenance_window_lasts_at_most_a_day_across_the_end_of_the_week(weekly, problem):
    problems = cache_settings_errors({**CACHE, "cache_snapshot_window": "01:00-02:00", "cache_maintenance_window": weekly})
    if problem is None:
        assert problems == []
    elif problem == LONG:
        assert problems == [f"cache_maintenance_window '{weekly}' {LONG}"]
    else:
        assert problems == [f"cache_snapshot_window '01:00-02:00' overlaps the weekly maintenance window '{weekly}': ElastiCache needs them apart (both UTC)"]


def test_a_database_maintenance_window_may_last_days():
    assert database({**DATABASE, "database_backup_window": "03:00-04:00", "database_maintenance_window": "mon:04:30-sun:05:30"}) == [
        "database_maintenance_window 'mon:04:30-sun:05:30' overlaps the daily backup window '03:00-04:00': RDS needs them apart (both UTC)"
    ]


def test_a_daily_window_may_cross_midnight():
    assert database({**DATABASE, "database_backup_window": "23:45-00:15", "database_maintenance_window": "sun:04:30-sun:05:30"}) == []
    assert cache_settings_errors({**CACHE, "cache_snapshot_window": "23:30-00:30"}) == []


def test_a_bad_primary_class_that_the_replicas_inherit_is_named_once():
    problems = database_settings_errors({**DATABASE, "database_instance_class": "m5.large", "database_replica_instance_class": "m5.large"}, NO_INSIGHTS)
    assert len(problems) == 1 and problems[0].startswith("database_instance_class 'm5.large'"), problems


@pytest.mark.parametrize(
    "changes, variable",
    [
        ({"database_backup_replication_region": "Singapore"}, "database_backup_replication_region"),
        (
            {"database_backup_replication_region": "ap-southeast-1", "database_backup_replication_retention_days": 0},
            "database_backup_replication_retention_days",
        ),
        (
            {"database_backup_replication_region": "ap-southeast-1", "database_backup_replication_kms_key_id": "my key"},
            "database_backup_replication_kms_key_id",
        ),
        (
            {
                "database_backup_replication_region": "ap-southeast-1",
                "database_backup_replication_kms_key_id": "arn:aws:kms:ap-south-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab",
            },
            "database_backup_replication_kms_key_id",
        ),
    ],
)
def test_backup_replication_settings_each_give_one_problem(changes, variable):
    problems = database_settings_errors({**DATABASE, **changes}, NO_INSIGHTS)
    assert len(problems) == 1 and problems[0].startswith(variable + " "), problems


def test_backup_replication_to_a_region_with_its_key_passes():
    key = "arn:aws:kms:ap-southeast-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab"
    assert (
        database_settings_errors(
            {**DATABASE, "database_backup_replication_region": "ap-southeast-1", "database_backup_replication_kms_key_id": key}, NO_INSIGHTS
        )
        == []
    )
