"""`python -m bot.web --port 8000`: the shop with the chat widget (Rasa and the action server run beside it)."""
from __future__ import annotations

import argparse
import logging
import threading

import uvicorn

from bot.container import get_container
from bot.web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Load the LLM for staff summaries in the background, so the first one isn't slow.
    warm = [{"author": "shopper", "text": "hello"}]
    threading.Thread(target=lambda: get_container().staff_summaries.write(warm), daemon=True).start()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
