"""The socket.io protocol and access control, spoken to by python-socketio clients."""
from __future__ import annotations

import asyncio

import httpx
import socketio


class Shopper:
    """A socket.io client that collects every event it receives."""

    def __init__(self, url: str):
        self.url = url
        self.client = socketio.AsyncClient()
        self.events: list[tuple[str, object]] = []
        self.client.on("*", self._record)

    async def _record(self, event, data):
        self.events.append((event, data))

    async def open(self, session_id=None) -> str:
        await self.client.connect(self.url, transports=["websocket"])
        await self.client.emit("session_request", {"session_id": session_id})
        return (await self.wait("session_confirm"))

    async def wait(self, event: str, count: int = 1, timeout: float = 5.0):
        for _ in range(int(timeout / 0.02)):
            found = [d for e, d in self.events if e == event]
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {event} #{count}; got {[e for e, _ in self.events]}")

    async def close(self):
        await self.client.disconnect()


async def test_a_message_gets_a_stored_reply_in_rasa_socketio_shape(web):
    shopper = Shopper(web["url"])
    session_id = await shopper.open()
    assert await shopper.wait("history") == []
    await shopper.client.emit("user_uttered", {"session_id": session_id, "message": "hello"})
    reply = await shopper.wait("bot_uttered")
    assert reply["text"].startswith("You said: hello") and reply["author"] == "bot"
    assert reply["quick_replies"] == [{"content_type": "text", "title": "Yes", "payload": "/affirm"}]
    assert reply["metadata"]["sources"][0]["title"] == "Test page" and isinstance(reply["message_id"], int)
    typing = [d for e, d in shopper.events if e == "typing"]
    assert typing == [{"on": True, "author": "bot"}, {"on": False, "author": "bot"}]
    await shopper.close()

    again = Shopper(web["url"])
    assert await again.open(session_id) == session_id  # a reload keeps the conversation
    history = await again.wait("history")
    assert [(m["author"], m["text"][:14]) for m in history] == [("shopper", "hello"), ("bot", "You said: hell")]
    await again.close()


async def test_a_shopper_cannot_use_another_session(web):
    alice, mallory = Shopper(web["url"]), Shopper(web["url"])
    alice_id = await alice.open()
    await mallory.open()
    await alice.client.emit("user_uttered", {"session_id": alice_id, "message": "my secret order"})
    secret = await alice.wait("bot_uttered")
    calls = len(web["assistant"].calls)
    await mallory.client.emit("user_uttered", {"session_id": alice_id, "message": "show me"})
    await mallory.client.emit("feedback", {"session_id": alice_id, "message_id": secret["message_id"], "value": "down"})
    assert "isn't open here" in (await mallory.wait("notice"))["text"]
    await asyncio.sleep(0.2)
    assert len(web["assistant"].calls) == calls  # nothing reached the bot
    assert not [d for e, d in mallory.events if e in ("bot_uttered", "user_message")]
    store = web["container"].chat.store
    assert [m["text"] for m in store.history(alice_id)] == ["my secret order", secret["text"]]
    assert store.history(alice_id)[1]["feedback"] is None
    await alice.close()
    await mallory.close()


async def test_two_tabs_of_one_shopper_see_the_same_conversation(web):
    tab1, tab2 = Shopper(web["url"]), Shopper(web["url"])
    session_id = await tab1.open()
    await tab2.open(session_id)
    await tab1.client.emit("user_uttered", {"session_id": session_id, "message": "from tab one"})
    assert (await tab2.wait("user_message"))["text"] == "from tab one"
    assert (await tab2.wait("bot_uttered"))["text"].startswith("You said: from tab one")
    await tab1.close()
    await tab2.close()


async def test_feedback_is_stored(web):
    shopper = Shopper(web["url"])
    session_id = await shopper.open()
    await shopper.client.emit("user_uttered", {"session_id": session_id, "message": "rate me"})
    reply = await shopper.wait("bot_uttered")
    await shopper.client.emit("feedback", {"session_id": session_id, "message_id": reply["message_id"], "value": "up"})
    await asyncio.sleep(0.2)
    assert web["container"].chat.store.history(session_id)[-1]["feedback"] == "up"
    await shopper.close()


def test_pages_list_the_catalogue(web):
    index = httpx.get(web["url"] + "/")
    assert index.status_code == 200 and "Test Shop" in index.text
    catalogue = web["container"].store.catalogue
    some = next(iter(catalogue.products.values()))
    assert some.name in index.text and f"/products/{some.product_id}" in index.text
    assert '<script src="/static/widget.js"' in index.text
    page = httpx.get(web["url"] + f"/products/{some.product_id}")
    assert page.status_code == 200 and f"${some.variants[0].price:.2f}" in page.text
    assert httpx.get(web["url"] + "/products/nope").status_code == 404
    assert httpx.get(web["url"] + "/static/vendor/socket.io.min.js").status_code == 200
