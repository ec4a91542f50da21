"""Bills: dispatch documents that group parent bags; opened, filled, then closed."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from . import inventory
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
    with svc.db.read() as conn:
        bills = inventory.list_bills(conn)
    return render_template("bills.html", form=form, bills=bills)


@bp.route("/bills/<number>", methods=["GET", "POST"])
@require("bill")
def detail(number):
    add_form = AddParentForm()
    close_form = CloseBillForm()
    svc = services()
    if request.method == "POST":
        try:
            with svc.db.transaction() as conn:
                if request.form.get("action") == "close" and close_form.validate_on_submit():
                    inventory.close_bill(conn, number)
                    flash(f"Bill {number} closed and dispatched.", "ok")
                elif add_form.validate_on_submit():
                    inventory.add_parent_to_bill(conn, number, add_form.qr_id.data, g.actor)
                    flash(f"{add_form.qr_id.data.strip().upper()} added.", "ok")
                else:
                    flash("Enter a parent bag id such as SB12345.", "error")
        except ApiError as refusal:
            flash(refusal.message, "error")
        return redirect(url_for("bills.detail", number=number))
    with svc.db.read() as conn:
        bill = inventory.get_bill(conn, number)
    return render_template("bill.html", bill=bill, add_form=add_form, close_form=close_form)


@bp.get("/api/v1/bills")
@require("view")
def api_list():
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= 200:
        raise BadRequest("limit must be an integer between 1 and 200")
    with services().db.read() as conn:
        return {"bills": inventory.list_bills(conn, request.args.get("status"), int(limit))}


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
    with services().db.read() as conn:
        return inventory.get_bill(conn, number)


@bp.post("/api/v1/bills/<number>/parents")
@require("bill")
def api_add_parent(number):
    body = json_object()
    with services().db.transaction() as conn:
        return inventory.add_parent_to_bill(conn, number, body.get("qr_id"), g.actor)


@bp.post("/api/v1/bills/<number>/close")
@require("bill")
def api_close(number):
    with services().db.transaction() as conn:
        return inventory.close_bill(conn, number)
