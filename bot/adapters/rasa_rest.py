"""The assistant behind the widget: Rasa's REST channel, one request per shopper message."""
from __future__ import annotations

import asyncio
import logging
import weakref

import httpx

from bot.internal_auth import bearer

log = logging.getLogger(__name__)

UNAVAILABLE = ("Sorry, I can't answer right now because of a problem on our side. Please try again in a "
               "moment; your message is saved.")


class RasaRestAssistant:
    """Rasa is internal: every call carries the shared token (header for the channel, query for the API)."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 60.0, connect_timeout_s: float = 2.0):
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.parse_url = base_url.rstrip("/") + "/model/parse"
        self.token = token
        # A dead Rasa is known at once (connection refused, or no connect within 2 s); a slow turn may take long.
        self.timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> its client

    def _http(self) -> httpx.AsyncClient:
        """One client per event loop, made once: building an httpx client (its TLS context) costs about 20 ms
        of CPU, which every shopper message paid before. No kept-alive connections: a connection Rasa closes
        while idle would fail the next turn sent on it, and a fresh loopback connection costs little."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(timeout=self.timeout, limits=httpx.Limits(max_keepalive_connections=0))
            self._clients[loop] = client
        return client

    async def annotate(self, text: str) -> dict:
        """NLU only (no dialogue step): what the shopper seems to want, for staff, while a person owns
        the conversation. Empty when Rasa can't say."""
        try:
            response = await self._http().post(self.parse_url, params={"token": self.token}, json={"text": text},
                                               timeout=httpx.Timeout(10.0, connect=2.0))
            response.raise_for_status()
            intent = response.json().get("intent") or {}
            return {"intent": intent.get("name"), "confidence": round(float(intent.get("confidence") or 0), 2)}
        except (httpx.HTTPError, ValueError, TypeError):
            log.warning("Rasa could not annotate a message")
            return {}

    async def reply(self, sender_id: str, text: str, client: str = "") -> list[dict]:
        """`client` (the shopper's address) reaches the actions as message metadata."""
        try:
            body = {"sender": sender_id, "message": text, "metadata": {"client": client}}
            response = await self._http().post(self.url, json=body, headers=bearer(self.token))
            response.raise_for_status()
            replies = merge_rest_messages(response.json())
        except (httpx.HTTPError, ValueError, TypeError, AttributeError):
            log.exception("Rasa did not answer for %s", sender_id)
            replies = []
        if not replies:  # never silence: the shopper always learns that something went wrong
            log.error("no reply from Rasa for %s", sender_id)
            return [{"text": UNAVAILABLE, "buttons": [], "metadata": {"kind": "unavailable", "handoff_offered": True}}]
        return replies


def merge_rest_messages(messages: list[dict]) -> list[dict]:
    """Rasa's REST channel sends an action's text and its custom JSON as two messages: join them."""
    replies: list[dict] = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        shopbot = (message.get("custom") or {}).get("shopbot")
        if shopbot is not None and replies and not replies[-1]["metadata"]:
            replies[-1]["metadata"] = shopbot
        elif message.get("text"):
            buttons = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in message.get("buttons") or []]
            replies.append({"text": message["text"], "buttons": buttons, "metadata": {}})
    return replies
