"""WSGI entry point used by gunicorn: ``tracetrack.wsgi:app``."""

from . import create_app

app = create_app()
