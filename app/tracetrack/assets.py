"""Static files under content-hashed URLs, so a CDN may cache them for a year.

``asset_url('app.css')`` gives ``/static/<hash>/app.css``. The hash changes with the content, so a
new release never meets a stale copy in CloudFront or a browser.
"""

import hashlib
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory, url_for

STATIC_DIR = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"

bp = Blueprint("assets", __name__)


def fingerprints() -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in sorted(STATIC_DIR.iterdir())
        if path.is_file()
    }


def asset_url(filename: str) -> str:
    return url_for(
        "assets.static_file", fingerprint=current_app.extensions["tracetrack.assets"][filename], filename=filename
    )


@bp.get("/static/<fingerprint>/<filename>")
def static_file(fingerprint, filename):
    known = current_app.extensions["tracetrack.assets"]
    if known.get(filename) is None:
        abort(404)
    response = send_from_directory(STATIC_DIR, filename, max_age=0)
    # An old fingerprint still gets the file (a page from the previous release may ask), but not for a year.
    response.headers["Cache-Control"] = IMMUTABLE if known[filename] == fingerprint else "public, max-age=60"
    return response
