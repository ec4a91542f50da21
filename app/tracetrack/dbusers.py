"""The database's roles: who owns the schema, who the application logs in as, and who is refused.

On RDS the master user (``rds_superuser``, with CREATEROLE) is the only login the instance starts with. TraceTrack
never runs as it; ``python -m tracetrack db-users`` - a one-off task of each release and of each password rotation,
the only process that is given the master password - makes:

- the **owner** (DATABASE_OWNER_USERNAME): a login that owns the schema and every table, sequence and view in it
  (objects an older release made as the master user are handed over); migrations run as it
  (``tracetrack.migrate.migration_url``), with no statement timeout and a short lock timeout;
- the **application role** (DATABASE_APP_ROLE): no login; USAGE on the schema, SELECT, INSERT, UPDATE and DELETE on
  every table (and the tables the owner makes later: default privileges), USAGE and SELECT on every sequence. No
  CREATE, no TRUNCATE, no ownership: the application cannot change the schema or drop what it reads;
- the **application login**: DATABASE_URL's user, a member of the application role, with DATABASE_URL's password.
  Two logins take turns (``<role>_a`` and ``<role>_b``), so that a password rotation never changes the password of
  a login that running tasks use: the rotation sets the idle login's new password and points DATABASE_URL at it, the
  services are redeployed and waited for, and then ``db-users --retire`` takes the login right away from the other one
  (DATABASE_APP_OTHER_USERNAME) and ends its sessions: its password is refused from then on.

Every statement is safe to repeat: the command makes the database match its inputs and says what it changed.
"""

import base64
import hashlib
import hmac
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from .db import make_engine


class InvalidInput(ValueError):
    """A variable is missing or names a role PostgreSQL would not take."""


@dataclass(frozen=True)
class Roles:
    admin_username: str
    admin_password: str
    owner_username: str
    owner_password: str
    app_role: str
    app_username: str
    app_password: str
    other_username: str


def _name(value: str, variable: str) -> str:
    if not value or len(value) > 63 or not (value[0].isalpha() or value[0] == "_") or not all(c.isalnum() or c == "_" for c in value):
        raise InvalidInput(f"{variable} must be a PostgreSQL role name (letters, digits, underscores, at most 63), not {value!r}")
    return value


def read_inputs(environ, database_url: str) -> Roles:
    """The roles from the environment and DATABASE_URL (the application login and its password)."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise InvalidInput("DATABASE_URL must name a PostgreSQL database")
    missing = [name for name in ("DATABASE_ADMIN_USERNAME", "DATABASE_ADMIN_PASSWORD", "DATABASE_OWNER_USERNAME",
                                 "DATABASE_OWNER_PASSWORD", "DATABASE_APP_ROLE") if not environ.get(name)]
    if missing:
        raise InvalidInput(f"{', '.join(missing)} must be set")
    if not url.username or not url.password:
        raise InvalidInput("DATABASE_URL must carry the application login's user and password")
    roles = Roles(
        admin_username=_name(environ["DATABASE_ADMIN_USERNAME"], "DATABASE_ADMIN_USERNAME"),
        admin_password=environ["DATABASE_ADMIN_PASSWORD"],
        owner_username=_name(environ["DATABASE_OWNER_USERNAME"], "DATABASE_OWNER_USERNAME"),
        owner_password=environ["DATABASE_OWNER_PASSWORD"],
        app_role=_name(environ["DATABASE_APP_ROLE"], "DATABASE_APP_ROLE"),
        app_username=_name(url.username, "DATABASE_URL's user"),
        app_password=url.password,
        other_username=_name(environ["DATABASE_APP_OTHER_USERNAME"], "DATABASE_APP_OTHER_USERNAME")
        if environ.get("DATABASE_APP_OTHER_USERNAME") else "",
    )
    names = [roles.admin_username, roles.owner_username, roles.app_role, roles.app_username]
    if len(set(names)) != len(names) or roles.other_username in names:
        raise InvalidInput("the master user, the owner, the application role and its two logins must be five different roles")
    return roles


def _quote(name: str) -> str:
    return sql.Identifier(name).as_string(None)


def _literal(value: str) -> str:
    return sql.Literal(value).as_string(None)


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier of `password` (RFC 5802 and 7677, as pg_authid stores it): the statements
    send this, never the password, so that a statement log (log_min_duration_statement) cannot show one."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{encode(salt)}${encode(hashlib.sha256(client_key).digest())}:{encode(server_key)}"


def _role(conn: Connection, name: str) -> dict | None:
    row = conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    return {"login": row[0]} if row else None


def _is_member(conn: Connection, member: str, group: str) -> bool:
    return bool(conn.execute(text(
        "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member "
        "WHERE g.rolname = :g AND r.rolname = :m"), {"g": group, "m": member}).first())


def _login(conn: Connection, name: str, password: str, changes: list[str]) -> None:
    """`name` logs in with `password` (ALTER ROLE ... PASSWORD leaves the sessions it has; only new ones use it)."""
    quoted, secret, role = _quote(name), _literal(scram_verifier(password)), _role(conn, name)
    if role is None:
        conn.exec_driver_sql(f"CREATE ROLE {quoted} WITH LOGIN PASSWORD {secret}")  # noqa: S608 (quoted identifiers)
        changes.append(f"created login {name}")
    else:
        # The stored verifier cannot be compared with a password: it is set every time (no session is touched).
        if not role["login"]:
            changes.append(f"allowed {name} to log in")
        conn.exec_driver_sql(f"ALTER ROLE {quoted} WITH LOGIN PASSWORD {secret}")  # noqa: S608


def _grant_membership(conn: Connection, group: str, member: str, changes: list[str]) -> None:
    if not _is_member(conn, member, group):
        conn.exec_driver_sql(f"GRANT {_quote(group)} TO {_quote(member)}")
        changes.append(f"made {member} a member of {group}")


def _objects_not_owned(conn: Connection, schema: str, owner: str) -> list[tuple[str, str]]:
    """(kind, qualified name) of the schema's relations another role owns, tables before sequences (a table's own
    sequences follow it when it changes hands)."""
    rows = conn.execute(text(
        "SELECT c.relkind, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles o ON o.oid = c.relowner "
        "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND o.rolname <> :o "
        "ORDER BY c.relkind = 'S', c.relname"), {"s": schema, "o": owner}).all()
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE", "S": "SEQUENCE"}
    return [(kinds[kind], name) for kind, name in rows]


@contextmanager
def _as_master(config: dict, roles: Roles, target: dict | None) -> Iterator[Connection]:
    """One transaction as the master user on DATABASE_URL's database; `target` (host, port, database) points it at
    another server - an instance restored from a snapshot, whose roles still have the passwords of its time."""
    url = make_url(config["DATABASE_URL"]).set(username=roles.admin_username, password=roles.admin_password)
    url = url.set(**{key: value for key, value in (target or {}).items() if value})
    engine = make_engine(url.render_as_string(hide_password=False), config, purpose="migration")
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def grant(config: dict, roles: Roles, target: dict | None = None) -> list[str]:
    """Make the owner, the application role and the current application login as the module says; what changed."""
    changes: list[str] = []
    schema = config["DATABASE_SCHEMA"] or "public"
    owner, app_role, quoted_schema = _quote(roles.owner_username), _quote(roles.app_role), _quote(schema)
    with _as_master(config, roles, target) as conn:
        _login(conn, roles.owner_username, roles.owner_password, changes)
        # The master user hands objects over to the owner and grants on them as the owner: it must be a member.
        _grant_membership(conn, roles.owner_username, roles.admin_username, changes)
        if _role(conn, roles.app_role) is None:
            conn.exec_driver_sql(f"CREATE ROLE {app_role} WITH NOLOGIN")
            changes.append(f"created role {roles.app_role}")
        _login(conn, roles.app_username, roles.app_password, changes)
        _grant_membership(conn, roles.app_role, roles.app_username, changes)

        current = conn.execute(text(
            "SELECT o.rolname FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner WHERE n.nspname = :s"),
            {"s": schema}).scalar()
        if current is None:
            conn.exec_driver_sql(f"CREATE SCHEMA {quoted_schema} AUTHORIZATION {owner}")
            changes.append(f"created schema {schema} owned by {roles.owner_username}")
        elif current != roles.owner_username:
            conn.exec_driver_sql(f"ALTER SCHEMA {quoted_schema} OWNER TO {owner}")
            changes.append(f"schema {schema} now owned by {roles.owner_username} (was {current})")
        for kind, name in _objects_not_owned(conn, schema, roles.owner_username):
            if kind == "SEQUENCE" and not _owned_by_another(conn, name, roles.owner_username):
                continue  # its table's change of owner took it along
            conn.exec_driver_sql(f"ALTER {kind} {name} OWNER TO {owner}")
            changes.append(f"{kind.lower()} {name} now owned by {roles.owner_username}")

        before = _privileges(conn, schema, roles.app_role)
        conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {quoted_schema} FROM PUBLIC")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quoted_schema} TO {app_role}")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {quoted_schema} TO {app_role}")
        conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quoted_schema} TO {app_role}")
        conn.exec_driver_sql(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {quoted_schema} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app_role}")
        conn.exec_driver_sql(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {quoted_schema} GRANT USAGE, SELECT ON SEQUENCES TO {app_role}")
        if _privileges(conn, schema, roles.app_role) != before:
            changes.append(f"granted {roles.app_role} data access (no DDL) in schema {schema}")
    return changes


def _owned_by_another(conn: Connection, qualified: str, owner: str) -> bool:
    return bool(conn.execute(text(
        "SELECT 1 FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner WHERE c.oid = CAST(:q AS regclass) AND o.rolname <> :o"),
        {"q": qualified, "o": owner}).first())


def _privileges(conn: Connection, schema: str, role: str) -> list:
    """What `role` holds in `schema`, to tell whether the grants added anything."""
    return conn.execute(text(
        "SELECT c.relname, has_table_privilege(:r, c.oid, 'SELECT, INSERT, UPDATE, DELETE'), "
        "has_schema_privilege(:r, n.oid, 'USAGE') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 1"), {"r": role, "s": schema}).all() + \
        [conn.execute(text("SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace "
                           "WHERE n.nspname = :s"), {"s": schema}).scalar_one()]


def retire(config: dict, roles: Roles, target: dict | None = None) -> list[str]:
    """The other application login can no longer log in, and its sessions end; what changed."""
    changes: list[str] = []
    if not roles.other_username:
        return changes
    with _as_master(config, roles, target) as conn:
        other = _role(conn, roles.other_username)
        if other and other["login"]:
            conn.exec_driver_sql(f"ALTER ROLE {_quote(roles.other_username)} WITH NOLOGIN")
            changes.append(f"{roles.other_username} can no longer log in")
        ended = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = :u"),
            {"u": roles.other_username}).scalar_one()
        if ended:
            changes.append(f"ended {ended} session(s) of {roles.other_username}")
    return changes
