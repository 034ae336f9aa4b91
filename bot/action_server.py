"""Runs the rasa-sdk action server in one process and loads every model before it accepts requests,
so the first shopper waits for nothing. Run: python -m bot.action_server [--port 5055]"""
from __future__ import annotations

import argparse
import logging
import os
import time

from sanic import response

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from bot.container import get_container
from bot.internal_auth import bearer_ok
from bot.services.turns import begin_turn

log = logging.getLogger(__name__)


PROTECTED = ("/webhook", "/actions", "/metrics")
TURN = "/webhook"


def build_app(cors_origins: str = "", token: str | None = None):
    """The action server; only callers with `Authorization: Bearer <internal token>` may run actions
    (a forged tracker could otherwise name any customer)."""
    token = token if token is not None else get_container().settings.internal_secret()
    executor = ActionExecutor()
    executor.register_package("actions")
    # Rasa calls the action server server-to-server: no browser origin needs CORS.
    app = create_app(executor, cors_origins=cors_origins or None)
    # Sanic answers 500 after 60 s by default, and Rasa then drops the turn without a reply. Replies
    # never wait that long for the LLM (SHOPBOT_TURN_BUDGET_S), but a long queue for the embedder
    # could; Rasa itself waits up to 300 s for an action.
    app.config.RESPONSE_TIMEOUT = 280

    @app.on_request
    async def require_token(request):
        path = request.path.rstrip("/")
        if path in PROTECTED and not bearer_ok(request.headers.get("authorization"), token):
            return response.json({"error": "Unauthorized."}, status=401)
        if path == TURN:  # the turn's latency budget (bot/services/turns.py) started when Rasa got the message
            request.ctx.turn_started = time.perf_counter()
            budget = get_container().settings.turn_budget_s
            begin_turn(budget, time.monotonic() - already_spent(request, budget))

    @app.on_response
    async def record_turn(request, _response):
        started = getattr(request.ctx, "turn_started", None)
        if started is not None:
            get_container().metrics.turn(_action_name(request), time.perf_counter() - started)

    @app.get("/metrics")
    async def metrics(_request):
        """Prometheus metrics (internal: loopback only, token required like the webhook)."""
        body, content_type = get_container().metrics.render()
        return response.raw(body, content_type=content_type)

    get_container().metrics.set_actions(frozenset(executor.actions))

    @app.before_server_start
    async def warm_up(_app, _loop):
        started = time.perf_counter()
        get_container().warm_up()
        log.info("models loaded in %.1f s", time.perf_counter() - started)

    return app


def already_spent(request, budget_s: float, now: float | None = None) -> float:
    """Seconds of the turn spent before the webhook call: since Rasa logged the shopper's message (the
    timestamp of the tracker's last `user` event), clamped to 0..budget (clocks of two machines may differ).
    0 when the body does not say."""
    try:
        events = request.json["tracker"]["events"]
        stamp = next(e["timestamp"] for e in reversed(events) if isinstance(e, dict) and e.get("event") == "user")
        spent = (time.time() if now is None else now) - float(stamp)
    except Exception:  # noqa: BLE001 - no or malformed tracker: rasa-sdk answers it; the clock starts now
        return 0.0
    return min(max(spent, 0.0), max(budget_s, 0.0)) if spent == spent else 0.0


def _action_name(request) -> str:
    """The action Rasa asked for (the metrics adapter keeps only registered names)."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - a malformed body was already answered by rasa-sdk
        return "other"
    name = body.get("next_action") if isinstance(body, dict) else None
    return name if isinstance(name, str) else "other"


def main() -> None:
    parser = argparse.ArgumentParser(description="shopbot action server")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    build_app().run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
