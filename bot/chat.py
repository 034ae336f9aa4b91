"""Terminal conversation with the running bot over its REST channel. Run: python -m bot.chat"""
from __future__ import annotations

import json
import os
import sys
import urllib.request
import uuid


def send(url: str, sender: str, message: str) -> list[dict]:
    from bot.internal_auth import bearer
    from bot.settings import get_settings

    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json",
                                                 **bearer(get_settings().internal_secret())})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def main() -> None:
    url = os.environ.get("SHOPBOT_REST_URL", "http://localhost:5005/webhooks/rest/webhook")
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print("Talk to the shop assistant (Ctrl-D to quit).")
    for line in sys.stdin:
        for message in send(url, sender, line.rstrip("\n")):
            if "text" in message:
                print(f"bot> {message['text']}")
            for button in message.get("buttons", []):
                print(f"     [{button['title']}]  (type: {button['payload']})")
            if sources := message.get("custom", {}).get("shopbot", {}).get("sources"):
                print(f"     sources: {', '.join(s['kind'] + ':' + s['id'] for s in sources)}")
        print("you> ", end="", flush=True)


if __name__ == "__main__":
    main()
