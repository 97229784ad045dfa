"""The web chat and the privacy dashboard in a real browser (headless Chromium from
Debian's packages, driven by Playwright; no browser download).

Set OPENTELLER_SCREENSHOTS=1 to refresh the screenshots in docs/screenshots/.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from openteller.bootstrap import App
from openteller.ingest.registry import build_readers
from openteller.web.app import create_app
from tests.db import make_settings
from tests.samples import fixture

CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI needs Debian's chromium at /usr/bin/chromium", pytrace=False)
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, App]]:
    folder = tmp_path_factory.mktemp("web")
    app = App(make_settings(f"sqlite:///{folder}/bank.db", None, folder))
    app.init()
    readers = build_readers()
    for name in ("ofx/ofxparse__checking.ofx", "ofx/ofxparse__anzcc.ofx"):
        assert app.ingest.ingest_file(fixture(name), "alice", readers).status == "ok"
    app.consents.grant(
        "alice", channel="messenger", purposes=["customer_questions"], scopes=["balances"]
    )
    api = create_app(app, worker=False)
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180  # a fresh machine trains the model at start
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    token = api.state.sessions.issue("alice")
    yield f"http://127.0.0.1:{port}", token, app
    server.should_exit = True
    thread.join(timeout=10)
    app.close()


@pytest.fixture(scope="module")
def page(site: tuple[str, str, App]) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 900, "height": 800})
        yield context.new_page()
        browser.close()


def shot(page: Page, name: str) -> None:
    if os.environ.get("OPENTELLER_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / name), full_page=True)


def test_chat_answers_offers_choices_and_draws_a_chart(
    site: tuple[str, str, App], page: Page
) -> None:
    url, token, _app = site
    page.goto(f"{url}/chat")
    expect(page.get_by_text("Please sign in")).to_be_visible()
    page.goto(f"{url}/chat/login?token={token}")
    box = page.get_by_label("Your question")
    expect(box).to_be_focused()
    box.fill("what's my balance?")
    box.press("Enter")
    expect(page.locator("li.bank").last).to_contain_text("available")
    box.fill("hi")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("button", name="Recent transactions").click()
    expect(page.locator("li.bank").last).to_contain_text("Your latest")
    box.fill("break down my spending in April 2011")
    box.press("Enter")
    chart = page.locator("li.bank img").last
    expect(chart).to_be_visible()
    assert chart.get_attribute("alt") == "Chart of your spending"
    shot(page, "web-chat.png")


def test_dashboard_shows_the_trail_and_revokes_a_consent(
    site: tuple[str, str, App], page: Page
) -> None:
    url, token, app = site
    page.goto(f"{url}/chat/login?token={token}")
    page.goto(f"{url}/privacy")
    consents = page.locator("#consents")
    expect(consents).to_contain_text("messenger")
    expect(consents).to_contain_text("Authorised")
    expect(page.locator("#trail")).to_contain_text("bank_web")
    shot(page, "privacy-dashboard.png")
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("#consents")).to_contain_text("Revoked")
    assert [v.status.value for v in app.consents.list("alice")] == ["Revoked"]
