"""Schema migrations with Alembic; the scripts live in ``app/migrations``."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import make_url

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


def check_report(app_config: dict, host: str | None = None, port: int | None = None, database: str | None = None) -> dict:
    """The database (by default DATABASE_URL's; host/port/database point elsewhere with the same credentials): where it
    is (never the password), its migration revision, the head, and the rows of each of its tables."""
    url = make_url(app_config["DATABASE_URL"])
    changes = {key: value for key, value in (("host", host), ("port", port), ("database", database)) if value}
    url = url.set(**changes)
    head = ScriptDirectory.from_config(alembic_config(app_config)).get_current_head()
    engine = make_engine(url.render_as_string(hide_password=False), app_config)
    try:
        with engine.connect() as conn:
            # DATABASE_SCHEMA, when set, is the connection's search_path (db.make_engine): the default schema here.
            revision = MigrationContext.configure(conn).get_current_revision()
            names = sorted(inspect(conn).get_table_names())
            rows = {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one() for name in names}
    finally:
        engine.dispose()
    where = f"{url.host}:{url.port}/{url.database}" if url.host else str(url.database)
    return {"database": where, "revision": revision, "head": head, "at_head": revision == head, "tables": rows}
