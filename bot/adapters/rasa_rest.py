"""The assistant behind the widget: Rasa's REST channel, one request per shopper message."""
from __future__ import annotations

import logging

import httpx

log = logging.getLogger(__name__)

UNAVAILABLE = ("Sorry, I can't answer right now because of a problem on our side. Please try again in a "
               "moment; your message is saved.")


class RasaRestAssistant:
    def __init__(self, base_url: str, timeout_s: float = 60.0):
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.parse_url = base_url.rstrip("/") + "/model/parse"
        self.timeout_s = timeout_s

    async def annotate(self, text: str) -> dict:
        """NLU only (no dialogue step): what the shopper seems to want, for staff, while a person owns
        the conversation. Empty when Rasa can't say."""
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                response = await client.post(self.parse_url, json={"text": text})
                response.raise_for_status()
                intent = response.json().get("intent") or {}
                return {"intent": intent.get("name"), "confidence": round(float(intent.get("confidence") or 0), 2)}
        except (httpx.HTTPError, ValueError, TypeError):
            log.warning("Rasa could not annotate a message")
            return {}

    async def reply(self, sender_id: str, text: str) -> list[dict]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.post(self.url, json={"sender": sender_id, "message": text})
                response.raise_for_status()
                return merge_rest_messages(response.json())
        except (httpx.HTTPError, ValueError):
            log.exception("Rasa did not answer for %s", sender_id)
            return [{"text": UNAVAILABLE, "buttons": [], "metadata": {"kind": "unavailable"}}]


def merge_rest_messages(messages: list[dict]) -> list[dict]:
    """Rasa's REST channel sends an action's text and its custom JSON as two messages: join them."""
    replies: list[dict] = []
    for message in messages:
        shopbot = (message.get("custom") or {}).get("shopbot")
        if shopbot is not None and replies and not replies[-1]["metadata"]:
            replies[-1]["metadata"] = shopbot
        elif message.get("text"):
            buttons = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in message.get("buttons") or []]
            replies.append({"text": message["text"], "buttons": buttons, "metadata": {}})
    return replies
