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

log = logging.getLogger(__name__)


PROTECTED = ("/webhook", "/actions")


def build_app(cors_origins: str = "", token: str | None = None):
    """The action server; only callers with `Authorization: Bearer <internal token>` may run actions
    (a forged tracker could otherwise name any customer)."""
    token = token if token is not None else get_container().settings.internal_secret()
    executor = ActionExecutor()
    executor.register_package("actions")
    # Rasa calls the action server server-to-server: no browser origin needs CORS.
    app = create_app(executor, cors_origins=cors_origins or None)
    # Sanic answers 500 after 60 s by default, and Rasa then drops the turn without a reply. Replies
    # never wait that long for the LLM (SHOPBOT_LLM_MAX_WAIT_S), but a long queue for the embedder
    # could; Rasa itself waits up to 300 s for an action.
    app.config.RESPONSE_TIMEOUT = 280

    @app.on_request
    async def require_token(request):
        if request.path.rstrip("/") in PROTECTED and not bearer_ok(request.headers.get("authorization"), token):
            return response.json({"error": "Unauthorized."}, status=401)

    @app.before_server_start
    async def warm_up(_app, _loop):
        started = time.perf_counter()
        get_container().warm_up()
        log.info("models loaded in %.1f s", time.perf_counter() - started)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="shopbot action server")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    build_app().run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
