"""CloudWatch EMF lines, OpenTelemetry spans and structured logs."""

import io
import json
import logging
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn.config import Config

from tracetrack.jsonlog import JsonFormatter
from tracetrack.telemetry import EMF_MAX_VALUES, EmfPublisher, summarize


def test_emf_document_follows_the_specification():
    stream = io.StringIO()
    publisher = EmfPublisher("TraceTrack/staging", "staging", interval=60, stream=stream)
    for latency, status in ((12.5, 200), (30.0, 201), (8.0, 409), (250.0, 503)):
        publisher.record(latency, status)
    publisher.increment("ChildScans", 2)
    publisher.flush()
    doc = json.loads(stream.getvalue())
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "TraceTrack/staging"
    assert directive["Dimensions"] == [["Service"]]
    names = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert names == {
        "RequestLatency": "Milliseconds",
        "RequestCount": "Count",
        "ServerErrors": "Count",
        "ClientErrors": "Count",
        "ChildScans": "Count",
    }
    assert doc["RequestLatency"] == [12.5, 30.0, 8.0, 250.0]
    assert (doc["RequestCount"], doc["ServerErrors"], doc["ClientErrors"], doc["ChildScans"]) == (4, 1, 1, 2)
    assert doc["Service"] == "tracetrack"
    assert isinstance(doc["_aws"]["Timestamp"], int)
    # Nothing recorded since: nothing written.
    publisher.flush()
    assert len(stream.getvalue().splitlines()) == 1


def test_many_latencies_are_summarized_within_the_emf_limit():
    values = [float(n) for n in range(1, 10_001)]
    summary = summarize(values)
    assert len(summary) == EMF_MAX_VALUES
    ordered = sorted(summary)
    assert ordered[94] == pytest.approx(9_451, abs=60)
    assert ordered[0] < 100
    assert ordered[-1] > 9_900


def test_app_writes_emf_when_enabled(make_app, capsys):
    app = make_app(METRICS_EMF_ENABLED=True, METRICS_NAMESPACE="TraceTrack/test", METRICS_FLUSH_SECONDS=3600)
    client = app.test_client()
    client.get("/api/v1/me")
    client.get("/health")
    app.extensions["tracetrack"].emf.flush()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert len(lines) == 1
    # The health check is not user traffic and stays out of the latency metric.
    assert lines[0]["RequestCount"] == 1
    assert lines[0]["ClientErrors"] == 1


def test_traces_are_exported_when_enabled(make_app):
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    app = make_app(OTEL_ENABLED=True, OTEL_SPAN_EXPORTER=exporter)
    client = app.test_client()
    client.get("/api/v1/bags/SB12345", headers={"X-API-Key": "tt_unknown"})
    client.get("/health")
    app.extensions["tracetrack"].tracer_provider.force_flush()
    spans = exporter.get_finished_spans()
    names = {span.name for span in spans}
    assert "GET /api/v1/bags/<qr_id>" in names
    assert any(span.attributes.get("db.system") == "sqlite" for span in spans)
    assert not any("/health" in span.name for span in spans)
    app.extensions["tracetrack"].tracer_provider.shutdown()


def test_log_lines_are_json_with_the_request_id(make_app, capsys):
    app = make_app(ACCESS_LOG=True)
    app.test_client().get("/api/v1/me", headers={"X-Request-ID": "req-42"})
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if "tracetrack.access" in x]
    assert line["request_id"] == "req-42"
    assert line["path"] == "/api/v1/me"
    assert line["status"] == 401
    assert line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)


def test_gunicorn_leaves_the_access_log_to_the_application(monkeypatch):
    """The server settings configure logging with ``logconfig_dict``, which alone would make gunicorn build an
    access log line for every request (every header and environ entry) for a logger that has no handler."""
    monkeypatch.setenv("TRACETRACK_ENV", "test")  # the settings file makes production the default
    config = Config()
    for name, value in runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    assert config.logconfig_dict
    logger = config.logger_class.__new__(config.logger_class)  # not set up: that would reconfigure logging here
    logger.cfg = config

    class Unread:
        def __getattr__(self, name):
            raise AssertionError(f"gunicorn read the request's {name} for its access log")

    logger.access(Unread(), Unread(), {"PATH_INFO": "/api/v1/scans/child"}, timedelta(milliseconds=3))
    assert logger.access_log_enabled is False


def test_formatter_keeps_extra_fields_and_exceptions():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("tracetrack.x", logging.ERROR, __file__, 1, "failed %s", ("once",), True)
        import sys

        record.exc_info = sys.exc_info()
    record.bag = "SB1"
    doc = json.loads(JsonFormatter().format(record))
    assert doc["message"] == "failed once"
    assert doc["bag"] == "SB1"
    assert "ValueError: boom" in doc["exception"]
