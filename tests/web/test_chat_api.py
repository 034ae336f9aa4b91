"""The socket.io protocol and access control, spoken to by python-socketio clients."""
from __future__ import annotations

import asyncio

import httpx
import pytest
import socketio

from bot.web.app import outgoing, product_card


RASA_SHAPES = ({"text"}, {"text", "quick_replies"})  # all rasa-webchat draws, once it has dropped `metadata`


def rasa_shaped(message) -> bool:
    """What a Rasa widget draws: `text` (+ `quick_replies`), our extras only in `metadata.shopbot`."""
    return (isinstance(message, dict) and set(message) - {"metadata"} in RASA_SHAPES
            and set(message.get("metadata", {"shopbot": {}})) == {"shopbot"})


def as_our_widget_reads(message: dict) -> dict:
    """One message as widget.js's normalize() reads it: the extras in metadata.shopbot, text and quick replies."""
    extras = message["metadata"]["shopbot"]
    return {**extras, "text": message["text"], "quick_replies": message.get("quick_replies", [])}


class Shopper:
    """A socket.io client that collects every event it receives. Every bot_uttered and history item must be in
    the Rasa shape (checked on arrival, raw copies in `raw`); `events` holds them as our widget reads them."""

    def __init__(self, url: str):
        self.url = url
        self.client = socketio.AsyncClient()
        self.events: list[tuple[str, object]] = []
        self.raw: list[tuple[str, object]] = []
        self.misshapen: list[object] = []
        self.client.on("*", self._record)

    async def _record(self, event, data):
        self.raw.append((event, data))
        if event in ("bot_uttered", "history"):
            items = data if event == "history" else [data]
            self.misshapen += [m for m in items if not rasa_shaped(m)]
            if not self.misshapen:
                read = [as_our_widget_reads(m) for m in items]
                data = read if event == "history" else read[0]
        self.events.append((event, data))

    async def open(self, session_id=None) -> str:
        await self.client.connect(self.url, transports=["websocket"])
        await self.client.emit("session_request", {"session_id": session_id})
        return (await self.wait("session_confirm"))

    async def wait(self, event: str, count: int = 1, timeout: float = 5.0, raw: bool = False):
        for _ in range(int(timeout / 0.02)):
            assert not self.misshapen, f"not in the Rasa socketio shape: {self.misshapen}"
            found = [d for e, d in (self.raw if raw else self.events) if e == event]
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
    reply = await shopper.wait("bot_uttered", raw=True)
    assert set(reply) == {"text", "quick_replies", "metadata"} and set(reply["metadata"]) == {"shopbot"}
    assert reply["text"].startswith("You said: hello")
    assert reply["quick_replies"] == [{"content_type": "text", "title": "Yes", "payload": "/affirm"}]
    extras = reply["metadata"]["shopbot"]
    assert extras["author"] == "bot" and isinstance(extras["message_id"], int) and extras["at"]
    assert extras["metadata"]["sources"][0]["title"] == "Test page" and extras["feedback"] is None
    typing = [d for e, d in shopper.events if e == "typing"]
    assert typing == [{"on": True, "author": "bot"}, {"on": False, "author": "bot"}]
    await shopper.close()

    again = Shopper(web["url"])
    assert await again.open(session_id) == session_id  # a reload keeps the conversation
    history = await again.wait("history")
    assert [(m["author"], m["text"][:14]) for m in history] == [("shopper", "hello"), ("bot", "You said: hell")]
    shopper_line, bot_line = await again.wait("history", raw=True)
    assert set(shopper_line) == {"text", "metadata"}  # no buttons: no quick_replies, so a Rasa widget draws it
    assert bot_line["quick_replies"][0]["payload"] == "/affirm"
    await again.close()


def test_a_product_answer_carries_its_card_where_rasa_widgets_ignore_it(web):
    stored = {"message_id": 7, "author": "bot", "text": "They cost $129.95.", "buttons": [],
              "at": "2026-01-02T03:04:05", "feedback": "up",
              "metadata": {"kind": "product_fact", "product_id": "8605995000"}}
    sent = outgoing(product_card(stored, web["container"]))
    assert sent == {"text": "They cost $129.95.", "metadata": {"shopbot": {  # no buttons: no quick_replies
        "message_id": 7, "author": "bot", "at": "2026-01-02T03:04:05", "feedback": "up",
        "metadata": {"kind": "product_fact", "product_id": "8605995000", "product_card": {
            "name": "Trail Running Shoes", "url": "/products/8605995000", "available": True,
            "price": "$124.99 - $131.95"}}}}}


def test_staff_only_metadata_never_reaches_the_shopper():
    stored = {"message_id": 8, "author": "shopper", "text": "this is awful", "buttons": [], "at": None,
              "feedback": None, "metadata": {"sentiment": -0.46, "nlu": {"intent": "complaint"}}}
    assert outgoing(stored)["metadata"]["shopbot"]["metadata"] == {}
    reply = {**stored, "author": "bot", "metadata": {"kind": "handoff", "handoff": {"summary": "Verified customer"}}}
    assert outgoing(reply)["metadata"]["shopbot"]["metadata"] == {"kind": "handoff"}
    notice = {**stored, "author": "system", "metadata": {"handoff_reason": "The shopper sounds frustrated."}}
    assert outgoing(notice)["metadata"]["shopbot"]["metadata"] == {}


async def test_socket_io_refuses_other_origins(web):
    stranger = socketio.AsyncClient()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await stranger.connect(web["url"], headers={"Origin": "http://evil.example"}, transports=["websocket"])
    own = socketio.AsyncClient()
    await own.connect(web["url"], headers={"Origin": web["url"]}, transports=["websocket"])
    await own.disconnect()


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
