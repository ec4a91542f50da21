"""Schema migrations with Alembic; the scripts live in ``app/migrations``."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from .db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(app_config: dict) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["tracetrack_config"] = app_config
    return config


def migration_url(app_config: dict) -> str:
    """Where migrations connect: DATABASE_MIGRATION_URL (the role that owns the schema), else DATABASE_URL."""
    return app_config.get("DATABASE_MIGRATION_URL") or app_config["DATABASE_URL"]


def upgrade(app_config: dict, revision: str = "head") -> None:
    schema = app_config["DATABASE_SCHEMA"]
    if schema and migration_url(app_config).startswith("postgresql"):
        engine = make_engine(migration_url(app_config), app_config, purpose="migration")
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        engine.dispose()
    command.upgrade(alembic_config(app_config), revision)


def downgrade(app_config: dict, revision: str = "base") -> None:
    command.downgrade(alembic_config(app_config), revision)


def schema_problem(app_config: dict) -> str | None:
    """None when the database is at the latest revision, else what is wrong and what to run."""
    head = ScriptDirectory.from_config(alembic_config(app_config)).get_current_head()
    engine = make_engine(app_config["DATABASE_URL"], app_config)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    if current == head:
        return None
    return f"the database schema is at revision {current or 'none'}, not {head}: run `python -m tracetrack db-upgrade`"
