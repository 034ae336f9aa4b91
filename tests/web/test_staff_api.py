"""Staff console over HTTP: login, CSRF, access control, one owner, and live pushes to the widget."""
from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from bot.web.staff_users import hash_password, main as staff_users_main
from tests.web.test_chat_api import Shopper


@pytest.fixture(scope="module")
def staff(web):
    store = web["container"].chat.store
    store.add_staff("alice", hash_password("alice-password"))
    store.add_staff("bob", hash_password("bob-password"))
    return web


def logged_in(url: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, follow_redirects=False)
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/staff/login", data={"username": name, "password": f"{name}-password", "csrf_token": token})
    assert response.status_code == 303, response.text
    console = client.get("/staff")
    return client, re.search(r'data-csrf="([^"]+)"', console.text).group(1)


def test_the_console_refuses_without_login(staff):
    client = httpx.Client(base_url=staff["url"], follow_redirects=False)
    assert client.get("/staff").headers["location"] == "/staff/login"
    assert client.get("/staff/api/queue").status_code == 401
    assert client.post("/staff/api/conversations/x/take").status_code == 401


def test_wrong_password_and_missing_csrf_are_refused(staff):
    client = httpx.Client(base_url=staff["url"], follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").text).group(1)
    wrong = client.post("/staff/login", data={"username": "alice", "password": "nope-nope", "csrf_token": token})
    assert wrong.status_code == 401 and "Wrong username or password." in wrong.text
    no_csrf = client.post("/staff/login", data={"username": "alice", "password": "alice-password"})
    assert no_csrf.status_code == 401
    alice, _ = logged_in(staff["url"], "alice")
    assert alice.post("/staff/api/conversations/x/take").status_code == 403  # no X-CSRF-Token


async def test_take_over_reply_hand_back_with_live_pushes(staff):
    shopper = Shopper(staff["url"])
    session_id = await shopper.open()
    staff["container"].chat.store.move(session_id, "waiting", allowed_from=("bot",), reason="test")
    alice, alice_csrf = logged_in(staff["url"], "alice")
    bob, bob_csrf = logged_in(staff["url"], "bob")
    queue = alice.get("/staff/api/queue").json()["conversations"]
    assert [c["id"] for c in queue if c["id"] == session_id] and queue[0]["state"] == "waiting"

    base = f"/staff/api/conversations/{session_id}"
    assert alice.post(f"{base}/take", headers={"X-CSRF-Token": alice_csrf}).status_code == 200
    assert bob.post(f"{base}/take", headers={"X-CSRF-Token": bob_csrf}).status_code == 409  # one owner
    joined = await shopper.wait("bot_uttered")
    assert joined["author"] == "system" and "alice from our team has joined" in joined["text"]

    alice.post(f"{base}/typing", headers={"X-CSRF-Token": alice_csrf}, json={"on": True})
    assert (await shopper.wait("typing")) == {"on": True, "author": "staff"}
    assert bob.post(f"{base}/reply", headers={"X-CSRF-Token": bob_csrf}, json={"text": "hi"}).status_code == 409
    assert alice.post(f"{base}/reply", headers={"X-CSRF-Token": alice_csrf},
                      json={"text": "Hi, Alice here."}).status_code == 200
    reply = await shopper.wait("bot_uttered", 2)
    assert reply["author"] == "staff" and reply["text"] == "Hi, Alice here."

    calls = len(staff["assistant"].calls)
    await shopper.client.emit("user_uttered", {"session_id": session_id, "message": "thanks!"})
    view = alice.get(base).json()
    for _ in range(100):  # yield to the socket client between polls
        if view["messages"][-1]["text"] == "thanks!":
            break
        await asyncio.sleep(0.05)
        view = alice.get(base).json()
    assert view["messages"][-1]["text"] == "thanks!" and len(staff["assistant"].calls) == calls  # bot silent
    summary = alice.get(f"{base}/summary").json()
    assert summary == {"text": summary["text"], "grounding": "composed"}  # no LLM in this test
    assert summary["text"].endswith("Shopper said: thanks!")

    assert alice.post(f"{base}/handback", headers={"X-CSRF-Token": alice_csrf}).status_code == 200
    assert "back with the assistant" in (await shopper.wait("bot_uttered", 3))["text"]
    await shopper.client.emit("user_uttered", {"session_id": session_id, "message": "price?"})
    assert (await shopper.wait("bot_uttered", 4))["text"].startswith("You said: price?")
    await shopper.close()


def test_staff_accounts_need_a_real_password(staff, monkeypatch, tmp_path):
    monkeypatch.setenv("SHOPBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'staff.db'}")
    from bot.settings import get_settings

    get_settings.cache_clear()
    try:
        monkeypatch.setenv("SHOPBOT_STAFF_PASSWORD", "short")
        assert staff_users_main(["add", "carol"]) == 2
        monkeypatch.setenv("SHOPBOT_STAFF_PASSWORD", "long-enough-password")
        assert staff_users_main(["add", "carol"]) == 0
    finally:
        get_settings.cache_clear()


def test_reviews_left_through_the_assistant_are_listed_for_staff_only(staff):
    store = staff["container"].chat.store
    store.ensure("review-shopper")
    store.add("review-shopper", "shopper", "the lamp is lovely, 5 stars")
    store.add("review-shopper", "bot", "Thank you! I've recorded your review…",
              metadata={"kind": "review_recorded", "review": {"text": "the lamp is lovely, 5 stars"}})
    store.add("review-shopper", "bot", "Anything else?", metadata={"kind": "policy"})
    assert httpx.get(f"{staff['url']}/staff/api/reviews").status_code == 401
    alice, _ = logged_in(staff["url"], "alice")
    reviews = alice.get("/staff/api/reviews").json()["reviews"]
    assert [r["text"] for r in reviews if r["conversation_id"] == "review-shopper"] == ["the lamp is lovely, 5 stars"]
