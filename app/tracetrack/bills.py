"""Bills: dispatch documents that group parent bags; opened, filled, then closed."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from . import bagcache, inventory
from .auth import require
from .errors import ApiError, BadRequest, json_object
from .services import services

bp = Blueprint("bills", __name__)


class NewBillForm(FlaskForm):
    bill_number = StringField("Bill number", validators=[DataRequired(), Length(max=32)])
    expected_parent_count = IntegerField(
        "Parent bags expected",
        default=10,
        validators=[DataRequired(), NumberRange(1, inventory.MAX_EXPECTED_PARENTS)],
    )


class AddParentForm(FlaskForm):
    qr_id = StringField("Parent bag", validators=[DataRequired(), Length(max=16)])


class CloseBillForm(FlaskForm):
    pass


@bp.route("/bills", methods=["GET", "POST"])
@require("bill")
def index():
    form = NewBillForm()
    svc = services()
    if form.validate_on_submit():
        try:
            with svc.db.transaction() as conn:
                bill = inventory.create_bill(conn, form.bill_number.data, form.expected_parent_count.data, g.actor)
        except ApiError as refusal:
            flash(refusal.message, "error")
        else:
            flash(f"Bill {bill['bill_number']} opened.", "ok")
            return redirect(url_for("bills.detail", number=bill["bill_number"]))
    bills = svc.db.query(inventory.list_bills)
    return render_template("bills.html", form=form, bills=bills)


@bp.route("/bills/<number>", methods=["GET", "POST"])
@require("bill")
def detail(number):
    add_form = AddParentForm()
    close_form = CloseBillForm()
    svc = services()
    if request.method == "POST":
        try:
            if request.form.get("action") == "close" and close_form.validate_on_submit():
                _close(number)
                flash(f"Bill {number} closed and dispatched.", "ok")
            elif add_form.validate_on_submit():
                _add_parent(number, add_form.qr_id.data)
                flash(f"{add_form.qr_id.data.strip().upper()} added.", "ok")
            else:
                flash("Enter a parent bag id such as SB12345.", "error")
        except ApiError as refusal:
            flash(refusal.message, "error")
        return redirect(url_for("bills.detail", number=number))
    bill = svc.db.query(inventory.get_bill, number)
    return render_template("bill.html", bill=bill, add_form=add_form, close_form=close_form)


@bp.get("/api/v1/bills")
@require("view")
def api_list():
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= 200:
        raise BadRequest("limit must be an integer between 1 and 200")
    return {"bills": services().db.query(inventory.list_bills, request.args.get("status"), int(limit))}


@bp.post("/api/v1/bills")
@require("bill")
def api_create():
    body = json_object()
    with services().db.transaction() as conn:
        bill = inventory.create_bill(conn, body.get("bill_number"), body.get("expected_parent_count"), g.actor)
    return bill, 201


@bp.get("/api/v1/bills/<number>")
@require("view")
def api_get(number):
    return services().db.query(inventory.get_bill, number)


def _add_parent(number, qr_value) -> dict:
    """Add a parent to a bill; the parent's and its children's lookups now show the bill."""
    svc = services()
    with svc.db.transaction() as conn:
        bill = inventory.add_parent_to_bill(conn, number, qr_value, g.actor)
        changed = inventory.bag_codes(conn, parent_qr=inventory.parse_qr(qr_value, inventory.PARENT_QR))
    bagcache.forget(svc, changed)
    return bill


def _close(number) -> dict:
    """Close a bill; every parent on it and their children now show it dispatched."""
    svc = services()
    with svc.db.transaction() as conn:
        bill = inventory.close_bill(conn, number)
        changed = inventory.bag_codes(conn, bill_number=bill["bill_number"])
    bagcache.forget(svc, changed)
    return bill


@bp.post("/api/v1/bills/<number>/parents")
@require("bill")
def api_add_parent(number):
    return _add_parent(number, json_object().get("qr_id"))


@bp.post("/api/v1/bills/<number>/close")
@require("bill")
def api_close(number):
    return _close(number)
