"""Rasa's REST channel behind a shared secret, with a polite reply instead of silence.

Loaded by the Rasa server (its own venv: only rasa and sanic here), named in credentials.yml:

    bot.rasa_channel.ShopRestInput:
      token: ${SHOPBOT_INTERNAL_TOKEN}

The web app is the public door; this webhook only answers callers that send
`Authorization: Bearer <token>`. Malformed bodies get a 400, never a 500, and a turn that produced
no message at all (an action server that died, an action that failed) gets an apology the shopper
can see, marked `technical_problem` so that two in a row bring a person.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from sanic import Blueprint, response
from sanic.request import Request

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput

from bot.domain.inputs import clean_text
from bot.internal_auth import bearer_ok

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
MAX_TEXT_CHARS = 100_000  # the actions screen long messages politely; this only bounds memory
NO_REPLY = ("Sorry, I couldn't answer that just now because of a problem on our side. Please try again in a "
            "moment, or ask for a person.")


def read_body(request: Request) -> tuple[dict | None, str]:
    """(sender, message, metadata) from a JSON object, or None and why it was refused."""
    try:
        body = request.json
    except Exception:  # sanic raises on bodies that aren't JSON
        return None, "The body must be a JSON object."
    if not isinstance(body, dict):
        return None, "The body must be a JSON object with 'sender' and 'message'."
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return None, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters."
    if message is None:
        message = ""
    if not isinstance(message, str):
        return None, "'message' must be a string."
    metadata = body.get("metadata")
    return {"sender": clean_text(sender), "message": clean_text(message[:MAX_TEXT_CHARS]),
            "metadata": metadata if isinstance(metadata, dict) else None}, ""


def fill_silence(messages: list[dict[str, Any]], sender: str) -> list[dict[str, Any]]:
    """A turn must never go unanswered: no message at all becomes an apology with its kind."""
    if any(m.get("text") for m in messages):
        return messages
    log.error("turn for %s produced no reply; sending an apology", sender)
    return [*messages, {"recipient_id": sender, "text": NO_REPLY},
            {"recipient_id": sender, "custom": {"shopbot": {"kind": "technical_problem", "grounding": "composed",
                                                            "handoff_offered": True, "sources": []}}}]


class ShopRestInput(RestInput):
    """`/webhooks/rest/webhook` (the same path as Rasa's REST channel), for token holders only."""

    def __init__(self, token: str | None = None):
        self.token = token or ""
        if not self.token:
            log.error("no token configured for the REST channel: every request will be refused")

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "ShopRestInput":
        from bot import rasa_speedups

        rasa_speedups.install()  # Rasa builds its channels once, at start-up: a good moment for it
        return cls((credentials or {}).get("token"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request):
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            if not bearer_ok(request.headers.get("authorization"), self.token):
                return response.json({"error": "Unauthorized."}, status=401)
            body, problem = read_body(request)
            if body is None:
                return response.json({"error": problem}, status=400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(body["message"], collector, body["sender"],
                                                 input_channel=self.name(), metadata=body["metadata"]))
            except Exception:  # the log keeps the trace; the shopper gets an apology below
                log.exception("turn for %s failed", body["sender"])
            return response.json(fill_silence(collector.messages, body["sender"]))

        return webhook
