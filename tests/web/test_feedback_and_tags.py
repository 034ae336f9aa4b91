"""Why a reply got a thumbs-down (the widget's `feedback_reason` socket event), and the console reading a
conversation's tags back (GET .../tags)."""
from __future__ import annotations

import httpx
import pytest

from bot.web.staff_users import hash_password
from tests.web.test_chat_api import Shopper
from tests.web.test_staff_api import logged_in


async def _answered(shopper: Shopper, text: str = "rate me") -> tuple[str, dict]:
    """A fresh session with one bot reply: (session id, the reply as our widget reads it)."""
    session_id = await shopper.open()
    await shopper.client.emit("user_uttered", {"session_id": session_id, "message": text})
    return session_id, await shopper.wait("bot_uttered")


def _reason(web, session_id: str, message_id: int):
    [stored] = [m for m in web["container"].chat.store.history(session_id) if m["message_id"] == message_id]
    return stored["feedback_reason"]


async def test_a_reason_is_stored_after_a_thumbs_down(web):
    shopper = Shopper(web["url"])
    session_id, reply = await _answered(shopper)
    message_id = reply["message_id"]
    assert await shopper.client.call("feedback", {"session_id": session_id, "message_id": message_id,
                                                  "value": "down"}) is True
    sent = {"session_id": session_id, "message_id": str(message_id),  # the widget sends ids as text
            "reason": "not_answered", "comment": "I asked about sizes"}
    assert await shopper.client.call("feedback_reason", sent) is True
    assert _reason(web, session_id, message_id) == {"reason": "not_answered", "label": "It didn't answer my question",
                                                    "comment": "I asked about sizes"}
    await shopper.close()


async def test_no_reason_without_a_thumbs_down(web):
    shopper = Shopper(web["url"])
    session_id, reply = await _answered(shopper)
    sent = {"session_id": session_id, "message_id": reply["message_id"], "reason": "wrong", "comment": ""}
    assert await shopper.client.call("feedback_reason", sent) is False  # no thumb at all
    assert await shopper.client.call("feedback", {**sent, "value": "up"}) is True
    assert await shopper.client.call("feedback_reason", sent) is False  # thumbs up
    assert _reason(web, session_id, reply["message_id"]) is None
    await shopper.close()


async def test_a_shopper_cannot_give_a_reason_for_another_conversation(web):
    alice, mallory = Shopper(web["url"]), Shopper(web["url"])
    alice_id, secret = await _answered(alice, "my order")
    await alice.client.call("feedback", {"session_id": alice_id, "message_id": secret["message_id"], "value": "down"})
    mallory_id = await mallory.open()
    for claimed in (alice_id, mallory_id, None):  # naming alice's session, or her message from mallory's own
        sent = {"session_id": claimed, "message_id": secret["message_id"], "reason": "wrong", "comment": "hacked"}
        assert await mallory.client.call("feedback_reason", sent) is False, claimed
    assert "isn't open here" in (await mallory.wait("notice"))["text"]
    assert _reason(web, alice_id, secret["message_id"]) is None
    await alice.close()
    await mallory.close()


@pytest.mark.parametrize("payload", [
    None, "wrong", 42, ["wrong"],  # not an object
    {},  # nothing in it
    {"reason": "wrong", "comment": ""},  # no message id
    {"message_id": "12; DROP TABLE messages", "reason": "wrong"},
    {"message_id": 10**40, "reason": "wrong"},  # no database column holds it
    {"message_id": -1, "reason": "wrong"},
    {"message_id": True, "reason": "wrong"},
    {"message_id": 1.5, "reason": "wrong"},
    {"message_id": {"$gt": 0}, "reason": "wrong"},
    {"message_id": "MINE", "reason": "nope"},  # not one of the choices
    {"message_id": "MINE", "reason": ["wrong"]},
    {"message_id": "MINE"},  # no reason
    {"message_id": "MINE", "reason": b"wrong"},  # binary
    {"message_id": b"\x00\x01", "reason": "wrong"},
    {"session_id": 123, "message_id": "MINE", "reason": "wrong"},
])
async def test_malformed_reasons_are_ignored_politely(web, payload):
    shopper = Shopper(web["url"])
    session_id, reply = await _answered(shopper)
    thumb = {"session_id": session_id, "message_id": reply["message_id"], "value": "down"}
    assert await shopper.client.call("feedback", thumb) is True
    if isinstance(payload, dict):
        payload = {**payload, "message_id": reply["message_id"]} if payload.get("message_id") == "MINE" else payload
    # call() waits for the ack: a handler that raised would never send one and this would time out
    assert await shopper.client.call("feedback_reason", payload, timeout=5) is False
    assert _reason(web, session_id, reply["message_id"]) is None
    sent = {"message_id": reply["message_id"], "reason": "other", "comment": "x" * 200_000}  # huge: cut
    assert await shopper.client.call("feedback_reason", sent, timeout=5) is True  # the socket still works
    assert len(_reason(web, session_id, reply["message_id"])["comment"]) == 1000
    await shopper.close()


@pytest.fixture(scope="module")
def erin(web):
    web["container"].chat.store.add_staff("erin", hash_password("erin-password"))
    return logged_in(web["url"], "erin")


def test_the_console_reads_a_conversations_tags(web, erin):
    store = web["container"].chat.store
    store.ensure("tagged-conversation")
    reply = store.add("tagged-conversation", "bot", "We ship to the moon.")
    url = "/staff/api/conversations/tagged-conversation/tags"
    anonymous = httpx.Client(base_url=web["url"], follow_redirects=False)
    assert anonymous.get(url).status_code == 401
    client, csrf = erin
    assert client.get(url).json()["tags"] == []
    tagged = client.post(url, json={"tag": "wrong_answer", "message_id": reply["message_id"]},
                         headers={"X-CSRF-Token": csrf})
    assert tagged.status_code == 200
    client.post(url, json={"tag": "good"}, headers={"X-CSRF-Token": csrf})
    tags = client.get(url).json()["tags"]
    assert [(t["tag"], t["label"], t["staff"], t["message_id"]) for t in tags] == [
        ("wrong_answer", "Wrong answer", "erin", reply["message_id"]), ("good", "Good", "erin", None)]
    assert anonymous.get(url).status_code == 401  # still nothing without a login
    assert client.get("/staff/api/conversations/no-such-one/tags").status_code == 404
