"""Request recorder that keeps a summary of each AWS call in memory, never on disk.

moto's recorder (/moto-api/recorder/*) appends every request, bodies and headers included, to a
file: secrets and credentials would end up on disk. Tests only need to know which operations ran,
so this recorder keeps, per request, the service, the operation and the HTTP method, in memory.
The endpoints stay the same: reset-recording, start-recording, stop-recording, download-recording
(JSON lines of {"service", "operation", "method", "path"}).
"""

import io
import json
import re
import threading
from urllib.parse import parse_qs

from moto.moto_api._internal.recorder import models as recorder_models

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


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
    path = request.path if hasattr(request, "path") else request.raw_path
    return {"service": service, "operation": operation, "method": request.method, "path": path.split("?")[0]}


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
