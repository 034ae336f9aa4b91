"""In a real browser (Debian's Chromium via Playwright): a shopper says why a reply got a thumbs-down, and a
staff member tags a conversation in the console. Both are checked in the database the stack writes to."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from bot.adapters.sql.conversations import SqlConversationStore
from bot.adapters.sql.insights import SqlInsightsReader
from tests.e2e.conftest import ARTIFACTS, STAFF_PASSWORD
from tests.e2e.test_browser_widget import PRICE_QUESTION, ask, open_chat


def _database(stack) -> str:
    return f"sqlite:///{stack.live}"


def test_a_shopper_says_what_went_wrong_after_a_thumbs_down(browser, shop, stack):
    context = browser.new_context(viewport={"width": 360, "height": 740})  # a phone: the panel must fit
    try:
        page = context.new_page()
        open_chat(page, shop)
        answer = ask(page, PRICE_QUESTION)
        answer.locator('button.shopbot-feedback[data-value="down"]').click()
        panel = answer.locator("form.shopbot-reason")
        expect(panel).to_be_visible()
        expect(panel).to_have_accessible_name("What went wrong? (optional)")
        expect(panel.get_by_role("button", name="The answer was wrong")).to_be_focused()  # keyboard users land in it
        box, messages = panel.bounding_box(), page.locator("#shopbot-messages").bounding_box()
        assert box and messages
        assert box["x"] >= messages["x"] and box["x"] + box["width"] <= messages["x"] + messages["width"]

        choice = panel.get_by_role("button", name="It didn't answer my question")
        choice.click()
        expect(choice).to_have_attribute("aria-pressed", "true")
        panel.get_by_label("Tell us more (optional)").fill("I wanted the price of the large one")
        page.screenshot(path=str(ARTIFACTS / "widget-thumbs-down-reason.png"))
        panel.get_by_role("button", name="Send").click()
        # The thanks line shows only once the server acknowledged the stored reason.
        expect(answer.locator(".shopbot-reason-thanks")).to_have_text("Thanks, that helps us improve.")
        expect(panel).to_have_count(0)

        session_id = page.evaluate("localStorage.getItem('shopbot.session_id')")
        message_id = int(answer.get_attribute("data-message-id"))
        history = SqlConversationStore(_database(stack)).history(session_id)
        [stored] = [m for m in history if m["message_id"] == message_id]
        assert stored["feedback"] == "down"
        assert stored["feedback_reason"] == {"reason": "not_answered", "label": "It didn't answer my question",
                                             "comment": "I wanted the price of the large one"}

        # Skip closes it, and a thumbs-up closes it too.
        answer.locator('button.shopbot-feedback[data-value="up"]').click()
        expect(answer.locator(".shopbot-reason-thanks")).to_have_count(0)
        answer.locator('button.shopbot-feedback[data-value="down"]').click()
        expect(panel).to_be_visible()
        page.keyboard.press("Escape")  # closes the panel, not the chat
        expect(panel).to_have_count(0)
        expect(page.locator("#shopbot-panel")).to_be_visible()
    finally:
        context.close()


def _waiting_conversation(stack) -> tuple[str, int]:
    """A conversation in the queue whose bot reply got a thumbs-down with a reason (no Rasa needed)."""
    store = SqlConversationStore(_database(stack))
    conversation_id = uuid.uuid4().hex
    store.ensure(conversation_id)
    store.add(conversation_id, "shopper", "Do you ship to Mars?")
    reply = store.add(conversation_id, "bot", "Yes, free shipping to Mars.")
    assert store.set_feedback(conversation_id, reply["message_id"], "down")
    assert store.set_feedback_reason(conversation_id, reply["message_id"], "wrong", "you don't")
    assert store.move(conversation_id, "waiting", allowed_from=("bot",), reason="The shopper asked for a person.")
    return conversation_id, reply["message_id"]


def test_staff_tag_a_conversation_in_the_console(page: Page, shop, stack):
    conversation_id, reply_id = _waiting_conversation(stack)
    reader = SqlInsightsReader(_database(stack))
    page.goto(shop + "/staff")
    page.locator("#username").fill("dana")
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("#login-submit").click()
    page.locator(f'.queue-item[data-conversation-id="{conversation_id}"] button').click()
    bot_line = page.locator('#transcript li[data-author="bot"]')
    expect(bot_line).to_contain_text("Shopper's thumbs-down: The answer was wrong – “you don't”")
    wrong = page.get_by_role("button", name="Wrong answer", exact=True)
    expect(wrong).to_have_attribute("aria-pressed", "false")

    wrong.click()
    expect(wrong).to_have_attribute("aria-pressed", "true")  # set once the server stored it
    assert [(t.tag, t.staff, t.message_id) for t in reader.tags([conversation_id])] == [("wrong_answer", "dana", None)]

    page.reload()  # the open conversation and its tags come back from the server
    expect(page).to_have_url(re.compile(re.escape(conversation_id) + "$"))
    expect(wrong).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Good", exact=True)).to_have_attribute("aria-pressed", "false")

    mark = bot_line.get_by_role("button", name=re.compile("^Mark wrong"))
    mark.click()  # the same tag, now naming the reply
    expect(mark).to_have_attribute("aria-pressed", "true")
    assert [(t.tag, t.message_id) for t in reader.tags([conversation_id])] == [("wrong_answer", reply_id)]
    page.screenshot(path=str(ARTIFACTS / "console-tags.png"), full_page=True)

    wrong.click()  # pressed again: the tag goes
    expect(wrong).to_have_attribute("aria-pressed", "false")
    expect(mark).to_have_attribute("aria-pressed", "false")
    assert reader.tags([conversation_id]) == []
