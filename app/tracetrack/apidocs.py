"""The OpenAPI 3.1 description of ``/api/v1``, served as JSON and as a readable page."""

from flask import Blueprint, current_app, render_template

from .models import PARENT_CAPACITY

bp = Blueprint("apidocs", __name__)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    meaning = {
        400: "Invalid input; the message says which field and why",
        401: "Not authenticated, or the API key is invalid",
        403: "The role may not do this",
        404: "Bag or bill not found",
        409: "Refused by a rule (parent full, child already linked, bill closed...)",
        429: "Rate limit reached",
        503: "Database unavailable or its circuit is open; retry after Retry-After seconds",
    }
    codes = (401, 429, 503, *statuses)
    return {str(code): _json(_ref("Error"), meaning[code]) for code in sorted(set(codes))}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _qr_param(name: str = "qr_id") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[SC]B\\d{5,8}$"}}


_BILL_PARAM = {"name": "number", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 32}}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "examples": ["parent_full"]},
                    "message": {"type": "string", "examples": ["SB12345 is full (30/30)"]},
                    "details": {"type": "object"},
                },
            }
        },
    },
    "Parent": {
        "type": "object",
        "properties": {
            "qr_id": {"type": "string", "examples": ["SB12345"]},
            "child_count": {"type": "integer", "minimum": 0, "maximum": PARENT_CAPACITY},
            "capacity": {"type": "integer", "const": PARENT_CAPACITY},
            "status": {"enum": ["empty", "filling", "filled", "billed", "dispatched"]},
        },
    },
    "Bill": {
        "type": "object",
        "properties": {
            "bill_number": {"type": "string"},
            "status": {"enum": ["open", "filled", "closed"]},
            "parent_count": {"type": "integer"},
            "expected_parent_count": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
            "parents": {"type": "array", "items": _ref("Parent")},
        },
    },
    "HistoryEntry": {
        "type": "object",
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "action": {"enum": ["parent_scan", "child_scan", "undo", "bill_add"]},
            "bag_qr_id": {"type": "string"},
            "parent_qr_id": {"type": ["string", "null"]},
            "bill_number": {"type": ["string", "null"]},
            "actor": {
                "type": "object",
                "properties": {"type": {"enum": ["user", "device"]}, "name": {"type": "string"}},
            },
            "reverted": {"type": "boolean"},
        },
    },
    "Bag": {
        "type": "object",
        "description": "Parents carry child_count, capacity, children and filled_at; children carry parent_qr_id.",
        "properties": {
            "qr_id": {"type": "string"},
            "kind": {"enum": ["parent", "child"]},
            "status": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "bill": {"type": ["object", "null"]},
            "parent_qr_id": {"type": ["string", "null"]},
            "child_count": {"type": "integer"},
            "capacity": {"type": "integer"},
            "children": {"type": "array", "items": {"type": "string"}},
            "history": {"type": "array", "items": _ref("HistoryEntry")},
        },
    },
}


_CHILD_SCAN = {
    "type": "object",
    "properties": {"child": {"type": "object"}, "parent": _ref("Parent"), "event_id": {"type": "integer"}},
}


def document(version: str) -> dict:
    scan_body = {"type": "object", "required": ["qr_id"], "properties": {"qr_id": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TraceTrack API",
            "version": version,
            "description": "Scan parent and child bags, manage bills, look bags up. Devices authenticate with "
            "X-API-Key; browsers with the session cookie plus the X-CSRFToken header on writes.",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "session": {"type": "apiKey", "in": "cookie", "name": "tracetrack_session"},
            },
            "schemas": SCHEMAS,
        },
        "paths": {
            "/api/v1/me": {
                "get": {"summary": "Who is calling", "responses": {"200": _json({}, "The caller"), **_errors()}}
            },
            "/api/v1/scans/parent": {
                "post": {
                    "summary": "Scan a parent bag (registered on first scan) and make it the current parent",
                    "requestBody": _body(scan_body),
                    "responses": {
                        "200": _json({"type": "object", "properties": {"parent": _ref("Parent")}}, "Known bag"),
                        "201": _json({"type": "object", "properties": {"parent": _ref("Parent")}}, "New bag"),
                        **_errors(400, 403, 409),
                    },
                }
            },
            "/api/v1/scans/child": {
                "post": {
                    "summary": f"Link a child bag to the current (or given) parent; at most {PARENT_CAPACITY}",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["qr_id"],
                            "properties": {"qr_id": {"type": "string"}, "parent_qr_id": {"type": "string"}},
                        }
                    ),
                    "responses": {
                        "201": _json(_CHILD_SCAN, "Linked"),
                        "200": _json(_CHILD_SCAN, "Already in this parent: the earlier scan's answer"),
                        **_errors(400, 403, 404, 409),
                    },
                }
            },
            "/api/v1/scans/undo": {
                "post": {
                    "summary": "Undo the named child scan; undoing it again changes nothing and answers the same",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "properties": {
                                "event_id": {"type": "integer", "description": "The child scan's event_id"},
                                "qr_id": {"type": "string", "description": "A child: undo its latest scan"},
                            },
                        }
                    ),
                    "responses": {"200": _json({"type": "object"}, "Undone"), **_errors(400, 403, 404, 409)},
                }
            },
            "/api/v1/scans/current": {
                "get": {
                    "summary": "The caller's current parent bag",
                    "responses": {"200": _json({"type": "object"}, "Current parent or null"), **_errors(403)},
                }
            },
            "/api/v1/bills": {
                "get": {
                    "summary": "Recent bills",
                    "parameters": [
                        {"name": "status", "in": "query", "schema": {"enum": ["open", "closed"]}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                    ],
                    "responses": {"200": _json({"type": "object"}, "Bills"), **_errors(400)},
                },
                "post": {
                    "summary": "Open a bill",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["bill_number", "expected_parent_count"],
                            "properties": {
                                "bill_number": {"type": "string"},
                                "expected_parent_count": {"type": "integer", "minimum": 1, "maximum": 500},
                            },
                        }
                    ),
                    "responses": {"201": _json(_ref("Bill"), "Opened"), **_errors(400, 403, 409)},
                },
            },
            "/api/v1/bills/{number}": {
                "get": {
                    "summary": "A bill and its parent bags",
                    "parameters": [_BILL_PARAM],
                    "responses": {"200": _json(_ref("Bill"), "The bill"), **_errors(400, 404)},
                }
            },
            "/api/v1/bills/{number}/parents": {
                "post": {
                    "summary": "Add a parent bag to an open bill",
                    "parameters": [_BILL_PARAM],
                    "requestBody": _body(scan_body),
                    "responses": {"200": _json(_ref("Bill"), "Added"), **_errors(400, 403, 404, 409)},
                }
            },
            "/api/v1/bills/{number}/close": {
                "post": {
                    "summary": "Close (dispatch) a bill",
                    "parameters": [_BILL_PARAM],
                    "responses": {"200": _json(_ref("Bill"), "Closed"), **_errors(400, 403, 404, 409)},
                }
            },
            "/api/v1/bags": {
                "get": {
                    "summary": "Search bags and bills by id prefix",
                    "parameters": [
                        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                        {"name": "kind", "in": "query", "schema": {"enum": ["parent", "child"]}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    ],
                    "responses": {"200": _json({"type": "object"}, "Matches"), **_errors(400)},
                }
            },
            "/api/v1/bags/{qr_id}": {
                "get": {
                    "summary": "A bag with its parent or children, bill and history",
                    "parameters": [_qr_param()],
                    "responses": {"200": _json(_ref("Bag"), "The bag"), **_errors(400, 404)},
                }
            },
            "/api/v1/dashboard/stats": {
                "get": {
                    "summary": "Today's figures and scan rate over time",
                    "responses": {"200": _json({"type": "object"}, "Figures"), **_errors()},
                }
            },
            "/api/v1/openapi.json": {
                "get": {"summary": "This document", "security": [], "responses": {"200": _json({}, "OpenAPI")}}
            },
        },
    }


@bp.get("/api/v1/openapi.json")
def openapi():
    return document(current_app.config["APP_VERSION"])


@bp.get("/api/docs")
def page():
    return render_template("apidocs.html", doc=document(current_app.config["APP_VERSION"]))
