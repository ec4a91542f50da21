"""``python -m tracetrack <command>``: the Flask command line bound to the application factory."""

from flask.cli import FlaskGroup

from . import create_app

cli = FlaskGroup(create_app=create_app, help="TraceTrack warehouse bag tracking.")

if __name__ == "__main__":
    cli()
