"""Request recorder that keeps a summary of each AWS call in memory, never on disk.

moto's recorder (/moto-api/recorder/*) appends every request, bodies and headers included, to a
file: secrets and credentials would end up on disk. Tests only need to know which operations ran,
so this recorder keeps, per request, the service, the operation and the HTTP method, in memory.
The endpoints stay the same: reset-recording, start-recording, stop-recording, download-recording
(JSON lines of {"service", "operation", "method", "path"}, plus "throttled": true for a call the realistic profile
throttled).
"""

import functools
import io
import json
import re
import threading
from urllib.parse import parse_qs

import botocore.session

from moto.moto_api._internal.recorder import models as recorder_models

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


@functools.cache
def rest_operations(service: str) -> list[tuple[str, re.Pattern, frozenset, frozenset, str]]:
    """(method, path pattern, required query keys, required headers, operation) of a REST-protocol service.

    Most specific first: S3 PutObject and CopyObject share a path, only CopyObject requires x-amz-copy-source.
    """
    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown service name: its requests stay unnamed
        return []
    operations = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        http = operation.http
        shape = operation.input_shape
        headers = frozenset(
            shape.members[member].serialization.get("name", member).lower()
            for member in (shape.required_members if shape else [])
            if shape.members[member].serialization.get("location") == "header"
        )
        uri, _separator, query = http.get("requestUri", "/").partition("?")
        # "/{Bucket}?policy" or "?list-type=2": the query keys that tell operations on one path apart.
        required = frozenset(part.split("=")[0] for part in query.split("&") if part)
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        specificity = len(required) + len(headers)
        operations.append((specificity, len(uri), http.get("method", "POST"), re.compile(f"^{pattern}/?$"), required, headers, name))
    operations.sort(key=lambda item: (-item[0], -item[1]))
    return [operation[2:] for operation in operations]


def rest_operation(
    service: str, method: str, path: str, query_keys: frozenset = frozenset(), header_names: frozenset = frozenset()
) -> str:
    """The operation of a REST request (CloudFront, X-Ray, S3, ...), from the service's API model."""
    for wanted_method, pattern, required, headers, name in rest_operations(service):
        if wanted_method == method and required <= query_keys and headers <= header_names and pattern.match(path):
            return name
    return ""


def summarise(request, body: bytes | None = None) -> dict:
    headers = request.headers
    match = CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
    service = match.group(1) if match else ""
    target = headers.get("X-Amz-Target", "")
    operation = target.split(".")[-1] if target else ""
    if not operation:
        # Query protocol (EC2, IAM, RDS, ElastiCache, ELBv2, CloudWatch, ...): Action= in the form body.
        if body is None:
            length = int(headers.get("Content-Length") or 0)
            body = request.environ["wsgi.input"].read(length) if length else b""
            request.environ["wsgi.input"] = io.BytesIO(body)
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        action = parse_qs(body or "").get("Action") or parse_qs(request.query_string.decode()).get("Action")
        operation = action[0] if action else ""
    path = (request.path if hasattr(request, "path") else request.raw_path).split("?")[0]
    if not operation and service:
        query_keys = frozenset(parse_qs(request.query_string.decode(), keep_blank_values=True))
        header_names = frozenset(name.lower() for name in headers.keys())
        operation = rest_operation(service, request.method, path, query_keys, header_names)
    return {"service": service, "operation": operation, "method": request.method, "path": path}


_lock = threading.Lock()


def _entries(recorder) -> list:
    if not hasattr(recorder, "_summaries"):
        recorder._summaries = []
    return recorder._summaries


def _record_request(self, request, body: bytes | None = None) -> None:
    if not self._user_enabled or request.raw_path.startswith("/moto-api/"):
        return
    entry = summarise(request, body)
    with _lock:
        _entries(self).append(entry)


def record_throttled(entry: dict) -> None:
    """A call the realistic profile answered with a throttling error (extension profile_realistic): listed with
    `"throttled": true`, so that a recording tells the throttled answers from the calls that did something."""
    from moto.moto_api import recorder

    if recorder._user_enabled:
        with _lock:
            _entries(recorder).append(dict(entry, throttled=True))


def _reset_recording(self) -> None:
    with _lock:
        _entries(self).clear()


def _download_recording(self) -> str:
    with _lock:
        return "".join(json.dumps(entry) + "\n" for entry in _entries(self))


def _upload_recording(self, data) -> None:
    raise NotImplementedError("this emulator keeps only request summaries; replay is not supported")


def apply() -> None:
    # Patch the class, so that every module holding moto's recorder instance uses these methods.
    recorder_models.Recorder._record_request = _record_request
    recorder_models.Recorder.reset_recording = _reset_recording
    recorder_models.Recorder.download_recording = _download_recording
    recorder_models.Recorder.upload_recording = _upload_recording
