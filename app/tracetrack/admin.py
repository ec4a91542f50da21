"""Administration pages (role admin only): user accounts and scanner devices.

Every view is behind the blueprint's role check and every form behind the application's CSRF check.
Every change is logged (logger ``tracetrack.admin``: who did what to whom), never with a password or
key. A device's key is shown once, in the answer to its registration, and only its digest is stored.
"""

import logging

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from . import auth
from .errors import NotFound
from .models import ROLES, devices, users
from .services import services

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _whole(pattern) -> str:
    """WTForms' Regexp matches at the start only; this makes it match the whole value."""
    return rf"(?:{pattern.pattern})\Z"


PASSWORD_RULES = [
    DataRequired(),
    Length(
        min=auth.MIN_PASSWORD_LENGTH,
        max=auth.MAX_PASSWORD_LENGTH,
        message=f"at least {auth.MIN_PASSWORD_LENGTH} and at most {auth.MAX_PASSWORD_LENGTH} characters",
    ),
]


class NewUserForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired(), Regexp(_whole(auth.USERNAME), message=auth.USERNAME_RULE)]
    )
    role = SelectField("Role", choices=list(ROLES), default="dispatcher")
    password = PasswordField("Initial password", validators=PASSWORD_RULES)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=list(ROLES))


class PasswordResetForm(FlaskForm):
    password = PasswordField("New password", validators=PASSWORD_RULES)


class ConfirmForm(FlaskForm):
    """Buttons that change something carry nothing but the CSRF token."""


class NewDeviceForm(FlaskForm):
    name = StringField(
        "Device name",
        validators=[DataRequired(), Regexp(_whole(auth.DEVICE_NAME), message=auth.DEVICE_NAME_RULE)],
    )


@bp.before_request
def admins_only():
    return auth.check_permission("admin")


def _audit(event: str, **fields) -> None:
    log.info(event, extra={"actor": f"{g.actor.kind}:{g.actor.name}", **fields})


def _form_errors(form: FlaskForm) -> None:
    for name, field_errors in form.errors.items():
        label = form[name].label.text if name in form else name
        for error in field_errors:
            flash(f"{label}: {error}", "error")


def _user(conn, user_id: int):
    row = conn.execute(
        select(users.c.id, users.c.username, users.c.role, users.c.active, users.c.created_at).where(
            users.c.id == user_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


@bp.get("/")
def index():
    return redirect(url_for("admin.user_list"))


@bp.route("/users", methods=["GET", "POST"])
def user_list():
    form = NewUserForm()
    if form.validate_on_submit():
        username = form.username.data
        try:
            with services().db.transaction() as conn:
                auth.create_user(conn, username, form.password.data, form.role.data)
        except IntegrityError:
            flash(f"User {username} already exists.", "error")
        else:
            _audit("user created", username=username, role=form.role.data)
            flash(f"User {username} created with role {form.role.data}.", "ok")
            return redirect(url_for("admin.user_list"))
    with services().db.read() as conn:
        rows = conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.active).order_by(
                users.c.active.desc(), users.c.username
            )
        ).all()
    return render_template("admin_users.html", form=form, users=rows)


@bp.get("/users/<int:user_id>")
def user_detail(user_id: int):
    with services().db.read() as conn:
        user = _user(conn, user_id)
    return render_template(
        "admin_user.html",
        user=user,
        role_form=RoleForm(role=user.role),
        password_form=PasswordResetForm(),
        confirm_form=ConfirmForm(),
        is_self=user.id == g.actor.id,
        min_password=auth.MIN_PASSWORD_LENGTH,
    )


def _change(user_id: int, event: str, refuse_self: str | None = None, password: str | None = None, **values) -> str:
    """Apply a change to a user (which ends their sessions) and log it; the user's name, or "" if refused."""
    if refuse_self and user_id == g.actor.id:
        # The acting administrator stays one: there is always at least one active administrator.
        flash(refuse_self, "error")
        return ""
    with auth.identity_transaction() as (conn, changes):
        user = _user(conn, user_id)
        if password is not None:
            version = auth.set_password(conn, changes, user_id, password, **values)
        else:
            version = auth.change_user(conn, changes, user_id, **values)
    if user_id == g.actor.id:  # their own password: this session goes on, the others end
        auth.start_session(user_id, version)
    _audit(event, username=user.username, **values)
    return user.username


@bp.post("/users/<int:user_id>/role")
def user_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("admin.user_detail", user_id=user_id))
    with services().db.read() as conn:
        user = _user(conn, user_id)
    if user.role == form.role.data:  # nothing to change: their sessions go on
        flash(f"{user.username} already has role {user.role}.", "ok")
    elif name := _change(user_id, "user role changed", "You cannot change your own role.", role=form.role.data):
        flash(f"{name} now has role {form.role.data}; their open sessions were signed out.", "ok")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    form = PasswordResetForm()
    if not form.validate_on_submit():
        _form_errors(form)
    elif name := _change(user_id, "user password reset", password=form.password.data):
        flash(f"Password of {name} reset; their open sessions were signed out.", "ok")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "error")
    elif name := _change(user_id, "user deactivated", "You cannot deactivate your own account.", active=False):
        flash(f"{name} deactivated and signed out everywhere.", "ok")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/reactivate")
def user_reactivate(user_id: int):
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "error")
    elif name := _change(user_id, "user reactivated", active=True):
        flash(f"{name} can sign in again.", "ok")
    return redirect(url_for("admin.user_detail", user_id=user_id))


def _device_list():
    with services().db.read() as conn:
        return conn.execute(
            select(devices.c.id, devices.c.name, devices.c.active, devices.c.managed, devices.c.created_at).order_by(
                devices.c.active.desc(), devices.c.name
            )
        ).all()


@bp.route("/devices", methods=["GET", "POST"])
def device_list():
    form = NewDeviceForm()
    registered = None
    if form.validate_on_submit():
        name = form.name.data
        try:
            with services().db.transaction() as conn:
                key = auth.create_device(conn, name)
        except IntegrityError:
            flash(f"Device {name} already exists.", "error")
        else:
            _audit("device registered", device=name)
            # Shown in this answer only (never flashed: the flash would travel in the session cookie).
            registered = {"name": name, "key": key}
            form = NewDeviceForm(formdata=None)
    elif form.is_submitted():
        _form_errors(form)
    return render_template(
        "admin_devices.html", form=form, devices=_device_list(), registered=registered, confirm_form=ConfirmForm()
    )


@bp.post("/devices/<int:device_id>/deactivate")
def device_deactivate(device_id: int):
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("admin.device_list"))
    with auth.identity_transaction() as (conn, changes):
        name = auth.deactivate_device(conn, changes, device_id)
    if name is None:
        flash("That device is not active.", "error")
    else:
        _audit("device deactivated", device=name)
        flash(f"Device {name} deactivated; its key is refused from now on.", "ok")
    return redirect(url_for("admin.device_list"))
