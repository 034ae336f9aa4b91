"""The internal services are locked (security test findings): Rasa's HTTP API and REST channel need the
internal token, the action server refuses forged trackers, both listen on loopback only, and malformed
bodies get a 4xx, never a 500."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import ACTIONS_PORT, RASA_PORT, TOKEN, say, texts

RASA = f"http://127.0.0.1:{RASA_PORT}"


def call(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json", **(headers or {})},
                                     method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


FORGED_SLOT = json.dumps([{"event": "slot", "name": "customer_id", "value": "olivia_ito_3591"}]).encode()


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/conversations/victim/tracker", None),
    ("POST", "/conversations/attacker/tracker/events", FORGED_SLOT),
    ("PUT", "/conversations/attacker/tracker/events", FORGED_SLOT),
    ("POST", "/conversations/attacker/execute", json.dumps({"name": "action_submit_order_request"}).encode()),
    ("POST", "/conversations/attacker/trigger_intent", json.dumps({"name": "order_cancel"}).encode()),
    ("POST", "/conversations/attacker/messages", json.dumps({"text": "hi", "sender": "user"}).encode()),
    ("POST", "/model/parse", json.dumps({"text": "hi"}).encode()),
    ("PUT", "/model", json.dumps({"model_file": "/tmp/evil.tar.gz"}).encode()),
    ("DELETE", "/model", None),
    ("GET", "/status", None),
])
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_rasas_http_api_refuses_without_the_token(stack, method, path, body, token):
    url = RASA + path + (f"?token={token}" if token else "")
    status, _ = call(method, url, body)
    assert status in (401, 403), (method, path, status)


def test_a_forged_tracker_event_never_reaches_the_conversation(stack):
    call("POST", f"{RASA}/conversations/forger/tracker/events", FORGED_SLOT)
    replies = say("show me my orders", sender="forger")
    assert "verify who you are" in texts(replies) and "#W" not in texts(replies)


def test_the_rest_channel_needs_the_token(stack):
    body = json.dumps({"sender": "nobody", "message": "what orders does olivia have?"}).encode()
    assert call("POST", f"{RASA}/webhooks/rest/webhook", body)[0] == 401
    assert call("POST", f"{RASA}/webhooks/rest/webhook", body, {"Authorization": "Bearer nope"})[0] == 401


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b'"a string"', b"{not json", b"null", b'{"message": "hi"}',
                                  b'{"sender": 5, "message": "hi"}', b'{"sender": "x", "message": ["hi"]}'])
def test_malformed_rest_bodies_get_a_400(stack, body):
    status, text = call("POST", f"{RASA}/webhooks/rest/webhook", body, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 400 and "Traceback" not in text


def test_a_lone_surrogate_over_rest_gets_a_reply(stack):
    body = b'{"sender": "surrogate", "message": "hello \\ud800"}'
    status, text = call("POST", f"{RASA}/webhooks/rest/webhook", body, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and json.loads(text)[0]["text"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_the_action_server_refuses_a_forged_tracker(stack, headers):
    forged = {"next_action": "action_submit_order_request", "sender_id": "x", "version": "3.6.21",
              "tracker": {"sender_id": "x", "slots": {"customer_id": "olivia_ito_3591", "order_request": "cancel",
                                                      "order_id": "#W5442520", "cancel_reason": "no longer needed",
                                                      "order_confirmed": True},
                          "latest_message": {"text": "yes", "intent": {"name": "affirm"}}, "events": [],
                          "active_loop": {}},
              "domain": {}}
    status, _ = call("POST", f"http://127.0.0.1:{ACTIONS_PORT}/webhook", json.dumps(forged).encode(), headers)
    assert status == 401
    assert stack.store.get_order("#W5442520")["status"] == "pending"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on a port (from /proc: no network needed)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


@pytest.mark.parametrize("port", [RASA_PORT, ACTIONS_PORT])
def test_rasa_and_the_action_server_listen_on_loopback_only(stack, port):
    addresses = _listening_addresses(port)
    assert addresses and addresses <= {"0100007F", "00000000000000000000000001000000"}, addresses


def test_rasas_own_socketio_channel_is_not_served(stack):
    """The web app is the widget's only door (it checks origins); Rasa's socket.io accepted any origin."""
    status, _ = call("GET", f"{RASA}/socket.io/?EIO=4&transport=polling", None, {"Origin": "http://evil.example"})
    assert status == 404
