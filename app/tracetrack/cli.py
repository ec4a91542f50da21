"""Operator commands: ``python -m tracetrack <command>`` (or ``flask --app tracetrack.wsgi <command>``)."""

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import auth, migrate, seed
from .models import ROLES, users
from .services import services

PASSWORD_ENV = "TRACETRACK_PASSWORD"  # noqa: S105 (the variable's name, not a password)
MIN_PASSWORD_LENGTH = 10


def _password() -> str:
    """From the environment (for automation) or a hidden prompt; never echoed or printed."""
    password = os.environ.get(PASSWORD_ENV) or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


@click.command("db-upgrade")
@with_appcontext
def db_upgrade():
    """Apply database migrations (alembic upgrade head)."""
    migrate.upgrade(current_app.config)
    click.echo("database schema is at head")


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
    password = _password()
    with services().db.transaction() as conn:
        exists = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        if exists and not update:
            raise click.ClickException(f"user {username!r} exists; use --update to reset it")
        if exists:
            auth.set_password(conn, username, password)
            conn.execute(users.update().where(users.c.username == username).values(role=role, active=True))
        else:
            auth.create_user(conn, username, password, role)
    if exists:
        services().cache.delete(f"user:{exists.id}")
    click.echo(f"user {username!r} {'updated' if exists else 'created'} with role {role}")


@click.command("create-device")
@with_appcontext
@click.argument("name")
def create_device(name):
    """Register a scanner device and print its API key (shown only this once)."""
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


def register(app: Flask) -> None:
    for command in (db_upgrade, create_user, create_admin, create_device, seed_command):
        app.cli.add_command(command)
