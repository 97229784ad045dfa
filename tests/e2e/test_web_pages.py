"""The web chat and the privacy dashboard in a real browser (headless Chromium from
Debian's packages, driven by Playwright; no browser download).

Set OPENTELLER_SCREENSHOTS=1 to refresh the screenshots in docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from openteller.bootstrap import App
from openteller.ingest.registry import build_readers
from openteller.services.bank_signing import signed_headers
from openteller.web.app import create_app
from tests.db import make_settings
from tests.samples import fixture

CHROMIUM = Path("/usr/bin/chromium")
BANK_KEY, BANK_SECRET = "bank-1", "bank-secret"
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
    settings = make_settings(f"sqlite:///{folder}/bank.db", None, folder)
    settings.bank_api_keys = SecretStr(f"{BANK_KEY}:{BANK_SECRET}")
    settings.demo_login_password = SecretStr("demo-pass")  # the web chat is enabled
    app = App(settings)
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


def post_alert(url: str, data: dict[str, object]) -> httpx.Response:
    raw = json.dumps(data).encode()
    return httpx.post(
        f"{url}/bank/v1/alerts",
        content=raw,
        headers=signed_headers(BANK_KEY, BANK_SECRET.encode(), raw, uuid.uuid4().hex),
    )


def test_a_fraud_alert_arrives_live_and_no_freezes_the_card(
    site: tuple[str, str, App], page: Page
) -> None:
    url, token, app = site
    card = next(c for c in app.bank_core.cards("alice") if not c.frozen)
    last4 = card.label[-4:]
    page.goto(f"{url}/chat/login?token={token}")
    expect(page.get_by_label("Your question")).to_be_focused()
    accepted = post_alert(
        url,
        {
            "alert_id": "W-1",
            "customer": "alice",
            "card_last4": last4,
            "transaction": {"amount": "612.40", "currency": "AUD", "merchant": "GADGET HUT"},
            "reason": "unusual amount",
        },
    )
    assert accepted.status_code == 202, accepted.text
    assert "bank_web" in accepted.json()["channels"]
    notice = page.locator("li.notice")
    expect(notice).to_contain_text("was this you?", timeout=10_000)  # pushed, no reload
    expect(notice).to_contain_text(f"612.40 AUD at GADGET HUT on your card ending {last4}")
    shot(page, "web-chat-fraud-alert.png")
    notice.get_by_role("button", name="No, freeze my card").click()
    expect(page.locator("li.bank").last).to_contain_text("is now frozen")
    expect(notice.get_by_role("button", name="Yes, it was me")).to_be_disabled()
    assert [c.frozen for c in app.bank_core.cards("alice") if c.account_id == card.account_id] == [
        True
    ]
    assert app.alerts.status("W-1")["status"] == "denied"
    page.reload()
    page.wait_for_timeout(1500)  # longer than a stream's poll: it would have come again
    expect(page.locator("li.notice")).to_have_count(0)


def test_a_forged_or_foreign_button_is_refused(site: tuple[str, str, App], page: Page) -> None:
    url, token, app = site
    page.goto(f"{url}/chat/login?token={token}")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    from openteller.privacy.sealed import SealedPayloads

    foreign = SealedPayloads(app.queue_cipher).seal("web:mallory", "alert-no:W-1")
    for text in (foreign, "ot1.AAAA" + foreign[8:]):
        answer = httpx.post(f"{url}/chat/api/messages", json={"text": text}, cookies=cookies)
        assert answer.status_code == 200
        assert "expired or is not valid" in answer.json()["text"]


def test_insights_are_opt_in_and_each_kind_can_be_stopped(
    site: tuple[str, str, App], page: Page
) -> None:
    url, token, app = site
    page.goto(f"{url}/chat/login?token={token}")
    page.goto(f"{url}/privacy")
    expect(page.get_by_text("Insights are off")).to_be_visible()
    page.get_by_role("button", name="Turn insights on").click()
    rows = page.locator("#insights")
    expect(rows).to_contain_text("Duplicate charge warnings")
    page.get_by_role("button", name="Stop duplicate charge warnings").click()
    expect(page.locator("#insights tr", has_text="Duplicate charge")).to_contain_text("Stopped")
    page.get_by_label("Warn me under").fill("250")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Warn me under")).to_have_value("250")
    shot(page, "privacy-insights.png")
    choices = app.insights.settings("alice")
    assert choices["duplicate_charge"] == (True, None) and choices["low_balance"] == (False, "250")
    assert "bank_web" in page.locator("#consents").inner_text()  # the opt-in is a consent
    page.get_by_label("Warn me under").fill("lots")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("low balance threshold: a number")).to_be_visible()
    page.goto(f"{url}/privacy")
    page.get_by_role("button", name="Turn all insights off").click()
    expect(page.get_by_text("Insights are off")).to_be_visible()
