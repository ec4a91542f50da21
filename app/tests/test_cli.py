"""Operator commands: migrations, users, devices and the demo data set."""

import json

from conftest import PASSWORD, login
from sqlalchemy import func, select

from tracetrack.models import bags, bills, scan_events, users
from tracetrack.services import services


def test_create_admin_takes_the_password_from_the_environment_and_never_prints_it(make_app, monkeypatch):
    app = make_app()
    monkeypatch.setenv("TRACETRACK_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(args=["create-admin", "root"])
    assert result.exit_code == 0, result.output
    assert result.output == "user 'root' created with role admin\n"
    assert PASSWORD not in result.output
    assert login(app.test_client(), "root").status_code == 302
    again = app.test_cli_runner().invoke(args=["create-admin", "root"])
    assert again.exit_code == 1
    assert "use --update" in again.output


def test_create_user_prompts_for_the_password_and_rejects_short_ones(make_app, monkeypatch):
    app = make_app()
    monkeypatch.delenv("TRACETRACK_PASSWORD", raising=False)
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "sam", "--role", "biller"], input="short\nshort\n")
    assert short.exit_code == 1
    assert "at least 10 characters" in short.output
    created = runner.invoke(args=["create-user", "sam", "--role", "biller"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert created.exit_code == 0
    assert PASSWORD not in created.output
    updated = runner.invoke(
        args=["create-user", "sam", "--role", "dispatcher", "--update"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert updated.output.endswith("user 'sam' updated with role dispatcher\n")
    with app.app_context(), services().db.read() as conn:
        assert conn.execute(select(users.c.role).where(users.c.username == "sam")).scalar_one() == "dispatcher"


def test_create_device_prints_a_working_key_once(make_app):
    app = make_app()
    result = app.test_cli_runner().invoke(args=["create-device", "dock-7"])
    key = result.output.strip()
    assert key.startswith("tt_")
    assert app.test_client().get("/api/v1/me", headers={"X-API-Key": key}).get_json()["name"] == "dock-7"
    duplicate = app.test_cli_runner().invoke(args=["create-device", "dock-7"])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output


def test_seed_builds_a_consistent_data_set_once(make_app, monkeypatch):
    monkeypatch.setenv("SEED_USER_PASSWORD", PASSWORD)
    app = make_app()
    result = app.test_cli_runner().invoke(args=["seed", "--bags", "2000", "--days", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context(), services().db.read() as conn:
        total = conn.execute(select(func.count()).select_from(bags)).scalar_one()
        roles = set(conn.execute(select(users.c.role)).scalars())
        over_capacity = conn.execute(select(func.count()).where(bags.c.child_count > 30)).scalar_one()
        holder = bags.alias()
        mismatched = conn.execute(
            select(func.count()).where(
                bags.c.kind == "parent",
                bags.c.child_count != select(func.count()).where(holder.c.parent_id == bags.c.id).scalar_subquery(),
            )
        ).scalar_one()
        closed_bills = conn.execute(select(func.count()).where(bills.c.status == "closed")).scalar_one()
        events = conn.execute(select(func.count()).select_from(scan_events)).scalar_one()
    assert total >= 2000
    assert roles == {"admin", "dispatcher", "biller"}
    assert over_capacity == 0
    assert mismatched == 0
    assert closed_bills > 0
    assert events > total
    assert login(app.test_client(), "dispatcher1").status_code == 302
    again = app.test_cli_runner().invoke(args=["seed", "--bags", "100"])
    assert "nothing seeded" in again.output


def test_db_upgrade_reports_the_schema_at_head(make_app):
    result = make_app().test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 0
    assert result.output == "database schema is at head\n"


def test_resetting_a_user_from_the_command_line_ends_their_sessions(make_app, monkeypatch):
    app = make_app()
    monkeypatch.setenv("TRACETRACK_PASSWORD", PASSWORD)
    app.test_cli_runner().invoke(args=["create-user", "sam", "--role", "dispatcher"])
    client = app.test_client()
    login(client, "sam")
    assert client.get("/api/v1/me").status_code == 200
    result = app.test_cli_runner().invoke(args=["create-user", "sam", "--role", "biller", "--update"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me").status_code == 401


def test_create_device_refuses_names_the_scanners_cannot_use(make_app):
    result = make_app().test_cli_runner().invoke(args=["create-device", "dock 7"])
    assert result.exit_code == 1
    assert "the device name must be 1-64 letters" in result.output


def test_check_prints_the_revision_and_the_rows_of_each_table(make_app):
    app = make_app()
    app.test_cli_runner().invoke(args=["create-device", "dock-9"])
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["at_head"] is True
    assert report["revision"] == report["head"]
    assert report["tables"]["devices"] == 1
    assert report["tables"]["scan_events"] == 0
    assert "alembic_version" in report["tables"]


def test_check_of_another_database_names_it_and_fails_when_it_has_no_schema(make_app, tmp_path):
    app = make_app()
    empty = tmp_path / "empty.db"
    result = app.test_cli_runner().invoke(args=["check", "--database-name", str(empty)])
    assert result.exit_code == 1
    report = json.loads(result.output.splitlines()[0])
    assert report["database"] == str(empty)
    assert report["revision"] is None and report["tables"] == {}
    assert "not" in result.output.splitlines()[-1]
