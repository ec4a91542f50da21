"""Migrations apply and roll back cleanly on both databases, and match the table definitions."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import TEST_DATABASE_URL, base_config, needs_postgres
from sqlalchemy import create_engine, inspect, text

from tracetrack import migrate
from tracetrack.config import finalize, from_environ
from tracetrack.db import make_engine
from tracetrack.models import metadata


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
