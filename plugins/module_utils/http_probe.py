# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP probing for tracetrack.aws.health_check and tracetrack.aws.scaling_check.

Standard library only (urllib), and no AWS: the probe must work on a controller that has no
credentials, and it is tested on its own against a local HTTP server.

A JSON body condition is a dict with a ``path`` and one or more operators, for example
``{"path": "components.*.status", "in": ["ok", "fallback"]}``. The path is a dot-separated list of
object keys and list indexes; ``*`` stands for every member of an object or every item of a list.
A condition holds when the path selects at least one value and every selected value satisfies every
operator (``exists: false`` instead requires that it selects nothing).
"""

import json
import math
import re
import ssl
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException

# A health or metrics document is small; this bounds memory if a URL serves something else.
MAX_BODY_BYTES = 1024 * 1024
USER_AGENT = "tracetrack.aws"
OPERATORS = ("equals", "not_equals", "in", "not_in", "min", "max", "matches", "exists")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the response it is: a health check must see the 3xx, not its target."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _ssl_context(validate_certs, ca_path=None):
    if not validate_certs:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_path)


def _describe_error(error):
    reason = getattr(error, "reason", error)
    if isinstance(reason, TimeoutError) or "timed out" in str(reason).lower():
        return "timed out"
    return str(reason) or type(reason).__name__


def fetch(url, method="GET", headers=None, timeout=5.0, validate_certs=True, follow_redirects=False, use_proxy=True, ca_path=None):
    """One request. Returns a sample: status (None when no response), latency_ms, body (text) and error."""
    handlers = [urllib.request.HTTPSHandler(context=_ssl_context(validate_certs, ca_path))]
    if not use_proxy:
        handlers.append(urllib.request.ProxyHandler({}))
    if not follow_redirects:
        handlers.append(_NoRedirect())
    opener = urllib.request.build_opener(*handlers)
    request_headers = {"User-Agent": USER_AGENT, "Accept": "application/json, */*;q=0.5"}
    request_headers.update(headers or {})
    request = urllib.request.Request(url, headers=request_headers, method=method)
    started = time.monotonic()
    status = None
    body = b""
    error = None
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
            body = response.read(MAX_BODY_BYTES)
    except urllib.error.HTTPError as e:
        # Any status is an answer; whether it is the expected one is for the thresholds to say.
        status = e.code
        try:
            body = e.read(MAX_BODY_BYTES)
        except (OSError, HTTPException):
            body = b""
        finally:
            e.close()
    except (urllib.error.URLError, OSError, HTTPException, ValueError) as e:
        error = _describe_error(e)
    latency_ms = (time.monotonic() - started) * 1000.0
    return {
        "url": url,
        "status": status,
        "latency_ms": round(latency_ms, 1),
        "body": body.decode("utf-8", errors="replace"),
        "error": error,
    }


def percentile(values, fraction):
    """Nearest-rank percentile: the smallest sample that at least ``fraction`` of the samples do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(math.ceil(round(fraction * len(ordered), 9))))
    return ordered[rank - 1]


def latency_summary(values):
    if not values:
        return {"min": None, "p50": None, "p95": None, "max": None, "mean": None}
    return {
        "min": round(min(values), 1),
        "p50": round(percentile(values, 0.50), 1),
        "p95": round(percentile(values, 0.95), 1),
        "max": round(max(values), 1),
        "mean": round(sum(values) / len(values), 1),
    }


# JSON body conditions ---------------------------------------------------------------------------


def _show(value):
    return json.dumps(value, sort_keys=True, default=str)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def same_value(actual, expected):
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    return actual == expected


def parse_path(path):
    if not isinstance(path, str) or not path.strip():
        raise ValueError("a condition needs a non-empty path")
    parts = path.strip().split(".")
    if any(part == "" for part in parts):
        raise ValueError(f"path {path!r} has an empty segment")
    return parts


def select(document, path):
    """Every (concrete path, value) the path selects in the document; missing keys select nothing."""
    found = [("", document)]
    for part in parse_path(path):
        following = []
        for prefix, node in found:
            if part == "*":
                if isinstance(node, dict):
                    following.extend((_join(prefix, key), value) for key, value in node.items())
                elif isinstance(node, list):
                    following.extend((_join(prefix, str(index)), value) for index, value in enumerate(node))
            elif isinstance(node, dict):
                if part in node:
                    following.append((_join(prefix, part), node[part]))
            elif isinstance(node, list) and re.fullmatch(r"-?[0-9]+", part):
                index = int(part)
                if -len(node) <= index < len(node):
                    following.append((_join(prefix, part), node[index]))
        found = following
    return found


def _join(prefix, part):
    return f"{prefix}.{part}" if prefix else part


def validate_condition(condition):
    """Raise ValueError unless the condition has a path, known operators and at least one of them set."""
    if not isinstance(condition, dict):
        raise ValueError(f"a condition must be a dict, not {_show(condition)}")
    parse_path(condition.get("path"))
    unknown = sorted(set(condition) - set(OPERATORS) - {"path"})
    if unknown:
        raise ValueError(f"condition on {condition['path']!r}: unknown keys {unknown}; use {list(OPERATORS)}")
    operators = [name for name in OPERATORS if condition.get(name) is not None]
    if not operators:
        raise ValueError(f"condition on {condition['path']!r} sets none of {list(OPERATORS)}")
    for name in ("in", "not_in"):
        if condition.get(name) is not None and not isinstance(condition[name], list):
            raise ValueError(f"condition on {condition['path']!r}: {name} must be a list")
    for name in ("min", "max"):
        if condition.get(name) is not None and not _is_number(condition[name]):
            raise ValueError(f"condition on {condition['path']!r}: {name} must be a number")
    if condition.get("matches") is not None:
        try:
            re.compile(condition["matches"])
        except (re.error, TypeError) as e:
            raise ValueError(f"condition on {condition['path']!r}: matches is not a regular expression: {e}") from e


def _check_value(where, value, condition):
    """Messages for each operator the value breaks."""
    broken = []
    if condition.get("equals") is not None and not same_value(value, condition["equals"]):
        broken.append(f"{where} is {_show(value)}, expected {_show(condition['equals'])}")
    if condition.get("not_equals") is not None and same_value(value, condition["not_equals"]):
        broken.append(f"{where} is {_show(value)}, expected anything else")
    if condition.get("in") is not None and not any(same_value(value, item) for item in condition["in"]):
        broken.append(f"{where} is {_show(value)}, expected one of {_show(condition['in'])}")
    if condition.get("not_in") is not None and any(same_value(value, item) for item in condition["not_in"]):
        broken.append(f"{where} is {_show(value)}, expected none of {_show(condition['not_in'])}")
    for name, word, fails in (("min", "at least", lambda a, b: a < b), ("max", "at most", lambda a, b: a > b)):
        limit = condition.get(name)
        if limit is None:
            continue
        if not _is_number(value):
            broken.append(f"{where} is {_show(value)}, expected a number {word} {limit:g}")
        elif fails(value, limit):
            broken.append(f"{where} is {value:g}, expected {word} {limit:g}")
    if condition.get("matches") is not None:
        text = value if isinstance(value, str) else _show(value)
        if not re.search(condition["matches"], text):
            broken.append(f"{where} is {_show(value)}, expected to match {_show(condition['matches'])}")
    return broken


def check_condition(document, condition):
    """The messages of every way the document breaks the condition (empty when it holds)."""
    validate_condition(condition)
    selected = select(document, condition["path"])
    exists = condition.get("exists")
    if exists is False:
        return [f"{where} is present" for where, _value in selected]
    if not selected:
        return [f"{condition['path']} is missing"]
    broken = []
    for where, value in selected:
        broken.extend(_check_value(where, value, condition))
    return broken


# Targets and thresholds -------------------------------------------------------------------------


# Stands for a body that did not parse, so that a JSON null body stays distinguishable.
_NOT_JSON = object()


def _format_ms(value):
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")


def evaluate(url, samples, expected_status=(200,), max_p95_latency_ms=None, conditions=None):
    """Judge one target's samples against the thresholds. Returns the target's result dict."""
    expected_status = list(expected_status or [])
    statuses = [s["status"] for s in samples]
    answered = [s for s in samples if s["status"] is not None]
    latencies = [s["latency_ms"] for s in answered]
    broken = []

    errors = sorted({s["error"] for s in samples if s["error"]})
    failed = len(samples) - len(answered)
    if failed:
        broken.append(
            {
                "threshold": "connection",
                "message": f"request failed: {'; '.join(errors)} ({failed} of {len(samples)} samples)",
            }
        )

    wrong = [status for status in statuses if status is not None and status not in expected_status]
    if wrong:
        seen = ", ".join(str(status) for status in sorted(set(wrong)))
        broken.append(
            {
                "threshold": "status",
                "message": f"status {seen} not in {expected_status} ({len(wrong)} of {len(samples)} samples)",
            }
        )

    summary = latency_summary(latencies)
    if max_p95_latency_ms is not None and summary["p95"] is not None and summary["p95"] > max_p95_latency_ms:
        broken.append(
            {
                "threshold": "p95_latency",
                "message": f"p95 latency {_format_ms(summary['p95'])} ms > {max_p95_latency_ms:g} ms",
            }
        )

    document = None
    documents = []
    for sample in answered:
        try:
            documents.append(json.loads(sample["body"]))
        except ValueError:
            documents.append(_NOT_JSON)
    parsed = [d for d in documents if d is not _NOT_JSON]
    if parsed:
        document = parsed[-1]
    if conditions and answered:
        not_json = len(documents) - len(parsed)
        if not_json:
            broken.append(
                {
                    "threshold": "condition",
                    "message": f"body is not JSON ({not_json} of {len(answered)} samples)",
                }
            )
        messages = {}
        for parsed_document in parsed:
            for condition in conditions:
                for message in check_condition(parsed_document, condition):
                    messages[message] = messages.get(message, 0) + 1
        for message, count in messages.items():
            suffix = f" ({count} of {len(parsed)} samples)" if count != len(parsed) else ""
            broken.append({"threshold": "condition", "message": message + suffix})

    return {
        "url": url,
        "healthy": not broken,
        "samples": len(samples),
        "status_codes": statuses,
        "latency_ms": summary,
        "errors": errors,
        "json": document,
        "broken_thresholds": broken,
    }


def sample_target(url, samples, fetch_options, delay_between=0.0, sleep=time.sleep):
    """Samples of one target, one after another, so that they measure latency rather than queueing."""
    results = []
    for index in range(samples):
        if index and delay_between:
            sleep(delay_between)
        results.append(fetch(url, **fetch_options))
    return results


def sample_targets(urls, samples, fetch_options, concurrency=8):
    """Sample several targets in parallel (one worker per target, at most ``concurrency``)."""
    if not urls:
        return {}
    workers = max(1, min(concurrency, len(urls)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {url: pool.submit(sample_target, url, samples, fetch_options) for url in urls}
        return {url: future.result() for url, future in futures.items()}


def backoff_delays(delay, max_delay, factor=2.0):
    """delay, delay*2, delay*4, ... capped at max_delay."""
    current = delay
    while True:
        yield min(current, max_delay)
        current *= factor


def retry_until_healthy(attempt, timeout, delay=1.0, max_delay=15.0, sleep=time.sleep, clock=time.monotonic):
    """Call ``attempt(number)`` until it returns a healthy result or ``timeout`` seconds have passed.

    ``attempt`` returns ``(healthy, result)``. The last try happens at the deadline, so a timeout of 0
    means one try. Returns ``(healthy, result, attempts, elapsed_seconds)``.
    """
    started = clock()
    deadline = started + max(0.0, timeout)
    delays = backoff_delays(delay, max_delay)
    number = 0
    while True:
        number += 1
        healthy, result = attempt(number)
        remaining = deadline - clock()
        if healthy or remaining <= 0:
            return healthy, result, number, round(clock() - started, 3)
        sleep(min(next(delays), remaining))
