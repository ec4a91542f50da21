"""gunicorn settings, all from the environment (see README.md): ``gunicorn -c gunicorn.conf.py tracetrack.wsgi:app``."""

import os

from gunicorn.glogging import Logger

# gunicorn is how the service runs in production; the development defaults belong to ``python -m tracetrack run``.
os.environ.setdefault("TRACETRACK_ENV", "production")

bind = f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 (container port)
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
# Longer than the ALB's 60 s idle timeout, so that the load balancer, not gunicorn, closes idle connections.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
# Worker heartbeats on tmpfs: a container's overlay filesystem can stall them under I/O load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (a RAM disk, not a temp file)


class ApplicationAccessLog(Logger):
    """gunicorn's logger, minus gunicorn's access log: the application writes its own (JSON, with request ids).

    With ``logconfig_dict`` set, gunicorn counts its access log as on and, for every request, builds the
    log line's fields (every header and every WSGI environ entry) and logs them, even to a logger with no
    handler. Here it does neither.
    """

    access_log_enabled = False


# The application writes its own JSON access log (with request ids); gunicorn's would duplicate it.
accesslog = None
logger_class = ApplicationAccessLog
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "tracetrack.jsonlog.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
    "root": {"handlers": ["stdout"], "level": "WARNING"},
}
