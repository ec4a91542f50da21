"""OpenTelemetry traces exported over OTLP/HTTP, for the ADOT collector that runs beside the app.

Off unless ``OTEL_ENABLED`` is true. The exporter reads the standard ``OTEL_EXPORTER_OTLP_*``
variables (endpoint default ``http://localhost:4318``), so the collector address is deploy-time
configuration only.
"""

from flask import Flask

from .db import Database


def init_tracing(app: Flask, db: Database, exporter=None):
    """Instrument Flask and SQLAlchemy; ``exporter`` replaces the OTLP exporter (tests use an in-memory one)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {
            "service.name": app.config["OTEL_SERVICE_NAME"],
            "service.version": app.config["APP_VERSION"],
            "deployment.environment": app.config["TRACETRACK_ENV"],
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter()))
    # The load balancer's health checks would otherwise be most of the traces.
    FlaskInstrumentor().instrument_app(app, tracer_provider=provider, excluded_urls="/health,/metrics,/static")
    engines = [db.writer] + [engine for engine, _breaker in db.replicas()]
    for engine in engines:
        SQLAlchemyInstrumentor().instrument(engine=engine, tracer_provider=provider)
    return provider
