"""The machine's PostgreSQL behind an emulator of a test's own: its RDS instances stand for that server (extension
local_endpoints), and what a test makes there is dropped afterwards."""

import contextlib
import socket

import psycopg
import pytest

from tests.support.playbook import REPO_ROOT
from tracetrack_emulator.control import Emulator, free_loopback_port

POSTGRES = ("127.0.0.1", 5432)


def postgres_answers() -> bool:
    try:
        with socket.create_connection(POSTGRES, timeout=1):
            return True
    except OSError:
        return False


def admin(database: str = "postgres"):
    """A connection as the server's administrator (the loopback server trusts it)."""
    return psycopg.connect(host=POSTGRES[0], port=POSTGRES[1], user="postgres", dbname=database, autocommit=True)


@contextlib.contextmanager
def emulator_on_local_postgres(name_prefix: str, untested: str):
    """(emulator, name): the emulator, and the name of the role and database its test makes (`<prefix><port>`). The
    role and every database named after it (a restore's `<name>_<instance>` too) are dropped at the end. Skips the test,
    saying what is `untested`, when no PostgreSQL answers."""
    if not postgres_answers():
        pytest.skip(f"no PostgreSQL on {POSTGRES}: {untested} not tested")
    instance = Emulator(
        port=free_loopback_port(),
        state_dir=str(REPO_ROOT / ".local" / "test-emulator"),
        environment={"TRACETRACK_EMULATOR_RDS_ENDPOINT": "%s:%d" % POSTGRES},
    )
    instance.start()
    name = f"{name_prefix}{instance.port}"
    try:
        yield instance, name
    finally:
        instance.stop()
        with admin() as connection:
            made = connection.execute(r"SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s", [name, name + r"\_%"]).fetchall()
            for (database,) in made:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            # The application's roles are named after the master user (<name>_owner, <name>_app, <name>_app_a...):
            # members before the roles they belong to.
            roles = connection.execute(r"SELECT rolname FROM pg_roles WHERE rolname = %s OR rolname LIKE %s ORDER BY length(rolname) DESC",
                                       [name, name + r"\_%"]).fetchall()
            for (role,) in roles:
                connection.execute(f'DROP ROLE IF EXISTS "{role}"')
