"""The staff console: login (bcrypt hashes, a throttle on failures, server-side sessions behind a
signed cookie, CSRF token), the live queue, and take over / reply / hand back / resolve. Every change
is pushed to the shopper's widget at once."""
from __future__ import annotations

import asyncio
import secrets

import socketio
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.container import Container
from bot.web.insights import insights_routes
from bot.web.staff_users import LoginThrottle, StaffSessions, password_matches


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def _csrf_ok(request: Request, sent: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and sent and secrets.compare_digest(expected, sent))


async def _json_object(request: Request) -> dict | None:
    """The request's JSON object; None for a body that is not JSON or not an object."""
    try:
        body = await request.json()
    except ValueError:  # not JSON, or not UTF-8
        return None
    return body if isinstance(body, dict) else None


def _bad_request(error: str) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=400)


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconds" if seconds != 1 else "1 second"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes" if minutes != 1 else "1 minute"


def staff_routes(container: Container, sio: socketio.AsyncServer, templates: Jinja2Templates,
                 emit_message, *, throttle: LoginThrottle | None = None,
                 sessions: StaffSessions | None = None) -> list[Route]:
    """`throttle` and `sessions` default to ones on the conversation store (tests pass their own clock)."""
    chat = lambda: container.chat  # noqa: E731 - resolved on use, so tests can swap it
    shop_name = container.settings.display_name()

    def login_throttle() -> LoginThrottle:
        return throttle or LoginThrottle(chat().store)

    def staff_sessions() -> StaffSessions:
        return sessions or StaffSessions(chat().store)

    def login_form(request: Request, error: str = "", status_code: int = 200, headers=None) -> Response:
        return templates.TemplateResponse(request, "staff_login.html", {
            "shop_name": shop_name, "csrf_token": csrf_token(request), "error": error},
            status_code=status_code, headers=headers)

    def locked_out(request: Request, seconds: int) -> Response:
        seconds = max(seconds, 1)
        return login_form(request, "Too many failed logins. For your security, please wait "
                                   f"{_wait_words(seconds)} and try again.", 429, {"Retry-After": str(seconds)})

    async def login_page(request: Request) -> Response:
        return login_form(request)

    async def login(request: Request) -> Response:
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        if not _csrf_ok(request, form.get("csrf_token")):  # no password was tried: nothing to count
            return login_form(request, "Wrong username or password.", 401)
        client = request.client.host if request.client else "unknown"
        attempt = await asyncio.to_thread(login_throttle().attempt, username, client)
        if not attempt.allowed:
            return locked_out(request, attempt.retry_after)
        hashed = await asyncio.to_thread(chat().store.staff_password_hash, username)
        if not await asyncio.to_thread(password_matches, password, hashed):
            if attempt.retry_after:  # this failure started a lock
                return locked_out(request, attempt.retry_after)
            return login_form(request, "Wrong username or password.", 401)
        await asyncio.to_thread(login_throttle().succeeded, username, client)
        token = await asyncio.to_thread(staff_sessions().open, username)
        request.session.clear()  # a fresh cookie: nothing from before the login survives
        request.session["sid"] = token
        csrf_token(request)
        return RedirectResponse("/staff", status_code=303)

    async def logout(request: Request) -> Response:
        form = await request.form()
        if _csrf_ok(request, form.get("csrf_token")):
            await asyncio.to_thread(staff_sessions().revoke, request.session.get("sid"))
            request.session.clear()
        return RedirectResponse("/staff/login", status_code=303)

    async def logged_in_staff(request: Request) -> str | None:
        """The staff member of a live session; a revoked or expired one counts as logged out."""
        token = request.session.get("sid")
        return await asyncio.to_thread(staff_sessions().user, token) if token else None

    async def console(request: Request) -> Response:
        staff = await logged_in_staff(request)
        if not staff:
            return RedirectResponse("/staff/login", status_code=303)
        return templates.TemplateResponse(request, "staff.html", {
            "shop_name": shop_name, "staff": staff, "csrf_token": csrf_token(request)})

    def api(handler, write: bool = False):
        async def guarded(request: Request) -> Response:
            staff = await logged_in_staff(request)
            if not staff:
                return JSONResponse({"error": "Please log in."}, status_code=401)
            if write and not _csrf_ok(request, request.headers.get("x-csrf-token")):
                return JSONResponse({"error": "Missing or wrong CSRF token."}, status_code=403)
            return await handler(request, staff)
        return guarded

    async def queue(request: Request, staff: str) -> Response:
        return JSONResponse({"conversations": await asyncio.to_thread(chat().store.queue)})

    async def reviews(request: Request, staff: str) -> Response:
        return JSONResponse({"reviews": await asyncio.to_thread(chat().store.reviews)})

    async def conversation(request: Request, staff: str) -> Response:
        conversation_id = request.path_params["conversation_id"]
        found = await asyncio.to_thread(conversation_view, container, conversation_id)
        return JSONResponse(found) if found else JSONResponse({"error": "No such conversation."}, status_code=404)

    async def summary(request: Request, staff: str) -> Response:
        found = await asyncio.to_thread(summary_view, container, request.path_params["conversation_id"])
        return JSONResponse(found) if found else JSONResponse({"error": "No such conversation."}, status_code=404)

    def change(operation: str):
        async def handler(request: Request, staff: str) -> Response:
            conversation_id = request.path_params["conversation_id"]
            service = chat()
            if operation == "reply":
                body = await _json_object(request)
                if body is None:
                    return _bad_request('Send a JSON object like {"text": "..."}.')
                text = body.get("text")
                if not isinstance(text, str) or not text.strip():
                    return _bad_request('"text" must be a non-empty string.')
                message = await asyncio.to_thread(service.staff_reply, conversation_id, staff, text)
            else:
                method = {"take": service.take_over, "handback": service.hand_back, "resolve": service.resolve}[operation]
                message = await asyncio.to_thread(method, conversation_id, staff)
            if message is None:
                state = (await asyncio.to_thread(service.store.conversation, conversation_id)) or {}
                return JSONResponse({"error": f"Not possible now (state: {state.get('state')}, owner: "
                                              f"{state.get('owner') or 'nobody'})."}, status_code=409)
            await emit_message(conversation_id, message)
            return JSONResponse({"ok": True, "message": message})
        return handler

    async def typing(request: Request, staff: str) -> Response:
        body = await _json_object(request)
        if body is None or not isinstance(body.get("on"), bool):
            return _bad_request('Send a JSON object like {"on": true}.')
        await sio.emit("typing", {"on": body["on"], "author": "staff"},
                       room=request.path_params["conversation_id"])
        return JSONResponse({"ok": True})

    base = "/staff/api/conversations/{conversation_id}"
    return [
        Route("/staff/login", login_page, methods=["GET"]),
        Route("/staff/login", login, methods=["POST"]),
        Route("/staff/logout", logout, methods=["POST"]),
        Route("/staff", console, methods=["GET"]),
        Route("/staff/api/queue", api(queue), methods=["GET"]),
        Route("/staff/api/reviews", api(reviews), methods=["GET"]),
        Route(base, api(conversation), methods=["GET"]),
        Route(f"{base}/summary", api(summary), methods=["GET"]),
        *[Route(f"{base}/{op}", api(change(op), write=True), methods=["POST"])
          for op in ("take", "reply", "handback", "resolve")],
        Route(f"{base}/typing", api(typing, write=True), methods=["POST"]),
        *insights_routes(container, templates, api, logged_in_staff, csrf_token, shop_name, _json_object),
    ]


def conversation_view(container: Container, conversation_id: str) -> dict | None:
    """Transcript, verified customer and their orders: what a staff member needs to take over."""
    conversation = container.chat.store.conversation(conversation_id)
    if not conversation:
        return None
    customer = None
    if conversation.get("customer_id"):
        user = container.commerce.get_user(conversation["customer_id"])
        if user:
            orders = []
            for order_id in user.get("orders", []):
                order = container.commerce.get_order(order_id) or {}
                orders.append({"order_id": order_id, "status": order.get("status"),
                               "items": [i["name"] for i in order.get("items", [])]})
            customer = {"user_id": conversation["customer_id"],
                        "name": f"{user['name']['first_name']} {user['name']['last_name']}",
                        "email": user.get("email"), "orders": orders}
    return {**conversation, "customer": customer, "messages": container.chat.store.history(conversation_id)}


def summary_view(container: Container, conversation_id: str) -> dict | None:
    """The LLM's summary, asked for separately: the transcript must not wait for the model."""
    if not container.chat.store.conversation(conversation_id):
        return None
    written = container.staff_summaries.write(container.chat.store.history(conversation_id))
    return {"text": written.text, "grounding": written.grounding}
