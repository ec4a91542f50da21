"""Alembic environment: the database comes from the application's settings, never from alembic.ini."""

import os

from alembic import context
from flask import Flask

from tracetrack.config import from_environ
from tracetrack.db import make_engine
from tracetrack.migrate import migration_url
from tracetrack.models import metadata


def _settings() -> dict:
    settings = context.config.attributes.get("tracetrack_config")
    if settings is None:  # run by the alembic command line rather than by the application
        settings = from_environ(os.environ, Flask("tracetrack").instance_path)
    return settings


def run_migrations() -> None:
    settings = _settings()
    if context.is_offline_mode():
        context.configure(url=migration_url(settings), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    # No statement timeout, a short lock timeout (make_engine's "migration" purpose).
    engine = make_engine(migration_url(settings), settings, purpose="migration")
    try:
        with engine.connect() as connection:
            # Batch mode lets later migrations alter tables on SQLite, which has a limited ALTER TABLE.
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations()
