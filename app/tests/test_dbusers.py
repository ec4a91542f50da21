"""`db-users` on PostgreSQL as RDS starts it: a master user with CREATEROLE (and pg_signal_backend, as RDS's
rds_superuser has), a database it owns. The owner owns the schema and migrates; the application logs in with data
access only; a rotation moves it to the other login, and retiring refuses the old one."""

import json
import uuid

import psycopg
import pytest
from click.testing import CliRunner
from conftest import TEST_DATABASE_URL, base_config, needs_postgres
from sqlalchemy.engine import make_url

from tracetrack import create_app, dbusers, migrate
from tracetrack.cli import db_users
from tracetrack.config import finalize, from_environ

PASSWORDS = {"master": "master-Secret-1", "owner": "owner-Secret-2", "a": "app-Secret-3", "b": "app-Secret-4"}


def admin():
    url = make_url(TEST_DATABASE_URL)
    return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database, autocommit=True)


def connect(database: dict, user: str, password: str):
    return psycopg.connect(host=database["host"], port=database["port"], user=user, password=password,
                           dbname=database["name"], autocommit=True, connect_timeout=5)


@pytest.fixture
def rds():
    """A database and master user as CreateDBInstance makes them; every role named after it is dropped at the end."""
    needs_postgres()
    name = f"ttrds_{uuid.uuid4().hex[:8]}"
    url = make_url(TEST_DATABASE_URL)
    with admin() as conn:
        conn.execute(f"CREATE ROLE {name} WITH LOGIN CREATEROLE PASSWORD '{PASSWORDS['master']}'")
        conn.execute(f"GRANT pg_signal_backend TO {name}")
        conn.execute(f"CREATE DATABASE {name} OWNER {name}")
    database = {"name": name, "host": url.host, "port": url.port or 5432}
    yield database
    with admin() as conn:
        for (database,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [name + "%"]).fetchall():
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s ORDER BY length(rolname) DESC", [name + "%"]).fetchall():
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def environ(database: dict, login: str, other: str = "") -> dict:
    name = database["name"]
    return {
        "DATABASE_URL": f"postgresql://{name}_app_{login}:{PASSWORDS[login]}@{database['host']}:{database['port']}/{name}",
        "DATABASE_ADMIN_USERNAME": name,
        "DATABASE_ADMIN_PASSWORD": PASSWORDS["master"],
        "DATABASE_OWNER_USERNAME": f"{name}_owner",
        "DATABASE_OWNER_PASSWORD": PASSWORDS["owner"],
        "DATABASE_APP_ROLE": f"{name}_app",
        "DATABASE_APP_OTHER_USERNAME": f"{name}_app_{other}" if other else "",
    }


def settings(tmp_path, env: dict) -> dict:
    derived = from_environ(env, str(tmp_path))
    config = derived | base_config(tmp_path, DB_AUTO_MIGRATE=False)
    config.update(DATABASE_URL=derived["DATABASE_URL"], DATABASE_MIGRATION_URL=derived["DATABASE_MIGRATION_URL"])
    finalize(config)
    return config


def owners(database: dict, name: str | None = None) -> set[str]:
    """Who owns the tables, sequences and schema of `name` (default: the instance's own database)."""
    with connect(database | {"name": name or database["name"]}, database["name"], PASSWORDS["master"]) as conn:
        rows = conn.execute("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname = 'public' AND relkind IN ('r', 'S')").fetchall()
        schema = conn.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'").fetchone()[0]
    return {row[0] for row in rows} | {f"schema:{schema}"}


def test_the_application_logs_in_with_data_access_only_and_the_owner_migrates(rds, tmp_path, monkeypatch):
    name = rds["name"]
    # An older release migrated as the master user: its tables are handed over to the owner.
    older = settings(tmp_path, environ(rds, "a") | {"DATABASE_URL": environ(rds, "a")["DATABASE_URL"].replace(f"{name}_app_a:{PASSWORDS['a']}", f"{name}:{PASSWORDS['master']}")})
    older["DATABASE_MIGRATION_URL"] = ""
    migrate.upgrade(older, "0001")
    assert owners(rds) == {name, f"schema:pg_database_owner"}

    env = environ(rds, "a")
    config = settings(tmp_path, env)
    changes = dbusers.grant(config, dbusers.read_inputs(env, config["DATABASE_URL"]))
    assert f"created login {name}_owner" in changes and f"created login {name}_app_a" in changes, changes
    assert any(change.startswith("table public.users now owned by") for change in changes), changes
    # The migrations run as the owner (DATABASE_URL with the owner's login), and what they make is the owner's.
    assert make_url(config["DATABASE_MIGRATION_URL"]).username == f"{name}_owner"
    migrate.upgrade(config)
    assert owners(rds) == {f"{name}_owner", f"schema:{name}_owner"}

    with connect(rds, f"{name}_app_a", PASSWORDS["a"]) as conn:
        conn.execute("INSERT INTO users (username, password_hash, role, active, created_at, session_version) "
                     "VALUES ('u', 'x', 'admin', true, now(), 1)")
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        conn.execute("UPDATE users SET active = false")
        conn.execute("DELETE FROM users")
        for statement in ("CREATE TABLE mine (id int)", "DROP TABLE users", "TRUNCATE users", "ALTER TABLE users ADD COLUMN x int"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)

    # The application itself runs with that login: a request that writes works.
    app = create_app(config | {"DB_AUTO_MIGRATE": False})
    assert migrate.schema_problem(app.config) is None
    app.extensions["tracetrack"].db.dispose()

    # Again with nothing new: no change, and the statements never carried a password (a SCRAM verifier instead).
    assert dbusers.grant(config, dbusers.read_inputs(env, config["DATABASE_URL"])) == []


def test_a_rotation_moves_to_the_other_login_and_retiring_refuses_the_old_one(rds, tmp_path):
    name = rds["name"]
    first = environ(rds, "a")
    config = settings(tmp_path, first)
    dbusers.grant(config, dbusers.read_inputs(first, config["DATABASE_URL"]))
    migrate.upgrade(config)
    running = connect(rds, f"{name}_app_a", PASSWORDS["a"])  # a task of the running release

    rotated = environ(rds, "b", other="a")
    config = settings(tmp_path, rotated)
    changes = dbusers.grant(config, dbusers.read_inputs(rotated, config["DATABASE_URL"]))
    assert f"created login {name}_app_b" in changes
    # Both logins work until the services run with the new one: the running task goes on.
    assert running.execute("SELECT count(*) FROM bags").fetchone()[0] == 0
    with connect(rds, f"{name}_app_b", PASSWORDS["b"]) as conn:
        conn.execute("SELECT count(*) FROM bags")

    result = CliRunner().invoke(db_users, ["--retire"], env=rotated, obj=_script_info(config))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["changed"] and f"{name}_app_a can no longer log in" in summary["changes"]
    assert PASSWORDS["master"] not in result.output and PASSWORDS["b"] not in result.output
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        connect(rds, f"{name}_app_a", PASSWORDS["a"])
    assert running.closed or _ended(running)
    # The next rotation returns to the first login: it may log in again, with its new password.
    PASSWORDS["a2"] = "app-Secret-5"
    back = environ(rds, "a", other="b") | {"DATABASE_URL": environ(rds, "a")["DATABASE_URL"].replace(PASSWORDS["a"], PASSWORDS["a2"])}
    config = settings(tmp_path, back)
    assert f"allowed {name}_app_a to log in" in dbusers.grant(config, dbusers.read_inputs(back, config["DATABASE_URL"]))


def _ended(connection) -> bool:
    try:
        connection.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False


def _script_info(config):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: create_app(config))


@pytest.mark.parametrize(("change", "message"), [
    ({"DATABASE_ADMIN_PASSWORD": ""}, "DATABASE_ADMIN_PASSWORD must be set"),
    ({"DATABASE_APP_ROLE": "app; DROP"}, "DATABASE_APP_ROLE must be a PostgreSQL role name"),
    ({"DATABASE_OWNER_USERNAME": "same"}, "five different roles"),
])
def test_bad_input_is_refused_before_any_statement(change, message, tmp_path):
    env = environ({"name": "db", "host": "127.0.0.1", "port": 9}, "a") | change
    if change.get("DATABASE_OWNER_USERNAME") == "same":
        env["DATABASE_OWNER_USERNAME"] = "db_app_a"
    with pytest.raises(dbusers.InvalidInput, match=message):
        dbusers.read_inputs(env, settings(tmp_path, env)["DATABASE_URL"])


def test_the_embedded_database_has_no_roles_to_make(tmp_path):
    config = base_config(tmp_path)
    result = CliRunner().invoke(db_users, [], env={}, obj=_script_info(config))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {"changed": False, "changes": [], "skipped": "DATABASE_URL is not PostgreSQL"}


def test_a_restored_database_gets_the_roles_as_they_are_now(rds, tmp_path):
    """--database-host/--database-name: the grant and the retire on another database (a restore no service uses yet);
    DATABASE_URL's own database is not touched."""
    name = rds["name"]
    restored = f"{name}_restored"
    with admin() as conn:
        conn.execute(f"CREATE DATABASE {restored} OWNER {name}")
    # The snapshot's schema as an older release left it: made by the master user.
    older = settings(tmp_path, environ(rds, "a"))
    older.update(DATABASE_URL=f"postgresql+psycopg://{name}:{PASSWORDS['master']}@{rds['host']}:{rds['port']}/{restored}", DATABASE_MIGRATION_URL="")
    migrate.upgrade(older)
    rotated = environ(rds, "b", other="a")
    result = CliRunner().invoke(db_users, ["--database-host", rds["host"], "--database-port", str(rds["port"]), "--database-name", restored],
                                env=rotated, obj=_script_info(settings(tmp_path, rotated)))
    assert result.exit_code == 0, result.output
    changes = json.loads(result.output.strip().splitlines()[-1])["changes"]
    assert "table public.users now owned by " + f"{name}_owner" in changes and f"created login {name}_app_b" in changes, changes
    assert owners(rds, restored) == {f"{name}_owner", f"schema:{name}_owner"}
    assert owners(rds) == {"schema:pg_database_owner"}, "DATABASE_URL's database is left as it was"
