"""End to end in headless Chromium on a phone-size screen: sign in, fill a parent, see the refusal, look up."""

import os
import threading

import pytest
from conftest import PASSWORD, add_user
from netutil import free_port
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} missing (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture
def live_server(make_app):
    app = make_app()
    add_user(app, "dana", "dispatcher")
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(live_server, tmp_path):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server)
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Assertions wait as long as actions: on a busy machine (the test suite's other stages run beside this one)
        # a scan's answer can take longer than expect's default of 5 s.
        sync_api.expect.set_options(timeout=15_000)
        yield page
        page.screenshot(path=str(tmp_path / "last-page.png"))
        browser.close()


def test_operator_fills_a_parent_is_refused_the_31st_and_finds_the_bag(page):
    expect = sync_api.expect
    page.goto("/scan")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Scan")).to_be_visible()

    scan_input = page.get_by_label("QR code")
    scan_input.fill("sb12345")
    scan_input.press("Enter")
    expect(page.locator("#scan-message")).to_have_text("Parent SB12345 selected.")
    expect(page.locator("#progress-text")).to_have_text("0/30")

    for n in range(1, 31):
        scan_input.fill(f"CB{20_000 + n}")
        scan_input.press("Enter")
        expect(page.locator("#progress-text")).to_have_text(f"{n}/30")

    scan_input.fill("CB29999")
    scan_input.press("Enter")
    expect(page.locator("#scan-message")).to_have_text("SB12345 is full (30/30)")
    expect(page.locator("#scan-message")).to_have_class("flash error")
    expect(page.locator("#progress-text")).to_have_text("30/30")

    page.get_by_role("link", name="Lookup").click()
    page.get_by_label("Bag or bill").fill("CB20007")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#bag-title")).to_have_text("CB20007")
    expect(page.locator("#bag-parent")).to_have_text("SB12345")
    expect(page.locator("table.history")).to_contain_text("CB20007 into SB12345")
    expect(page.locator("table.history")).to_contain_text("dana")

    page.get_by_role("link", name="SB12345").click()
    expect(page.locator("#bag-count")).to_have_text("30/30")
    expect(page.locator("#bag-status")).to_have_text("filled")
