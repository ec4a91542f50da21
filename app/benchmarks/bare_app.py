"""The ceiling: a bare Flask JSON endpoint served by the same gunicorn settings as the application."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return {"status": "ok"}
