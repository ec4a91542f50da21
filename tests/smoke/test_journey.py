"""Smoke journey in a real browser against a deployed TraceTrack (SMOKE_URL): first sign-in to dispatch.

The steps run in order and share one browser; each one needs the previous ones (a later step is
skipped when an earlier one failed). See README.md in this folder for the variables.

What the journey leaves behind: the dispatcher user it creates is deactivated at the end (also when a
step failed); the bags and scans it makes stay, since TraceTrack has no way to delete scan history
(it is the audit trail). Its bag codes are random 8-digit ones, checked unused before each scan.
"""

import os
import re
import secrets
from dataclasses import dataclass, field

import pytest

from .conftest import FAILED, Secret, new_page

if not os.environ.get("SMOKE_URL"):
    pytest.skip(
        "SMOKE_URL is not set: the smoke journey runs against a deployed TraceTrack (see tests/smoke/README.md)",
        allow_module_level=True,
    )

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect

CHILDREN_PER_PARENT = 3
DASHBOARD_WAIT_S = 30  # the dashboard's figures are cached for a few seconds


@dataclass
class Journey:
    """What the steps create and hand on to the next ones."""

    admin_signed_in: bool = False
    dispatcher: str = ""
    dispatcher_password: Secret = Secret("")
    dispatcher_signed_in: bool = False
    scans_before: int | None = None
    parent: str = ""
    children: list[str] = field(default_factory=list)
    scanned: bool = False
    deactivated: bool = False

    def need(self, *facts: str) -> None:
        missing = [fact for fact in facts if not getattr(self, fact)]
        if missing:
            pytest.skip(f"an earlier step failed ({', '.join(missing)} missing)")


def random_code(kind: str) -> str:
    """A bag code in the application's format (SB or CB and 5-8 digits): 8 random digits, 10000000-89999999, so that
    the journey never makes a code of the range SB9... that a restore drill on the same environment counts."""
    return f"{kind}{10_000_000 + secrets.randbelow(80_000_000)}"


def unused_code(request_context, kind: str) -> str:
    """A random code no bag has yet (asked of the application; a used one is drawn again)."""
    for _attempt in range(10):
        code = random_code(kind)
        answer = request_context.get(f"/api/v1/bags/{code}")
        if answer.status == 404:
            return code
        assert answer.ok, f"GET /api/v1/bags/{code} answered {answer.status}"
    raise AssertionError("ten random bag codes in a row were taken")


def submit_sign_in(page, username: str, password: Secret) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():  # the form's answer: the dashboard, or the form again with the reason
        page.get_by_role("button", name="Sign in").click()


def sign_in(page, username: str, password: Secret) -> None:
    """Sign in and land on the dashboard; a refusal (wrong password, 429 rate limit) fails with its reason."""
    submit_sign_in(page, username, password)
    if page.get_by_role("heading", name="Today").count() == 0:
        heading = page.locator("main h1").first.inner_text()
        reason = " ".join(page.locator("main .flash").all_inner_texts())
        raise AssertionError(f"signing in as {username} failed: {heading}: {reason}")


def follow(page, link: str, path: str) -> None:
    """Click a navigation link and wait until the new page has loaded (its script included)."""
    page.get_by_role("link", name=link, exact=True).click()
    page.wait_for_url(f"**{path}")


def today_scans(page) -> int:
    return int(page.locator("#today-scans").inner_text())


@pytest.fixture(scope="module")
def journey(settings, browser, shoot):
    state = Journey()
    yield state
    if state.dispatcher and not state.deactivated:
        # A step failed before the clean-up step: deactivate the user here, in a browser of its own.
        page = new_page(browser, settings)
        try:
            sign_in(page, settings.admin_username, settings.admin_password)
            deactivate(page, state.dispatcher)
            shoot(page, "cleanup-after-failure")
        finally:
            page.context.close()


@pytest.fixture(scope="module")
def page(settings, browser):
    """The browser of the journey: the administrator, then the dispatcher."""
    page = new_page(browser, settings)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def scanner(settings, playwright):
    """The scanner device: JSON API calls with its key in X-API-Key, no browser session."""
    context = playwright.request.new_context(
        base_url=settings.url,
        extra_http_headers={"X-API-Key": settings.scanner_key},
        ignore_https_errors=settings.ignore_https_errors,
    )
    yield context
    context.dispose()


@pytest.fixture(autouse=True)
def screenshot_on_failure(request, shoot):
    yield
    if request.node.stash.get(FAILED, False) and "page" in request.fixturenames:
        shoot(request.getfixturevalue("page"), f"failed-{request.node.name.removeprefix('test_').replace('_', '-')}")


def deactivate(page, username: str) -> None:
    page.goto("/admin/users")
    page.locator("#users").get_by_role("link", name=username, exact=True).click()
    expect(page.locator("#user-title")).to_have_text(username)
    page.get_by_role("button", name=f"Deactivate {username}").click()
    expect(page.get_by_role("status").first).to_have_text(f"{username} deactivated and signed out everywhere.")
    expect(page.locator("#user-status")).to_have_text("inactive")


def test_administrator_signs_in(page, settings, journey, shoot):
    sign_in(page, settings.admin_username, settings.admin_password)
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_be_visible()
    journey.admin_signed_in = True
    shoot(page, "signed-in-admin")


def test_administrator_creates_a_dispatcher(page, journey, shoot):
    journey.need("admin_signed_in")
    follow(page, "Admin", "/admin/users")
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    shoot(page, "admin-users")
    name = f"smoke-{secrets.token_hex(4)}"
    password = Secret(secrets.token_urlsafe(18))
    form = page.locator("#new-user")
    form.get_by_label("Username").fill(name)
    form.get_by_label("Role").select_option("dispatcher")
    form.get_by_label("Initial password").fill(password)
    form.get_by_role("button", name="Create user").click()
    journey.dispatcher, journey.dispatcher_password = name, password
    expect(page.get_by_role("status").first).to_have_text(f"User {name} created with role dispatcher.")
    expect(page.locator("#users")).to_contain_text(name)
    shoot(page, "dispatcher-created")


def test_administrator_signs_out(page, journey, shoot):
    journey.need("dispatcher")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shoot(page, "signed-out-admin")


def test_dispatcher_signs_in(page, journey, shoot):
    journey.need("dispatcher")
    sign_in(page, journey.dispatcher, journey.dispatcher_password)
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    journey.scans_before = today_scans(page)
    journey.dispatcher_signed_in = True
    shoot(page, "signed-in-dispatcher")


def test_dispatcher_scans_a_parent_and_three_children(page, journey, shoot):
    journey.need("dispatcher_signed_in")
    journey.parent = unused_code(page.request, "SB")
    follow(page, "Scan", "/scan")
    scan_input = page.get_by_label("QR code")
    scan_input.fill(journey.parent)
    scan_input.press("Enter")
    expect(page.locator("#scan-message")).to_have_text(f"Parent {journey.parent} selected.")
    expect(page.locator("#progress-text")).to_have_text("0/30")
    shoot(page, "parent-scanned")
    for n in range(1, CHILDREN_PER_PARENT + 1):
        child = unused_code(page.request, "CB")
        scan_input.fill(child)
        scan_input.press("Enter")
        expect(page.locator("#scan-message")).to_have_text(f"{child} added ({n}/30).")
        expect(page.locator("#progress-text")).to_have_text(f"{n}/30")
        journey.children.append(child)
    expect(page.locator("#recent li")).to_have_count(CHILDREN_PER_PARENT)
    journey.scanned = True
    shoot(page, "three-children-scanned")


def test_lookup_shows_the_parent_its_children_and_history(page, journey, shoot):
    journey.need("scanned")
    follow(page, "Lookup", "/lookup")
    page.get_by_label("Bag or bill").fill(journey.parent)
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#bag-title")).to_have_text(journey.parent)
    expect(page.locator("#bag-count")).to_have_text(f"{CHILDREN_PER_PARENT}/30")
    page.get_by_text(f"{CHILDREN_PER_PARENT} child bags").click()  # the list is folded
    for child in journey.children:
        expect(page.locator(".chips").get_by_role("link", name=child, exact=True)).to_be_visible()
    history = page.locator("table.history tbody")
    for child in journey.children:
        expect(history).to_contain_text(f"{child} into {journey.parent}")
    expect(history).to_contain_text("parent scanned")
    expect(history.get_by_role("row").filter(has_text=journey.dispatcher)).to_have_count(CHILDREN_PER_PARENT + 1)
    shoot(page, "parent-looked-up")
    page.locator(".chips").get_by_role("link", name=journey.children[0], exact=True).click()
    expect(page.locator("#bag-parent")).to_have_text(journey.parent)
    shoot(page, "child-looked-up")


def test_dashboard_counts_todays_scans(page, journey, shoot):
    journey.need("scanned")
    follow(page, "Dashboard", "/dashboard")
    expected = journey.scans_before + 1 + CHILDREN_PER_PARENT
    # The figures are cached for a few seconds, and "today" starts again at midnight (a smaller figure).
    for _poll in range(DASHBOARD_WAIT_S // 2):
        scans = today_scans(page)
        if scans >= expected or scans < journey.scans_before:
            break
        page.wait_for_timeout(2_000)
        page.reload()
    assert scans >= expected or scans < journey.scans_before, f"today's scans: {scans}, expected at least {expected}"
    expect(page.locator("#chart-hourly rect").first).to_be_attached()
    shoot(page, "dashboard-today")


def test_scanner_device_scans_through_the_api(page, scanner, settings, journey, shoot):
    me = scanner.get("/api/v1/me")
    assert me.status == 200, f"the scanner key was refused: GET /api/v1/me answered {me.status}"
    assert me.json() == {"kind": "device", "id": me.json()["id"], "name": settings.scanner_name, "role": "device"}
    parent, child = unused_code(scanner, "SB"), unused_code(scanner, "CB")
    selected = scanner.post("/api/v1/scans/parent", data={"qr_id": parent})
    assert selected.status == 201, f"parent scan answered {selected.status}: {selected.text()[:300]}"
    assert selected.json() == {
        "parent": {"qr_id": parent, "child_count": 0, "capacity": 30, "status": "empty"},
        "created": True,
    }
    linked = scanner.post("/api/v1/scans/child", data={"qr_id": child, "parent_qr_id": parent})
    assert linked.status == 201, f"child scan answered {linked.status}: {linked.text()[:300]}"
    assert linked.json() == {
        "child": {"qr_id": child, "parent_qr_id": parent},
        "parent": {"qr_id": parent, "child_count": 1, "capacity": 30, "status": "filling"},
        "event_id": linked.json()["event_id"],
    }
    # A retry of the same scan (a double trigger, a lost answer) is not a second scan: 200 with the same result.
    repeated = scanner.post("/api/v1/scans/child", data={"qr_id": child, "parent_qr_id": parent})
    assert repeated.status == 200, f"the repeated child scan answered {repeated.status}: {repeated.text()[:300]}"
    assert repeated.json() == linked.json()
    # What the device did is on the bag's page, under its name.
    if journey.dispatcher_signed_in:
        page.goto(f"/bags/{parent}")
        expect(page.locator("#bag-count")).to_have_text("1/30")
        expect(page.locator("table.history")).to_contain_text(f"{child} into {parent}")
        expect(page.locator("table.history")).to_contain_text(f"{settings.scanner_name} (device)")
        shoot(page, "device-scans-looked-up")


def test_clean_up_deactivates_the_dispatcher(browser, page, settings, journey, shoot):
    """The administrator, in a browser of their own, deactivates the user the journey created: the
    dispatcher's open session ends on its next request and they can no longer sign in."""
    journey.need("dispatcher")
    admin_page = new_page(browser, settings)
    try:
        sign_in(admin_page, settings.admin_username, settings.admin_password)
        expect(admin_page.get_by_role("heading", name="Today")).to_be_visible()
        deactivate(admin_page, journey.dispatcher)
        journey.deactivated = True
        shoot(admin_page, "dispatcher-deactivated")
        # No sign-out here: signing out would end every session of the administrator account.
    finally:
        admin_page.context.close()
    if journey.dispatcher_signed_in:
        page.goto("/scan")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        assert re.search(r"/login\?next=/scan$", page.url), page.url
        shoot(page, "dispatcher-session-ended")
    submit_sign_in(page, journey.dispatcher, journey.dispatcher_password)
    expect(page.get_by_text("Unknown username or wrong password.")).to_be_visible()
    shoot(page, "dispatcher-sign-in-refused")
