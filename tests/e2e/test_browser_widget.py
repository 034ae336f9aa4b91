"""A shopper in a real browser (Debian's Chromium via Playwright) on the shop, talking to the real stack
through the widget. Screenshots go to var/test-artifacts/."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS

PRICE_QUESTION = "How much is the blue M cotton crew neck t-shirt?"


def open_chat(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#shopbot-root")).to_have_attribute("data-state", "connected", timeout=15_000)
    if page.locator("#shopbot-panel").is_hidden():
        page.locator("#shopbot-launcher").click()
    expect(page.locator("#shopbot-panel")).to_be_visible()


def ask(page: Page, text: str):
    """Send like a shopper (type, Enter) and return the bot's first reply to it."""
    bots = page.locator('.shopbot-msg[data-author="bot"]')
    before = bots.count()
    page.locator("#shopbot-input").fill(text)
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('.shopbot-msg[data-author=\"bot\"]').length > n",
                           arg=before, timeout=30_000)
    expect(page.locator("#shopbot-typing")).to_be_hidden()
    return bots.nth(before)


def test_shopper_asks_a_product_question_and_keeps_the_history(page: Page, shop):
    page.goto(shop)
    expect(page.locator("li.product-card")).to_have_count(50)  # the tau store's 50 product types
    open_chat(page, shop)
    answer = ask(page, PRICE_QUESTION)
    expect(answer.locator(".shopbot-text")).to_contain_text(re.compile(r"T-Shirt .*costs \$\d+\.\d\d"))
    expect(answer.locator(".shopbot-sources")).to_contain_text("T-Shirt")
    expect(page.locator(".shopbot-typing")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "widget-answer.png"))

    answer.locator('button.shopbot-feedback[data-value="up"]').click()
    expect(answer.locator('button.shopbot-feedback[data-value="up"]')).to_have_attribute("aria-pressed", "true")

    page.reload()
    expect(page.locator("#shopbot-root")).to_have_attribute("data-state", "connected", timeout=15_000)
    expect(page.locator('.shopbot-msg[data-author="shopper"] .shopbot-text').first).to_have_text(PRICE_QUESTION)
    expect(page.locator('.shopbot-msg[data-author="bot"]').first.locator(".shopbot-text")).to_contain_text("costs $")
    page.screenshot(path=str(ARTIFACTS / "widget-after-reload.png"))


def test_another_shopper_sees_only_their_own_conversation(browser, shop):
    first, second = browser.new_context(), browser.new_context()
    try:
        alice, bob = first.new_page(), second.new_page()
        open_chat(alice, shop)
        ask(alice, "what is your return policy?")
        open_chat(bob, shop)
        expect(bob.locator(".shopbot-msg")).to_have_count(0)
        ask(bob, "hello")
        expect(alice.locator('.shopbot-msg[data-author="shopper"]')).to_have_count(1)
    finally:
        first.close()
        second.close()


def test_phone_screen_keyboard_and_a_person(browser, shop):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(shop)
        expect(page.locator("#shopbot-root")).to_have_attribute("data-state", "connected", timeout=15_000)
        page.locator("#shopbot-launcher").focus()
        page.keyboard.press("Enter")  # the launcher opens with the keyboard
        expect(page.locator("#shopbot-input")).to_be_focused()
        box = page.locator("#shopbot-panel").bounding_box()
        assert box and box["width"] >= 350  # full width on a phone
        handoff = ask(page, "I want to talk to a human")
        expect(handoff.locator(".shopbot-text")).to_contain_text("person from our team")
        page.screenshot(path=str(ARTIFACTS / "widget-phone-handoff.png"))
        page.keyboard.press("Escape")
        expect(page.locator("#shopbot-panel")).to_be_hidden()
    finally:
        context.close()


def test_a_person_takes_over_replies_live_and_hands_back(browser, shop):
    from tests.e2e.conftest import STAFF_PASSWORD

    shopper_context, staff_context = browser.new_context(), browser.new_context()
    try:
        shopper = shopper_context.new_page()
        open_chat(shopper, shop)
        ask(shopper, "Do you sell a bluetooth speaker?")
        ask(shopper, "I want to talk to a human")
        notice = shopper.locator('.shopbot-msg[data-author="system"]').last
        expect(notice).to_contain_text(re.compile(r"expected wait about \d+ minutes"))
        session_id = shopper.evaluate("localStorage.getItem('shopbot.session_id')")

        staff = staff_context.new_page()
        staff.goto(shop + "/staff")
        expect(staff).to_have_url(re.compile(r"/staff/login$"))
        staff.locator("#username").fill("dana")
        staff.locator("#password").fill(STAFF_PASSWORD)
        staff.locator("#login-submit").click()
        waiting = staff.locator(f'.queue-item[data-conversation-id="{session_id}"]')
        expect(waiting).to_contain_text("The shopper asked for a person.")
        waiting.locator("button").click()
        expect(staff.locator("#transcript")).to_contain_text("I want to talk to a human")
        # LLM-picked lines of the transcript (the first call may load the model: allow for it)
        expect(staff.locator("#summary")).to_contain_text("Shopper said:", timeout=60_000)
        staff.locator("#take").click()
        expect(shopper.locator('.shopbot-msg[data-author="system"]').last).to_contain_text("dana from our team has joined")

        staff.locator("#reply-input").fill("Hi, I'm Dana. Yes, we sell bluetooth speakers in several colours.")
        expect(shopper.locator(".shopbot-typing")).to_be_visible()  # the shopper sees a person typing
        staff.locator("#reply-send").click()
        live = shopper.locator('.shopbot-msg[data-author="staff"]').last
        expect(live).to_contain_text("Hi, I'm Dana.")
        shopper.locator("#shopbot-input").fill("thank you so much")
        shopper.keyboard.press("Enter")  # the bot stays silent, but its NLU labels the message for staff
        expect(staff.locator("#transcript")).to_contain_text("(assistant reads: thanks")
        expect(shopper.locator('.shopbot-msg[data-author="bot"]')).to_have_count(2)  # no bot reply while Dana owns it
        staff.screenshot(path=str(ARTIFACTS / "console-taken-over.png"), full_page=True)
        shopper.screenshot(path=str(ARTIFACTS / "widget-staff-reply.png"))

        staff.locator("#handback").click()
        expect(shopper.locator('.shopbot-msg[data-author="system"]').last).to_contain_text("back with the assistant")
        answer = ask(shopper, PRICE_QUESTION)
        expect(answer.locator(".shopbot-text")).to_contain_text("costs $")
        expect(staff.locator("#transcript")).to_contain_text(PRICE_QUESTION)
    finally:
        shopper_context.close()
        staff_context.close()
