"""The ServingMetrics port in Prometheus' text format (prometheus_client), in a registry of its own so
that several containers (tests) never clash. The action server serves it at /metrics (internal token)."""
from __future__ import annotations

TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0, 30.0)
CALL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
# Tasks and reasons come from code, never from shoppers; anything else is folded into "other" so that a
# bug can never grow the number of series without bound.
TASKS = frozenset({"policy", "product", "describe", "recommend", "upsell", "summary"})
REASONS = frozenset({"phrased", "grounding", "error", "over_budget", "busy", "no_model", "no_facts"})
GROUNDINGS = frozenset({"llm", "replaced", "composed"})


def _label(value: str, allowed: frozenset[str]) -> str:
    return value if value in allowed else "other"


class PrometheusMetrics:
    def __init__(self, turn_budget_s: float = 0.0, actions: frozenset[str] = frozenset()):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self._actions = actions
        self.queue_waiting = Gauge("shopbot_llm_queue_waiting", "Phrasing calls waiting for the model.",
                                   registry=self.registry)
        self.queue_running = Gauge("shopbot_llm_queue_running", "Phrasing calls the model is serving.",
                                   registry=self.registry)
        self.queue_depth = Gauge("shopbot_llm_queue_depth", "Phrasing calls waiting or running.",
                                 registry=self.registry)
        self.slots = Gauge("shopbot_llm_slots", "Calls the model serves at once.", registry=self.registry)
        self.budget = Gauge("shopbot_turn_budget_seconds", "Configured latency budget per turn (0 = none).",
                            registry=self.registry)
        self.replies = Counter("shopbot_replies", "Replies by grounding (llm = phrased by the model, composed = "
                               "from the facts without it, replaced = the model's text failed) and reason.",
                               ["task", "grounding", "reason"], registry=self.registry)
        self.calls = Histogram("shopbot_llm_call_seconds", "How long one model call ran.", ["task"],
                               buckets=CALL_BUCKETS, registry=self.registry)
        self.waits = Histogram("shopbot_llm_queue_wait_seconds", "How long a model call queued before it ran.",
                               buckets=CALL_BUCKETS, registry=self.registry)
        self.turns = Histogram("shopbot_turn_seconds", "Action server time per turn (webhook request to reply).",
                               ["action"], buckets=TURN_BUCKETS, registry=self.registry)
        self.slots.set(1)
        self.budget.set(turn_budget_s)

    # -- the ServingMetrics port -------------------------------------------------------------------------
    def llm_queue(self, waiting: int, running: int) -> None:
        self.queue_waiting.set(waiting)
        self.queue_running.set(running)
        self.queue_depth.set(waiting + running)

    def llm_call(self, task: str, seconds: float, waited_s: float) -> None:
        self.calls.labels(_label(task, TASKS)).observe(max(0.0, seconds))
        self.waits.observe(max(0.0, waited_s))

    def reply(self, task: str, grounding: str, reason: str) -> None:
        self.replies.labels(_label(task, TASKS), _label(grounding, GROUNDINGS), _label(reason, REASONS)).inc()

    # -- the action server's own -------------------------------------------------------------------------
    def turn(self, action: str, seconds: float) -> None:
        self.turns.labels(action if action in self._actions else "other").observe(max(0.0, seconds))

    def set_slots(self, slots: int) -> None:
        self.slots.set(slots)

    def set_actions(self, actions: frozenset[str]) -> None:
        """The registered action names: the only values the `action` label takes."""
        self._actions = frozenset(actions)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
