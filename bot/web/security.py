"""Security headers on every HTTP response of the web app (pure ASGI, so streamed and static
responses get them too). The policy allows only the app's own scripts, styles and connections (the
templates have no inline scripts, styles or event handlers); the staff console may not be framed at
all, the shop's pages only by the shop itself. The widget embedded by other sites is unaffected: a
policy on widget.js applies to no page."""
from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A Host header fit to be written into the policy (name or IP, optional port); anything else is left out.
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


def is_staff_path(path: str) -> bool:
    return path == "/staff" or path.startswith("/staff/")


def security_headers(path: str, host: str) -> list[tuple[str, str]]:
    staff = is_staff_path(path)
    sockets = f" ws://{host} wss://{host}" if _HOST.fullmatch(host) else ""  # socket.io, same host
    policy = "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", f"connect-src 'self'{sockets}",
        "img-src 'self' data:", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
        "frame-ancestors 'none'" if staff else "frame-ancestors 'self'"])
    headers = [("Content-Security-Policy", policy), ("X-Frame-Options", "DENY" if staff else "SAMEORIGIN"),
               ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]
    if staff:  # customer data and console pages stay out of caches (and the back button after logout)
        headers.append(("Cache-Control", "no-store"))
    return headers


class SecurityHeaders:
    """Adds `security_headers` to each response, leaving any header a route set itself."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                 for name, value in security_headers(scope["path"], Headers(scope=scope).get("host", ""))]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
