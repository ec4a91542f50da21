"""Request recorder that keeps a summary of each AWS call in memory, never on disk.

moto's recorder (/moto-api/recorder/*) appends every request, bodies and headers included, to a
file: secrets and credentials would end up on disk. Tests only need to know which operations ran,
so this recorder keeps, per request, the service, the operation and the HTTP method, in memory.
The endpoints stay the same: reset-recording, start-recording, stop-recording, download-recording
(JSON lines of {"service", "operation", "method", "path"}).
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
def rest_operations(service: str) -> list[tuple[str, re.Pattern, str]]:
    """(method, path pattern, operation) of a REST-protocol service, most specific path first."""
    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown service name: its requests stay unnamed
        return []
    operations = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?")[0]
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        operations.append((len(uri), http.get("method", "POST"), re.compile(f"^{pattern}/?$"), name))
    operations.sort(key=lambda item: -item[0])
    return [operation[1:] for operation in operations]


def rest_operation(service: str, method: str, path: str) -> str:
    """The operation of a REST request (CloudFront, X-Ray, ...), from the service's API model."""
    for wanted_method, pattern, name in rest_operations(service):
        if wanted_method == method and pattern.match(path):
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
        operation = rest_operation(service, request.method, path)
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
