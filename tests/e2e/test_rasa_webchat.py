"""Two widgets in Chromium against the web app: rasa-webchat 1.0.1 from npm, unmodified (the widely used Rasa
widget), and our own widget.js. A scripted assistant stands in for Rasa, so no models are needed and the file runs
in seconds. It proves that bot_uttered has the shape of Rasa's socketio channel (rasa-webchat draws it as text and
quick replies instead of an empty bubble) and still carries what our widget shows: sources, product card, quick
replies, feedback, staff and system authors, history after a reload.

Needs `make browser` (scripts/browser.sh: Debian's Chromium, rasa-webchat in var/npm). Screenshots go to
var/test-artifacts/."""
from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, Route as BrowserRoute, expect
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Route

from bot.adapters.sql.conversations import SqlConversationStore
from bot.container import Container
from bot.services.conversations import ChatService
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.staff_users import hash_password
from tests.conftest import DEMO_STORE, ROOT
from tests.e2e.conftest import ARTIFACTS
from tests.fakes import ScriptedAssistant
from tests.serving import served

WEBCHAT_BUNDLE = ROOT / "var" / "npm" / "node_modules" / "rasa-webchat" / "lib" / "index.js"  # its UMD bundle
STAFF_PASSWORD = "dana-test-password"

GREET = "/greet"
PRICE = "How much are the trail running shoes?"
SIZES = "Which sizes do they come in?"
SIZE_9 = '/choose{"item_id": "5938526121"}'
PERSON = "I want to talk to a person"
STAFF_LINE = "Hi, I'm Dana. The size 9 fits true to size."
SCRIPT = {
    GREET: [{"text": "Hi! Ask me about our products.", "metadata": {"kind": "greet"}}],
    # sources only in the metadata (not in the text): our widget must find them in metadata.shopbot
    PRICE: [{"text": "The **Trail Running Shoes** (black, 9) cost $129.95 and are in stock.",
             "metadata": {"kind": "product_fact", "product_id": "8605995000",
                          "sources": [{"kind": "variant", "id": "5938526121", "title": "Trail Running Shoes",
                                       "section": ""}]}}],
    SIZES: [{"text": "Which size would you like?", "metadata": {"kind": "clarify"},
             "buttons": [{"title": "Size 9", "payload": SIZE_9},
                         {"title": "Size 10", "payload": '/choose{"item_id": "9010130253"}'}]}],
    SIZE_9: [{"text": "Size 9 (black) costs $129.95 and is in stock.", "metadata": {"kind": "product_fact"}}],
    PERSON: [{"text": "I'll ask a person from our team to help.", "metadata": {"kind": "handoff"}}],
}

TEST_PAGES = "/test-pages/"  # this test's own routes, in front of the web app; nothing is added to the product
RASA_WEBCHAT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rasa-webchat against shopbot</title></head>
<body><h1>Another site with rasa-webchat</h1>
<script src="/test-pages/rasa-webchat.js"></script>
<script>
  WebChat.default({socketUrl: location.origin, socketPath: "/socket.io/", initPayload: "/greet",
                   title: "Shop assistant", customMessageDelay: () => 0, params: {storage: "session"}}, null);
</script></body></html>"""


def with_test_pages(app):
    """The web app plus a page with rasa-webchat and its bundle, on the app's own origin: its socket.io keeps
    refusing other origins (no SHOPBOT_WEB_ALLOWED_ORIGINS here)."""
    pages = Starlette(routes=[
        Route(TEST_PAGES + "rasa-webchat.html", lambda request: HTMLResponse(RASA_WEBCHAT_PAGE)),
        Route(TEST_PAGES + "rasa-webchat.js",
              lambda request: FileResponse(WEBCHAT_BUNDLE, media_type="text/javascript")),
    ])

    async def asgi(scope, receive, send):
        mine = scope["type"] == "http" and scope["path"].startswith(TEST_PAGES)
        await (pages if mine else app)(scope, receive, send)

    return asgi


@pytest.fixture(scope="module")
def webapp(tmp_path_factory):
    if not WEBCHAT_BUNDLE.exists():
        pytest.fail(f"{WEBCHAT_BUNDLE} is missing: run `make browser` (scripts/browser.sh installs rasa-webchat)")
    tmp = tmp_path_factory.mktemp("webchat")
    settings = Settings(store_dir=DEMO_STORE, database_url=f"sqlite:///{tmp / 'shop.db'}", shop_name="Test Shop",
                        llm_enabled=False, web_allowed_origins="")
    conversations = SqlConversationStore(settings.resolved_database_url())
    conversations.add_staff("dana", hash_password(STAFF_PASSWORD))
    container = Container(settings)
    container.__dict__["chat"] = ChatService(conversations, ScriptedAssistant(SCRIPT))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served(with_test_pages(create_app(container))) as url:
        yield url


@pytest.fixture
def local_only(page: Page, webapp):
    """Nothing leaves the machine (rasa-webchat's stylesheet imports a web font): requests elsewhere fail fast."""
    def only_ours(route: BrowserRoute):
        if route.request.url.startswith(webapp):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", only_ours)
    return page


def staff_take_over_and_reply(url: str, session_id: str, text: str) -> None:
    """Dana takes the conversation over in the staff console's API and replies."""
    client = httpx.Client(base_url=url, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").text).group(1)
    login = client.post("/staff/login", data={"username": "dana", "password": STAFF_PASSWORD, "csrf_token": token})
    assert login.status_code == 303, login.text
    csrf = {"X-CSRF-Token": re.search(r'data-csrf="([^"]+)"', client.get("/staff").text).group(1)}
    base = f"/staff/api/conversations/{session_id}"
    assert client.post(f"{base}/take", headers=csrf).status_code == 200
    assert client.post(f"{base}/reply", headers=csrf, json={"text": text}).status_code == 200


# ------------------------------------------------------------------------------------------- rasa-webchat


def webchat_say(page: Page, text: str) -> None:
    page.locator(".rw-new-message").fill(text)
    page.keyboard.press("Enter")


def test_rasa_webchat_draws_our_answers_as_text_and_quick_replies(local_only: Page, webapp):
    page = local_only
    page.goto(webapp + TEST_PAGES + "rasa-webchat.html")
    page.locator(".rw-launcher").click()
    answers = page.locator(".rw-response .rw-message-text")
    expect(answers.first).to_have_text("Hi! Ask me about our products.")  # the reply to its initPayload

    webchat_say(page, PRICE)
    expect(answers.nth(1)).to_have_text("The Trail Running Shoes (black, 9) cost $129.95 and are in stock.")
    expect(answers.nth(1).locator("strong")).to_have_text("Trail Running Shoes")  # its own markdown

    webchat_say(page, SIZES)
    expect(answers.nth(2)).to_have_text("Which size would you like?")
    replies = page.locator(".rw-replies .rw-reply")
    expect(replies).to_have_text(["Size 9", "Size 10"])
    page.screenshot(path=str(ARTIFACTS / "rasa-webchat-quick-replies.png"))
    replies.first.click()  # sends the button's payload
    expect(answers.nth(3)).to_have_text("Size 9 (black) costs $129.95 and is in stock.")

    webchat_say(page, PERSON)  # the bot's line, then the web app's wait notice (author "system")
    expect(answers.nth(5)).to_contain_text(re.compile(r"expected wait about \d+ minutes?"))
    session_id = page.evaluate("JSON.parse(sessionStorage.getItem('chat_session')).session_id")
    staff_take_over_and_reply(webapp, session_id, STAFF_LINE)
    expect(answers.last).to_have_text(STAFF_LINE)
    expect(answers.nth(6)).to_contain_text("dana from our team has joined")

    texts = answers.all_inner_texts()
    assert len(texts) == 8 and all(t.strip() for t in texts), texts  # no empty bubble anywhere
    page.screenshot(path=str(ARTIFACTS / "rasa-webchat-answers.png"))


# ----------------------------------------------------------------------------------------- our own widget


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#shopbot-root")).to_have_attribute("data-state", "connected", timeout=15_000)
    if page.locator("#shopbot-panel").is_hidden():
        page.locator("#shopbot-launcher").click()
    expect(page.locator("#shopbot-panel")).to_be_visible()


def widget_say(page: Page, text: str) -> None:
    page.locator("#shopbot-input").fill(text)
    page.keyboard.press("Enter")


def test_our_widget_still_draws_sources_card_quick_replies_feedback_and_authors(local_only: Page, webapp):
    page = local_only
    open_widget(page, webapp)
    bots = page.locator('.shopbot-msg[data-author="bot"]')

    widget_say(page, PRICE)
    answer = bots.first
    expect(answer.locator(".shopbot-text")).to_have_text("The Trail Running Shoes (black, 9) cost $129.95 and are "
                                                         "in stock.")
    expect(answer.locator(".shopbot-text strong")).to_have_text("Trail Running Shoes")
    expect(answer.locator(".shopbot-sources")).to_have_text("Source: Trail Running Shoes")  # from the metadata
    card = answer.locator(".shopbot-product-card")
    expect(card.locator(".shopbot-product-name")).to_have_text("Trail Running Shoes")
    expect(card.locator(".shopbot-product-price")).to_have_text("$124.99 - $131.95")  # in-stock variants
    expect(card.locator(".shopbot-product-stock")).to_have_text("In stock")
    expect(card.locator("a.shopbot-product-link")).to_have_attribute("href", "/products/8605995000")
    expect(page.locator("#shopbot-typing")).to_be_hidden()
    answer.locator('button.shopbot-feedback[data-value="up"]').click()
    expect(answer.locator('button.shopbot-feedback[data-value="up"]')).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(ARTIFACTS / "widget-fake-answer.png"))

    widget_say(page, SIZES)
    expect(bots.nth(1).locator(".shopbot-quick-reply")).to_have_text(["Size 9", "Size 10"])
    bots.nth(1).locator(".shopbot-quick-reply").first.click()
    expect(bots.nth(2).locator(".shopbot-text")).to_have_text("Size 9 (black) costs $129.95 and is in stock.")
    expect(page.locator('.shopbot-msg[data-author="shopper"]').last).to_have_text(re.compile("Size 9$"))

    widget_say(page, PERSON)
    notice = page.locator('.shopbot-msg[data-author="system"]')
    expect(notice.first).to_contain_text(re.compile(r"expected wait about \d+ minutes?"))
    staff_take_over_and_reply(webapp, page.evaluate("localStorage.getItem('shopbot.session_id')"), STAFF_LINE)
    staff = page.locator('.shopbot-msg[data-author="staff"]')
    expect(staff.locator(".shopbot-author")).to_have_text("Support agent")
    expect(staff.locator(".shopbot-text")).to_have_text(STAFF_LINE)
    expect(notice.last).to_contain_text("dana from our team has joined")
    expect(staff.locator(".shopbot-feedback")).to_have_count(0)  # thumbs are for the assistant's answers
    page.screenshot(path=str(ARTIFACTS / "widget-fake-staff.png"))

    page.reload()  # the history comes back in the same shape, with the stored thumbs up
    expect(page.locator("#shopbot-root")).to_have_attribute("data-state", "connected", timeout=15_000)
    expect(bots).to_have_count(4)
    expect(bots.first.locator(".shopbot-sources")).to_have_text("Source: Trail Running Shoes")
    expect(bots.first.locator('button.shopbot-feedback[data-value="up"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator('.shopbot-msg[data-author="staff"] .shopbot-text')).to_have_text(STAFF_LINE)
    expect(page.locator('.shopbot-msg[data-author="system"]')).to_have_count(2)
    expect(page.locator(".shopbot-quick-reply")).to_have_count(0)  # answered ones stay gone
