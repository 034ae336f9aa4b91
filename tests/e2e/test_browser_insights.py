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
        expect(staff.locator(".insights-charts svg")).to_have_count(5)
        expect(staff.locator("#csv-link")).to_be_visible()
        staff.screenshot(path=str(ARTIFACTS / "insights.png"), full_page=True)
    finally:
        shopper_context.close()
        staff_context.close()
