"""The web app's client of Rasa: it sends the internal token, and an empty, malformed or missing
answer becomes a polite apology (the widget showed nothing when Rasa answered [])."""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.adapters.rasa_rest import UNAVAILABLE, RasaRestAssistant
from tests.serving import free_port, served


def fake_rasa(answer):
    seen: list = []

    async def webhook(request: Request):
        seen.append(request.headers.get("authorization", ""))
        seen.append((await request.json()).get("metadata"))
        return answer if isinstance(answer, Response) else JSONResponse(answer)

    return Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"])]), seen


async def test_the_token_is_sent_and_replies_are_merged():
    app, seen = fake_rasa([{"recipient_id": "s", "text": "Hello!"},
                           {"recipient_id": "s", "custom": {"shopbot": {"kind": "greet"}}}])
    with served(app) as url:
        replies = await RasaRestAssistant(url, "secret").reply("s", "hi", "203.0.113.7")
    assert seen == ["Bearer secret", {"client": "203.0.113.7"}]  # who asks reaches the actions
    assert replies == [{"text": "Hello!", "buttons": [], "metadata": {"kind": "greet"}}]


@pytest.mark.parametrize("answer", [[], {"not": "a list"}, ["junk", 5], Response("oops", status_code=500),
                                    Response("<html>", media_type="text/html")])
async def test_no_usable_answer_becomes_an_apology(answer):
    app, _ = fake_rasa(answer)
    with served(app) as url:
        replies = await RasaRestAssistant(url, "secret").reply("s", "hi")
    assert [r["text"] for r in replies] == [UNAVAILABLE] and replies[0]["metadata"]["kind"] == "unavailable"


async def test_a_dead_rasa_becomes_an_apology():
    replies = await RasaRestAssistant(f"http://127.0.0.1:{free_port()}", "secret").reply("s", "hi")
    assert [r["text"] for r in replies] == [UNAVAILABLE]


async def test_one_client_serves_every_message_of_the_app(monkeypatch):
    """Building an httpx client costs about 20 ms of CPU (its TLS context): once per event loop, not per message."""
    import httpx

    from bot.adapters import rasa_rest

    built = []

    class CountedClient(httpx.AsyncClient):
        def __init__(self, *args, **kwargs):
            built.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(rasa_rest.httpx, "AsyncClient", CountedClient)
    app, seen = fake_rasa([{"recipient_id": "s", "text": "Hello!"}])
    with served(app) as url:
        assistant = RasaRestAssistant(url, "secret")
        for i in range(3):
            assert (await assistant.reply(f"s{i}", "hi"))[0]["text"] == "Hello!"
    assert len(built) == 1 and seen.count("Bearer secret") == 3


def test_each_event_loop_gets_a_client_of_its_own(monkeypatch):
    import asyncio

    import httpx

    from bot.adapters import rasa_rest

    built = []

    class CountedClient(httpx.AsyncClient):
        def __init__(self, *args, **kwargs):
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(rasa_rest.httpx, "AsyncClient", CountedClient)
    app, _ = fake_rasa([{"recipient_id": "s", "text": "Hello!"}])
    with served(app) as url:
        assistant = RasaRestAssistant(url, "secret")
        for _ in range(2):  # a client is bound to the loop it was made in
            replies = asyncio.run(assistant.reply("s", "hi"))
            assert replies[0]["text"] == "Hello!"
    assert len(built) == 2 and built[0] is not built[1]
