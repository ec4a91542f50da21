"""Settings, browser and screenshots of the smoke journey (see README.md in this folder).

Every value comes from the environment. Passwords and keys are held as ``Secret``: a ``str`` whose
``repr`` is masked, so that pytest's assertion messages cannot show them. Playwright's own error
messages can (its call logs repeat the value given to ``fill`` and the request headers), so every test
report is also redacted: each secret's value is replaced by ``<secret>`` before anything is printed.
"""

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("SMOKE_ADMIN_USERNAME", "SMOKE_ADMIN_PASSWORD", "SMOKE_SCANNER_NAME", "SMOKE_SCANNER_KEY")
# Warehouse operators use phones: the journey runs on a phone-size screen.
VIEWPORT = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
SCREENSHOT = re.compile(r"\d{2}-[a-z0-9-]+\.png")


_SECRETS: set[str] = set()


class Secret(str):
    """A password or key: usable as a string, never shown by repr, and redacted from every report."""

    __slots__ = ()

    def __new__(cls, value: str):
        secret = super().__new__(cls, value)
        if len(value) >= 4:
            # As given, and as it would appear in a URL, a form body or a JSON document.
            _SECRETS.update({value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]})
        return secret

    def __repr__(self) -> str:
        return "'<secret>'"


def redact(text: str) -> str:
    for value in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(value, "<secret>")
    return text


@dataclass(frozen=True)
class Settings:
    url: str
    admin_username: str
    admin_password: Secret
    scanner_name: str
    scanner_key: Secret
    artifacts: Path
    ignore_https_errors: bool


@pytest.fixture(scope="session")
def settings() -> Settings:
    url = os.environ.get("SMOKE_URL", "").rstrip("/")
    if not url:
        pytest.skip("SMOKE_URL is not set: the smoke journey runs against a deployed TraceTrack")
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        pytest.fail(f"SMOKE_URL is set but {', '.join(missing)} not: see tests/smoke/README.md", pytrace=False)
    artifacts = Path(os.environ.get("SMOKE_ARTIFACTS") or REPO_ROOT / ".local" / "smoke")
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.iterdir():  # the previous run's screenshots, never anything else
        if SCREENSHOT.fullmatch(old.name):
            old.unlink()
    return Settings(
        url=url,
        admin_username=os.environ["SMOKE_ADMIN_USERNAME"],
        admin_password=Secret(os.environ["SMOKE_ADMIN_PASSWORD"]),
        scanner_name=os.environ["SMOKE_SCANNER_NAME"],
        scanner_key=Secret(os.environ["SMOKE_SCANNER_KEY"]),
        artifacts=artifacts,
        ignore_https_errors=os.environ.get("SMOKE_IGNORE_HTTPS_ERRORS", "").lower() in {"1", "true", "yes"},
    )


@pytest.fixture(scope="session")
def playwright(settings):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium); no browser is downloaded", pytrace=False)
    # Assertions wait as long as actions do (a deployment far away, or a busy machine).
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


class Screenshots:
    """Numbered, descriptive screenshots: 01-signed-in-admin.png, 02-..."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0
        self.taken: list[str] = []

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path.name)
        return path


@pytest.fixture(scope="session")
def shoot(settings) -> Screenshots:
    return Screenshots(settings.artifacts)


def new_page(browser, settings: Settings):
    """A browser context of its own (its own cookies: one signed-in person) and its page."""
    context = browser.new_context(viewport=VIEWPORT, base_url=settings.url, ignore_https_errors=settings.ignore_https_errors)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    if report.longrepr is not None:
        text = str(report.longrepr)
        if redact(text) != text:
            report.longrepr = redact(text)
    report.sections = [(title, redact(content)) for title, content in report.sections]
    return report


FAILED = pytest.StashKey[bool]()
