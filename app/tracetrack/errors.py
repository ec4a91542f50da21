"""Error responses: JSON for the API, health and metrics paths; an HTML page for people."""

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .db import DatabaseUnavailable

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/health", "/metrics")


class ApiError(Exception):
    """A refusal the client can act on: its status, a stable code and a sentence saying why."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class BadRequest(ApiError):
    def __init__(self, message: str, **details):
        super().__init__(400, "bad_request", message, **details)


class NotFound(ApiError):
    def __init__(self, message: str, **details):
        super().__init__(404, "not_found", message, **details)


class Conflict(ApiError):
    def __init__(self, code: str, message: str, **details):
        super().__init__(409, code, message, **details)


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def _respond(status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        response = jsonify(body)
    else:
        response = render_template("error.html", status=status, message=message)
    return response, status, headers or {}


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return _respond(exc.status, exc.code, exc.message, exc.details, getattr(exc, "headers", None))

    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(exc: DatabaseUnavailable):
        log.warning("database unavailable", extra={"reason": str(exc)})
        return _respond(503, exc.code, str(exc), headers={"Retry-After": str(exc.retry_after)})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        response = _respond(exc.code or 500, code, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response[2]["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        return _respond(500, "internal_error", "An unexpected error occurred; it has been logged.")


def json_object() -> dict:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    if not request.is_json:
        raise BadRequest("send a JSON object with Content-Type: application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body
