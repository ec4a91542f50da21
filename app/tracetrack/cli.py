"""Operator commands: ``python -m tracetrack <command>`` (or ``flask --app tracetrack.wsgi <command>``)."""

import contextlib
import json
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from . import auth, bootstrap, dbusers, migrate, seed
from .db import DatabaseUnavailable
from .models import ROLES, users
from .services import services

PASSWORD_ENV = "TRACETRACK_PASSWORD"  # noqa: S105 (the variable's name, not a password)
MIN_PASSWORD_LENGTH = auth.MIN_PASSWORD_LENGTH


class CommandError(click.ClickException):
    """A refusal with its own exit code (``Error: <message>`` on stderr)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def _database_error(exc: SQLAlchemyError, consequence: str = "") -> CommandError:
    """Exit code 1 with the driver's first line only: SQLAlchemy's own text would list the statement's parameters."""
    detail = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
    return CommandError(f"database error ({detail}){consequence}", 1)


def _password() -> str:
    """From the environment (for automation) or a hidden prompt; never echoed or printed."""
    password = os.environ.get(PASSWORD_ENV) or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = auth.password_problem(password)
    if problem:
        raise click.ClickException(problem)
    return password


@click.command("db-upgrade")
@with_appcontext
def db_upgrade():
    """Apply database migrations (alembic upgrade head)."""
    migrate.upgrade(current_app.config)
    click.echo("database schema is at head")


@click.command("db-users")
@with_appcontext
@click.option("--retire", is_flag=True, help="Take the login away from the other application login and end its sessions.")
@click.option("--database-host", default=None, help="Another server than DATABASE_URL's (a restored instance): grant and retire there.")
@click.option("--database-port", type=int, default=None, help="Its port (default: DATABASE_URL's).")
@click.option("--database-name", default=None, help="Its database (default: DATABASE_URL's).")
def db_users(retire, database_host, database_port, database_name):
    """The database's roles: the schema's owner, the application role (data access, no DDL) and its login.

    \b
    DATABASE_ADMIN_USERNAME / DATABASE_ADMIN_PASSWORD   the master user, which makes the others
    DATABASE_OWNER_USERNAME / DATABASE_OWNER_PASSWORD   the schema's owner, as which migrations run
    DATABASE_APP_ROLE                                   the application role (no login)
    DATABASE_URL                                        the application login and its password
    DATABASE_APP_OTHER_USERNAME                         the login the previous rotation used (--retire)

    With --database-host (a database restored from a snapshot, which no service uses yet): the roles are made as they
    are now there - both the grant and the retire, as its logins still have the passwords of the snapshot's time.

    Prints one JSON line (what changed; names only, never a password). Exit codes: 0 done (changed or not),
    1 database unavailable or an error, 2 invalid input.
    """
    if not current_app.config["DATABASE_URL"].startswith("postgresql"):
        # The embedded database (SQLite) has no roles: there is nothing to make.
        click.echo(json.dumps({"changed": False, "changes": [], "skipped": "DATABASE_URL is not PostgreSQL"}, separators=(",", ":")))
        return
    try:
        roles = dbusers.read_inputs(os.environ, current_app.config["DATABASE_URL"])
    except ValueError as exc:  # dbusers.InvalidInput, or a DATABASE_URL whose port is not a number
        raise CommandError(str(exc), 2) from None
    with contextlib.redirect_stdout(sys.stderr):
        try:
            if database_host:
                target = {"host": database_host, "port": database_port, "database": database_name}
                changes = dbusers.grant(current_app.config, roles, target) + dbusers.retire(current_app.config, roles, target)
            else:
                changes = (dbusers.retire if retire else dbusers.grant)(current_app.config, roles)
        except SQLAlchemyError as exc:
            raise _database_error(exc) from None
    click.echo(json.dumps({"changed": bool(changes), "changes": changes}, separators=(",", ":")))


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--update", is_flag=True, help="Set the password and role of an existing user instead.")
def create_user(username, role, update):
    """Create a user. The password comes from $TRACETRACK_PASSWORD or a prompt."""
    _save_user(username, role, update)


@click.command("create-admin")
@with_appcontext
@click.argument("username")
@click.option("--update", is_flag=True, help="Reset the password of an existing user and make it an admin.")
def create_admin(username, update):
    """Create an administrator. The password comes from $TRACETRACK_PASSWORD or a prompt."""
    _save_user(username, "admin", update)


def _save_user(username: str, role: str, update: bool) -> None:
    if not auth.USERNAME.fullmatch(username):
        raise click.ClickException(f"the username must be {auth.USERNAME_RULE}")
    password = _password()
    with auth.identity_transaction() as (conn, changes):
        exists = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        if exists and not update:
            raise click.ClickException(f"user {username!r} exists; use --update to reset it")
        if exists:
            # Like every change to a user, this ends their open sessions.
            auth.set_password(conn, changes, exists.id, password, role=role, active=True)
        else:
            auth.create_user(conn, username, password, role)
    click.echo(f"user {username!r} {'updated' if exists else 'created'} with role {role}")


@click.command("create-device")
@with_appcontext
@click.argument("name")
def create_device(name):
    """Register a scanner device and print its API key (shown only this once)."""
    if not auth.DEVICE_NAME.fullmatch(name):
        raise click.ClickException(f"the device name must be {auth.DEVICE_NAME_RULE}")
    try:
        with services().db.transaction() as conn:
            key = auth.create_device(conn, name)
    except IntegrityError as exc:
        raise click.ClickException(f"device {name!r} already exists") from exc
    click.echo(key)


@click.command("seed")
@with_appcontext
@click.option("--bags", "bag_total", default=25_000, show_default=True, help="Bags to create (parents + children).")
@click.option("--days", default=14, show_default=True, help="Spread the scan history over this many days.")
@click.option("--random-seed", default=7, show_default=True)
def seed_command(bag_total, days, random_seed):
    """Fill an empty database with a realistic data set (users of each role, devices, bags, bills)."""
    summary = seed.seed(
        services().db,
        bag_total=bag_total,
        days=days,
        random_seed=random_seed,
        password=os.environ.get("SEED_USER_PASSWORD"),
    )
    click.echo(", ".join(f"{value} {name}" for name, value in summary.items()))


@click.command("bootstrap")
@with_appcontext
def bootstrap_command():
    """Administrator account and scanner devices from the environment; idempotent, for every release.

    \b
    TRACETRACK_ADMIN_USERNAME  the administrator (default admin)
    TRACETRACK_ADMIN_PASSWORD  its password (required)
    TRACETRACK_SCANNER_KEYS    JSON object {"device-name": "api-key", ...} (unset: devices are left alone)

    Prints one JSON line (names only, never a password or key). Exit codes: 0 done (changed or not),
    1 database unavailable or its schema not at head, 2 invalid input, 3 input in conflict with the
    database (a device of that name or with that key registered by hand).
    """
    try:
        inputs = bootstrap.read_inputs(os.environ)
    except bootstrap.InvalidInput as exc:
        raise CommandError(str(exc), 2) from None
    # stdout carries the summary line only: log lines (JSON, to stdout) go to stderr meanwhile.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            problem = migrate.schema_problem(current_app.config)
            if problem:
                raise CommandError(problem, 1)
            with auth.identity_transaction() as (conn, changes):
                summary = bootstrap.apply(conn, changes, inputs)
        except bootstrap.Conflict as exc:
            raise CommandError(str(exc), 3) from None
        except DatabaseUnavailable as exc:
            raise CommandError(f"{exc}; nothing was changed", 1) from None
        except SQLAlchemyError as exc:
            raise _database_error(exc, "; nothing was changed") from None
        if not services().cache.shared and summary["changed"]:
            bootstrap.log.warning(
                "bootstrap without REDIS_URL: services that cache identities in Redis accept replaced "
                "passwords' sessions and replaced keys until those entries expire",
                extra={"expires_within_seconds": auth.ACTOR_CACHE_SECONDS},
            )
    click.echo(json.dumps(summary, separators=(",", ":")))


@click.command("check")
@with_appcontext
@click.option("--database-host", default=None, help="Check this server instead of DATABASE_URL's (same user and password).")
@click.option("--database-port", type=int, default=None, help="Its port (default: DATABASE_URL's).")
@click.option("--database-name", default=None, help="Its database (default: DATABASE_URL's).")
def check_command(database_host, database_port, database_name):
    """Print one JSON line: the database checked, its migration revision and the head, and the rows of each table.

    \b
    The options point the check at another server with the same credentials - a database restored from a snapshot,
    before the application is switched to it - so that no password is ever passed on a command line.
    Exit codes: 0 the schema is at head, 1 it is not or the database cannot be read.
    """
    with contextlib.redirect_stdout(sys.stderr):
        try:
            report = migrate.check_report(current_app.config, database_host, database_port, database_name)
        except SQLAlchemyError as exc:
            raise _database_error(exc) from None
    click.echo(json.dumps(report, separators=(",", ":"), sort_keys=True))
    if not report["at_head"]:
        raise CommandError(f"the database schema is at revision {report['revision'] or 'none'}, not {report['head']}", 1)


def register(app: Flask) -> None:
    for command in (db_upgrade, db_users, create_user, create_admin, create_device, seed_command, bootstrap_command, check_command):
        app.cli.add_command(command)
