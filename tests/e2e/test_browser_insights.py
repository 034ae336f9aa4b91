"""The shop owner's insights page in a real browser (Debian's Chromium via Playwright): after a shopper's
rated conversation, a staff member logs in and sees today's figures and the charts. The figures
themselves are checked against seeded truth in tests/services/test_insights.py."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser_widget import PRICE_QUESTION, ask, open_chat


def test_staff_sees_the_insights_page_with_its_charts(browser, shop):
    from tests.e2e.conftest import STAFF_PASSWORD

    shopper_context, staff_context = browser.new_context(), browser.new_context()
    try:
        shopper = shopper_context.new_page()
        open_chat(shopper, shop)
        answer = ask(shopper, PRICE_QUESTION)
        answer.locator('button.shopbot-feedback[data-value="up"]').click()
        expect(answer.locator('button.shopbot-feedback[data-value="up"]')).to_have_attribute("aria-pressed", "true")
        shopper.reload()  # the thumb is stored: after a reload it comes back from the server
        expect(shopper.locator("#shopbot-root")).to_have_attribute("data-state", "connected", timeout=15_000)
        stored = shopper.locator('.shopbot-msg[data-author="bot"]').first.locator(
            'button.shopbot-feedback[data-value="up"]')
        expect(stored).to_have_attribute("aria-pressed", "true")

        staff = staff_context.new_page()
        staff.goto(shop + "/staff/insights")
        expect(staff).to_have_url(re.compile(r"/staff/login"))  # no figures without a login
        staff.locator("#username").fill("dana")
        staff.locator("#password").fill(STAFF_PASSWORD)
        staff.locator("#login-submit").click()
        staff.goto(shop + "/staff/insights")
        conversations = staff.locator('dd[data-figure="conversations"]')
        expect(conversations).to_have_text(re.compile(r"^[1-9]\d*$"))
        expect(staff.locator('dd[data-figure="csat"]')).to_contain_text("%")
        expect(staff.locator(".insights-charts svg")).to_have_count(10)
        for chart in ("#chart-sentiment-by-day", "#chart-frustration", "#chart-topics", "#chart-reasons"):
            expect(staff.locator(chart)).to_be_visible()
        expect(staff.locator('dd[data-figure="sentiment_mean"]')).to_have_text(re.compile(r"^[+-]\d\.\d\d "))
        expect(staff.locator("#csv-link")).to_be_visible()
        staff.screenshot(path=str(ARTIFACTS / "insights.png"), full_page=True)
    finally:
        shopper_context.close()
        staff_context.close()


def test_the_page_on_two_hundred_seeded_conversations(browser, tmp_path):
    """The figures a shop owner reads match the seeded truth, and the charts draw real volumes
    (the screenshot in docs/ comes from this page)."""
    from bot.adapters.sql.conversations import SqlConversationStore
    from bot.container import Container
    from bot.settings import Settings
    from bot.web.app import create_app
    from bot.web.staff_users import hash_password
    from bot.adapters.vader_sentiment import VaderSentiment
    from tests.serving import served
    from tests.services.test_insights import seed

    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    truth = seed(url, score=VaderSentiment().score)  # scored as the web app scores shoppers' messages
    SqlConversationStore(url).add_staff("erin", hash_password("erin-password-1"))
    settings = Settings(database_url=url, shop_name="Demo Outdoor Shop",  # the seeded products are the demo store's
                        rasa_url="http://127.0.0.1:9", internal_token="t" * 32)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        with served(create_app(Container(settings))) as shop_url:
            staff = context.new_page()
            staff.goto(shop_url + "/staff/login")
            staff.locator("#username").fill("erin")
            staff.locator("#password").fill("erin-password-1")
            staff.locator("#login-submit").click()
            expect(staff).not_to_have_url(re.compile(r"/staff/login"))
            staff.goto(shop_url + "/staff/insights?from=2026-03-01&to=2026-03-14", timeout=120_000)
            expect(staff.locator('dd[data-figure="conversations"]')).to_have_text(str(truth.conversations))
            expect(staff.locator('dd[data-figure="handed_over"]')).to_have_text(str(truth.outcomes["handed_over"]))
            expect(staff.locator('dd[data-figure="out_of_scope"]')).to_have_text(
                str(truth.unanswered["out_of_scope"]))
            expect(staff.locator(".insights-charts svg")).to_have_count(10)
            expect(staff.locator("#chart-by-day rect.bar")).to_have_count(sum(1 for v in truth.by_day.values() if v))
            expect(staff.locator("#topics tbody tr").first).to_be_visible()
            staff.screenshot(path=str(ARTIFACTS / "insights-seeded.png"), full_page=True)
    finally:
        context.close()
