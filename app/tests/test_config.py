"""Settings from the environment."""

import pytest

from tracetrack import create_app
from tracetrack.config import ConfigError, from_environ, normalize_database_url


@pytest.mark.parametrize(
    ("url", "password", "expected"),
    [
        ("postgres://app@db:5432/tt", "", "postgresql+psycopg://app@db:5432/tt"),
        ("postgresql://app@db/tt", "p@ss/word", "postgresql+psycopg://app:p%40ss%2Fword@db/tt"),
        ("postgresql+psycopg://app:inurl@db/tt", "other", "postgresql+psycopg://app:inurl@db/tt"),
        ("sqlite:////tmp/x.sqlite", "ignored", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_urls_are_normalized(url, password, expected):
    assert normalize_database_url(url, password) == expected


def test_defaults_describe_an_embedded_development_setup(tmp_path):
    config = from_environ({}, str(tmp_path))
    assert config["TRACETRACK_ENV"] == "development"
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path}/tracetrack.sqlite"
    assert config["DB_AUTO_MIGRATE"] is True
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["METRICS_NAMESPACE"] == "TraceTrack/development"
    assert config["METRICS_EMF_ENABLED"] is False
    assert config["OTEL_ENABLED"] is False


def test_production_settings(tmp_path):
    config = from_environ(
        {
            "TRACETRACK_ENV": "production",
            "DATABASE_URL": "postgres://app@db/tt",
            "DATABASE_PASSWORD": "pw",
            "DB_POOL_SIZE": "4",
            "METRICS_EMF_ENABLED": "true",
        },
        str(tmp_path),
    )
    assert config["DATABASE_URL"] == "postgresql+psycopg://app:pw@db/tt"
    assert config["DB_AUTO_MIGRATE"] is False
    assert config["DB_POOL_SIZE"] == 4
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["METRICS_NAMESPACE"] == "TraceTrack/production"
    assert config["METRICS_EMF_ENABLED"] is True


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACETRACK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"})


def test_schema_names_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_SCHEMA"):
        create_app(
            {
                "TESTING": True,
                "DATABASE_SCHEMA": "x; drop table users",
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite",
            }
        )


def test_several_read_replicas_are_separated_by_commas(tmp_path):
    environ = {
        "DATABASE_READ_URL": "postgres://app@replica-1/tt, postgres://app@replica-2/tt",
        "DATABASE_PASSWORD": "pw",
    }
    config = from_environ(environ, str(tmp_path))
    assert config["DATABASE_READ_URLS"] == ["postgresql+psycopg://app:pw@replica-1/tt", "postgresql+psycopg://app:pw@replica-2/tt"]
    assert config["DATABASE_READ_URL"] == "postgresql+psycopg://app:pw@replica-1/tt"
    assert from_environ({}, str(tmp_path))["DATABASE_READ_URLS"] == []
