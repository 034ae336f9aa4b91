"""ASGI app: Starlette pages + python-socketio speaking the Rasa socketio channel's protocol.

It sits in front of Rasa: every message is stored first, then the conversation's owner answers.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import socketio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.container import Container, get_container
from bot.domain.catalogue import money
from bot.domain.inputs import clean_text
from bot.web.pages import product_page, shop_index
from bot.web.staff import staff_routes

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def create_app(container: Container | None = None) -> socketio.ASGIApp:
    container = container or get_container()
    settings = container.settings
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    origins = [o.strip() for o in settings.web_allowed_origins.split(",") if o.strip()]
    sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=origins or None)

    async def index(request: Request):
        return templates.TemplateResponse(request, "index.html", shop_index(container.store, settings.display_name()))

    async def product(request: Request):
        context = product_page(container.store, request.path_params["product_id"], settings.display_name())
        if context is None:
            return templates.TemplateResponse(request, "not_found.html", {"shop_name": settings.display_name()},
                                              status_code=404)
        return templates.TemplateResponse(request, "product.html", context)

    async def health(request: Request):
        return JSONResponse({"status": "ok"})

    async def emit_message(conversation_id: str, message: dict) -> None:
        await sio.emit("bot_uttered", outgoing(message), room=conversation_id)

    routes = [Route("/", index), Route("/products/{product_id}", product), Route("/health", health),
              *staff_routes(container, sio, templates, emit_message),
              Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")]
    register_chat_events(sio, container)
    # Staff sessions: signed cookie, never sent cross-site.
    from bot.web.security import SecurityHeaders  # CSP, framing, nosniff, referrer on every response

    middleware = [Middleware(SecurityHeaders),
                  Middleware(SessionMiddleware, secret_key=settings.signing_secret(), session_cookie="shopbot_staff",
                             same_site="strict", max_age=12 * 3600, https_only=settings.web_secure_cookies)]
    return socketio.ASGIApp(sio, other_asgi_app=Starlette(routes=routes, middleware=middleware))


def register_chat_events(sio: socketio.AsyncServer, container: Container) -> None:
    def chat():
        return container.chat

    turns = ConversationTurns()

    @sio.event
    async def session_request(sid, data=None):
        wanted = data.get("session_id") if isinstance(data, dict) else None
        session_id, history = await asyncio.to_thread(chat().open, wanted if isinstance(wanted, str) else None)
        try:
            await sio.save_session(sid, {"session_id": session_id})
        except KeyError:  # the page went away while we looked the session up
            return
        await sio.enter_room(sid, session_id)
        await sio.emit("session_confirm", session_id, to=sid)
        await sio.emit("history", [outgoing(product_card(m, container)) for m in history], to=sid)

    @sio.event
    async def user_uttered(sid, data=None):
        session_id = await _bound_session(sio, sid, data)
        if not session_id:
            return
        message = data.get("message")
        text = clean_text(message if isinstance(message, str) else "" if message is None else str(message))
        # Stored in the order they arrive, answered one at a time in that same order.
        async with turns.storing(session_id):
            stored = await asyncio.to_thread(chat().record_shopper, session_id, text)
            answering = turns.answering(session_id)
            await answering.acquire()
        try:
            await sio.emit("user_message", {"message_id": stored["message_id"], "text": stored["text"]},
                           room=session_id, skip_sid=sid)
            await sio.emit("typing", {"on": True, "author": "bot"}, room=session_id)
            try:
                replies = await chat().answer(session_id, text, stored["message_id"], client_address(sio, sid))
            except Exception:  # the shopper gets a polite line, the log gets the trace
                log.exception("answering %s failed", session_id)
                replies = [await asyncio.to_thread(chat().store.add, session_id, "system",
                                                   "Sorry, something went wrong on our side. Please try again.")]
            finally:
                await sio.emit("typing", {"on": False, "author": "bot"}, room=session_id)
            for reply in replies:
                await sio.emit("bot_uttered", outgoing(product_card(reply, container)), room=session_id)
        finally:
            answering.release()
            turns.forget(session_id)

    @sio.event
    async def feedback(sid, data=None):
        """Thumbs up/down; the ack says whether it was stored (the widget sends a reason only after it)."""
        session_id = await _bound_session(sio, sid, data)
        message_id = _message_id(data) if session_id else None
        if message_id is None:
            return False
        return await asyncio.to_thread(chat().feedback, session_id, message_id, str(data.get("value"))[:16])

    @sio.event
    async def feedback_reason(sid, data=None):
        """{session_id, message_id, reason, comment}: why a reply of this socket's own conversation got a
        thumbs-down. Anything malformed is ignored; the ack says whether it was stored."""
        session_id = await _bound_session(sio, sid, data)
        message_id = _message_id(data) if session_id else None
        if message_id is None:
            return False
        return await asyncio.to_thread(chat().feedback_reason, session_id, message_id, data.get("reason"),
                                       data.get("comment"))


def client_address(sio: socketio.AsyncServer, sid: str) -> str:
    """The shopper's address as the server sees it (behind a proxy: run uvicorn with --proxy-headers)."""
    try:
        environ = sio.get_environ(sid) or {}
    except KeyError:
        return ""
    client = (environ.get("asgi.scope") or {}).get("client") or (environ.get("REMOTE_ADDR"), None)
    return str(client[0] or "")


class ConversationTurns:
    """Per-conversation locks: messages are stored in arrival order, and each is answered only after
    the one before it (asyncio locks wake waiters first come, first served)."""

    def __init__(self):
        self._store: dict[str, asyncio.Lock] = {}
        self._answer: dict[str, asyncio.Lock] = {}

    def storing(self, session_id: str) -> asyncio.Lock:
        return self._store.setdefault(session_id, asyncio.Lock())

    def answering(self, session_id: str) -> asyncio.Lock:
        return self._answer.setdefault(session_id, asyncio.Lock())

    def forget(self, session_id: str) -> None:
        """Drop idle locks so a long-running server doesn't keep one per conversation ever seen."""
        for locks in (self._store, self._answer):
            lock = locks.get(session_id)
            if lock and not lock.locked() and not getattr(lock, "_waiters", None):
                del locks[session_id]


async def _bound_session(sio: socketio.AsyncServer, sid: str, data) -> str | None:
    """The session this socket opened; a message naming any other session is refused."""
    session = await sio.get_session(sid)
    bound = session.get("session_id")
    claimed = data.get("session_id") if isinstance(data, dict) else None
    if not bound or not isinstance(data, dict) or claimed not in (None, "", bound):
        log.warning("socket %s refused: session %r is not its own", sid, claimed)
        await sio.emit("notice", {"text": "This chat session isn't open here. Please reload the page."}, to=sid)
        return None
    return bound


def _message_id(data: dict) -> int | None:
    """A stored message's id as the widget sends it (a number, or its digits as text); None for anything else,
    including numbers no database column holds."""
    value = data.get("message_id")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        return None
    return value


def outgoing(message: dict) -> dict:
    """A stored message as Rasa's socketio channel sends one, so any Rasa widget draws it: `text`, plus
    `quick_replies` only when there are buttons. rasa-webchat draws a message only when its keys are exactly
    those, after dropping `metadata`, of which it reads only its own keys (linkTarget, userInput, forceOpen,
    ...). So our extras (id, author, time, feedback, the stored metadata: sources, product card) ride in
    `metadata.shopbot`, which our widget reads."""
    reply: dict = {"text": message["text"]}
    if buttons := message.get("buttons"):
        reply["quick_replies"] = [{"content_type": "text", "title": b["title"], "payload": b["payload"]}
                                  for b in buttons]
    reply["metadata"] = {"shopbot": {"message_id": message["message_id"], "author": message["author"],
                                     "at": message.get("at"), "feedback": message.get("feedback"),
                                     "metadata": shopper_visible(message.get("metadata") or {})}}
    return reply


# What the stored metadata keeps for staff and the insights page only: the NLU's reading and the sentiment of
# the shopper's own messages, and the summary and reason written for the person taking over.
STAFF_ONLY_METADATA = ("nlu", "sentiment", "handoff", "handoff_reason")


def shopper_visible(metadata: dict) -> dict:
    return {key: value for key, value in metadata.items() if key not in STAFF_ONLY_METADATA}


def product_card(message: dict, container: Container) -> dict:
    """A product answer also carries a card (name, price, stock, link) built from the catalogue."""
    product_id = (message.get("metadata") or {}).get("product_id")
    product = container.store.catalogue.get(product_id) if product_id else None
    if not product:
        return message
    price_range = product.price_range()
    low, high = price_range or (None, None)
    price = "" if low is None else money(low) if low == high else f"{money(low)} - {money(high)}"
    card = {"name": product.name, "url": f"/products/{product.product_id}", "available": bool(price_range),
            "price": price}
    return {**message, "metadata": {**(message.get("metadata") or {}), "product_card": card}}
