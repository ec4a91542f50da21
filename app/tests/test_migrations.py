"""Migrations apply and roll back cleanly on both databases, and match the table definitions."""

import uuid
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import TEST_DATABASE_URL, base_config, needs_postgres
from sqlalchemy import create_engine, insert, inspect, select, text, update

from tracetrack import migrate
from tracetrack.config import finalize, from_environ
from tracetrack.db import make_engine
from tracetrack.models import devices, metadata, users


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    config = from_environ({}, str(tmp_path)) | base_config(tmp_path, DB_AUTO_MIGRATE=False)
    finalize(config)
    if request.param == "postgresql":
        needs_postgres()
        config.update(DATABASE_URL=TEST_DATABASE_URL, DATABASE_SCHEMA=f"tt_mig_{uuid.uuid4().hex[:8]}")
    yield config
    if config["DATABASE_SCHEMA"]:
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{config["DATABASE_SCHEMA"]}" CASCADE'))
        engine.dispose()


def test_upgrade_matches_the_models_and_downgrade_removes_everything(settings):
    migrate.upgrade(settings)
    engine = make_engine(settings["DATABASE_URL"], settings)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
        # The prefix-search index exists on PostgreSQL only, by design (see the migration).
        differences = [d for d in differences if not (d[0] == "add_index" and d[1].name == "ix_bags_qr_id_pattern")]
        assert differences == []
        assert {"users", "devices", "bills", "bags", "scan_events"} <= set(inspect(conn).get_table_names())
    migrate.downgrade(settings)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    engine.dispose()


def test_0002_keeps_existing_users_and_devices_and_rolls_back(settings):
    """Existing sessions count as version 0 and existing devices as registered by hand; the downgrade keeps the rows."""
    migrate.upgrade(settings, "0001")
    engine = make_engine(settings["DATABASE_URL"], settings)
    at = datetime(2026, 11, 22)
    with engine.begin() as conn:
        conn.execute(insert(users).values(username="dana", password_hash="x", role="dispatcher", created_at=at))
        conn.execute(insert(devices).values(name="dock-1", key_hash="0" * 64, created_at=at))
    migrate.upgrade(settings)
    with engine.begin() as conn:
        assert conn.execute(select(users.c.username, users.c.session_version)).all() == [("dana", 0)]
        assert conn.execute(select(devices.c.name, devices.c.managed)).all() == [("dock-1", False)]
        conn.execute(update(users).values(session_version=3))
    migrate.downgrade(settings, "0001")
    engine.dispose()
    with engine.connect() as conn:
        assert "session_version" not in {c["name"] for c in inspect(conn).get_columns("users")}
        assert "managed" not in {c["name"] for c in inspect(conn).get_columns("devices")}
        assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["dana"]
        assert conn.execute(text("SELECT name FROM devices")).scalars().all() == ["dock-1"]
    migrate.upgrade(settings)
    with engine.connect() as conn:
        assert conn.execute(select(users.c.session_version)).scalar_one() == 0
    engine.dispose()


def test_migrations_run_without_the_statement_timeout_and_with_a_short_lock_timeout(settings, monkeypatch):
    """db-upgrade connects for the migration only: statement_timeout off, lock_timeout DB_MIGRATION_LOCK_TIMEOUT_MS."""
    from tracetrack import db

    seen = []
    original = db.make_engine

    def recording(url, config, purpose="service"):
        seen.append(purpose)
        return original(url, config, purpose)

    monkeypatch.setattr(db, "make_engine", recording)
    settings.update(DB_STATEMENT_TIMEOUT_MS=1, DB_MIGRATION_LOCK_TIMEOUT_MS=1234)
    migrate.upgrade(settings)
    assert seen, "the migrations made an engine"
    assert set(seen) == {"migration"}, seen
    if settings["DATABASE_URL"].startswith("postgresql"):
        engine = original(settings["DATABASE_URL"], settings, purpose="migration")
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "1234ms"
        engine.dispose()
        # The service's own connections keep theirs (a 1 ms one would cancel their connection set-up: another value).
        service = original(settings["DATABASE_URL"], dict(settings, DB_STATEMENT_TIMEOUT_MS=4321))
        with service.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "4321ms"
        service.dispose()


def test_a_migration_role_of_its_own_is_used_when_given(settings, tmp_path):
    """DATABASE_MIGRATION_URL: the migrations run there; the service's DATABASE_URL is left alone."""
    if not settings["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("one database server: the SQLite case shows the URL choice")
    settings.update(DATABASE_MIGRATION_URL=f"sqlite:///{tmp_path}/owner.sqlite")
    migrate.upgrade(settings)
    owner = create_engine(settings["DATABASE_MIGRATION_URL"])
    with owner.connect() as conn:
        assert "users" in inspect(conn).get_table_names()
    owner.dispose()
    service = create_engine(settings["DATABASE_URL"])
    with service.connect() as conn:
        assert "users" not in inspect(conn).get_table_names()
    service.dispose()
