"""Prometheus metrics of the budget (queue depth, phrased vs composed replies, turn latency) and the action
server's /metrics endpoint: internal token required, like the webhook. The app is driven through its ASGI
interface in process (no port, no network)."""
from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.action_server import already_spent
from bot.adapters.prometheus_metrics import PrometheusMetrics
from bot.adapters.store_dir import StoreData
from bot.container import set_container
from bot.ports import Passage
from tests.fakes import FakeChatModel, FakeEmbedder, FakeRetriever, fake_container, tiny_catalogue

POLICY = Passage("Items can be returned within 30 days of delivery.", 0,
                 {"doc_type": "policy", "source": "policies/returns.md", "title": "Returns", "section": "Window"})
TOKEN = "metrics-test-token"


def sample(text: str, name: str, **labels) -> float | None:
    """The value of one sample in Prometheus' text format."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def test_the_adapter_exposes_queue_depth_replies_and_latencies():
    metrics = PrometheusMetrics(turn_budget_s=2.0, actions=frozenset({"action_policy_answer"}))
    metrics.set_slots(2)
    metrics.llm_queue(3, 1)
    metrics.llm_call("policy", 0.7, 0.2)
    metrics.reply("policy", "llm", "phrased")
    metrics.reply("upsell", "composed", "over_budget")
    metrics.reply("upsell", "composed", "over_budget")
    metrics.turn("action_policy_answer", 1.2)
    text = metrics.render()[0].decode()
    assert sample(text, "shopbot_llm_queue_depth") == 4 and sample(text, "shopbot_llm_queue_waiting") == 3
    assert sample(text, "shopbot_llm_slots") == 2 and sample(text, "shopbot_turn_budget_seconds") == 2.0
    assert sample(text, "shopbot_replies_total", task="upsell", grounding="composed", reason="over_budget") == 2
    assert sample(text, "shopbot_replies_total", task="policy", grounding="llm", reason="phrased") == 1
    assert sample(text, "shopbot_llm_call_seconds_count", task="policy") == 1
    assert sample(text, "shopbot_turn_seconds_bucket", action="action_policy_answer", le="1.5") == 1
    assert sample(text, "shopbot_turn_seconds_bucket", action="action_policy_answer", le="1.0") == 0


def test_labels_never_take_values_from_outside_the_code():
    metrics = PrometheusMetrics(actions=frozenset({"action_policy_answer"}))
    metrics.turn("<script>forged</script>", 0.1)
    metrics.reply("x" * 500, "whatever", "made-up")
    text = metrics.render()[0].decode()
    assert "forged" not in text and "x" * 50 not in text
    assert sample(text, "shopbot_turn_seconds_count", action="other") == 1
    assert sample(text, "shopbot_replies_total", task="other", grounding="other", reason="other") == 1


def test_two_containers_keep_separate_registries():
    PrometheusMetrics().reply("policy", "llm", "phrased")
    fresh = PrometheusMetrics().render()[0].decode()
    assert sample(fresh, "shopbot_replies_total", task="policy", grounding="llm", reason="phrased") is None


# -- the action server ---------------------------------------------------------------------------------
class RecordingModel(FakeChatModel):
    slots = 1

    def __init__(self):
        super().__init__('{"intro": "Sure", "facts": [1]}')
        self.deadlines: list[float] = []
        self.called_at: list[float] = []

    def load(self):
        return self

    def complete_by(self, messages, grammar, max_tokens, deadline):
        self.deadlines.append(deadline)
        self.called_at.append(time.monotonic())
        return self.complete(messages, grammar, max_tokens)


class NoOrders:
    def is_empty(self):
        return True


@pytest.fixture()
def served(tmp_path):
    store = StoreData(tmp_path, tiny_catalogue(), [], {}, {})
    model = RecordingModel()
    container = fake_container(store, llm=model, retriever=FakeRetriever([POLICY]), embedder=FakeEmbedder(),
                               relevance_threshold=0.3,
                               turn_budget_s=30.0)
    container.__dict__["commerce"] = NoOrders()  # the warm-up opens the orders database; none is needed here
    set_container(container)
    try:
        from bot.action_server import build_app

        yield build_app(token=TOKEN), model
    finally:
        set_container(None)


async def _call(app, requests):
    """Runs the app's start-up (warm-up) through ASGI lifespan, then the requests; returns the responses."""
    inbox: asyncio.Queue = asyncio.Queue()
    outbox: asyncio.Queue = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put))
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    out = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://actions") as client:
        for method, path, headers, body in requests:
            out.append(await client.request(method, path, headers=headers, json=body))
    await inbox.put({"type": "lifespan.shutdown"})
    await outbox.get()
    await lifespan
    return out


def _webhook(action: str, events: list | None = None) -> dict:
    text = "can items be returned within 30 days of delivery"
    return {"next_action": action, "sender_id": "shopper-1", "domain": {}, "version": "3.6.21",
            "tracker": {"sender_id": "shopper-1", "slots": {}, "events": events or [], "paused": False,
                        "followup_action": None,
                        "active_loop": {}, "latest_action_name": "action_listen",
                        "latest_message": {"text": text, "intent": {"name": "policy_returns"}, "entities": []}}}


async def test_metrics_need_the_internal_token_and_count_turns(served):
    app, model = served
    auth = {"Authorization": f"Bearer {TOKEN}"}
    anonymous, wrong, turn, unknown, scraped = await _call(app, [
        ("GET", "/metrics", {}, None),
        ("GET", "/metrics", {"Authorization": "Bearer nope"}, None),
        # Rasa logged the message 10 s ago (a slow NLU queue): those 10 s of the 30 s budget are gone
        ("POST", "/webhook", auth, _webhook("action_policy_answer", [{"event": "user", "timestamp": time.time() - 10,
                                                                      "text": "can items be returned"}])),
        ("POST", "/webhook", auth, _webhook("action_that_does_not_exist")),
        ("GET", "/metrics", auth, None),
    ])
    assert anonymous.status_code == 401 and wrong.status_code == 401
    assert "shopbot" not in anonymous.text
    assert turn.status_code == 200 and "30 days" in turn.json()["responses"][0]["text"]
    assert unknown.status_code < 500
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert sample(text, "shopbot_turn_seconds_count", action="action_policy_answer") == 1
    assert sample(text, "shopbot_turn_seconds_count", action="other") == 1
    assert sample(text, "shopbot_replies_total", task="policy", grounding="llm", reason="phrased") >= 1
    assert sample(text, "shopbot_llm_queue_depth") == 0
    # the turn's budget reached the phraser inside the action's worker thread: the model got a deadline,
    # counted from when Rasa logged the message (a deadline 30 s after the webhook call would be > 25 s away)
    assert len(model.deadlines) == 1 and model.deadlines[0] - model.called_at[0] < 25


class FakeRequest:
    def __init__(self, body):
        self.body = body

    @property
    def json(self):
        if isinstance(self.body, Exception):
            raise self.body
        return self.body


@pytest.mark.parametrize("body, spent", [
    ({"tracker": {"events": [{"event": "user", "timestamp": 990.0}, {"event": "action", "timestamp": 999.0}]}}, 10.0),
    ({"tracker": {"events": [{"event": "user", "timestamp": 100.0}]}}, 30.0),  # older than the budget: all spent
    ({"tracker": {"events": [{"event": "user", "timestamp": 1100.0}]}}, 0.0),  # another machine's clock ahead
    ({"tracker": {"events": [{"event": "user", "timestamp": "nan"}]}}, 0.0),
    ({"tracker": {"events": [{"event": "user", "timestamp": "soon"}]}}, 0.0),
    ({"tracker": {"events": []}}, 0.0),  # no user message
    ({"tracker": None}, 0.0),
    ([1, 2], 0.0),
    (ValueError("malformed JSON"), 0.0),
])
def test_the_turn_clock_starts_when_rasa_logged_the_message(body, spent):
    assert already_spent(FakeRequest(body), 30.0, now=1000.0) == spent
