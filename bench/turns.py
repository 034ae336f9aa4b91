"""Turns over the REST channel: sending one, classifying the reply (error? which path did it take?),
the shopper messages of each turn type (built from the store's own products), and per-type latency."""
from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
TURN_TYPES = ("intent", "fact", "fact_again", "llm")
TURN_TYPE_TITLES = {"intent": "intent-only (fixed Rasa response)", "fact": "structured fact (catalogue)",
                    "fact_again": "structured fact, second of a conversation (no upsell)",
                    "llm": "retrieval + LLM"}
# Types whose timed turn follows an untimed one on the same sender: a second product question gets no upsell,
# since the first one's suggestion is still open (bot/domain/upsell.py).
PRIMED = {"fact_again": "fact"}
INTENT_MESSAGES = ("hello", "hi there", "thanks", "thank you!", "bye", "goodbye")
# Policy questions only: "can I return an item I bought?" rightly starts the order flow instead.
POLICY_QUESTIONS = ("what is your return policy?", "how long does a refund take?", "what is your exchange policy?",
                    "what is your cancellation policy?", "how do refunds work for returned items?",
                    "which payment methods do you accept?")
DESCRIBE_TEMPLATES = ("tell me about the {name}", "describe the {name}")
# Answer kinds that went through retrieval and the phraser; "llm"/"replaced" grounding = the LLM ran.
LLM_KINDS = frozenset({"policy", "product_describe", "product_product", "recommendation"})
LLM_GROUNDINGS = frozenset({"llm", "replaced"})
ERROR_KINDS = ("http_error", "timeout", "empty", "technical_problem")


def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); q in 0..1; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latency_summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_s": _round(percentile(values, 0.50), 6), "p95_s": _round(percentile(values, 0.95), 6),
            "p99_s": _round(percentile(values, 0.99), 6), "max_s": _round(max(values) if values else None, 6)}


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# -- one REST turn -----------------------------------------------------------------------------------
def rest_send(url: str, timeout_s: float, token: str) -> Callable[[str, str], list[dict]]:
    """A send(sender, message) -> messages function over Rasa's REST channel (internal: token required)."""
    def send(sender: str, message: str) -> list[dict]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json",
                                                     "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.loads(response.read())
    return send


@dataclass
class Reply:
    """What one turn gave back: the texts, and the shopbot metadata (kind, grounding) of each answer.
    The REST channel sends an answer's text and its custom JSON as two separate messages."""

    texts: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    groundings: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, messages: list[dict]) -> "Reply":
        reply = cls()
        for message in messages:
            if message.get("text"):
                reply.texts.append(message["text"])
            meta = (message.get("custom") or {}).get("shopbot")
            if isinstance(meta, dict):
                reply.kinds.append(str(meta.get("kind", "")))
                reply.groundings.append(str(meta.get("grounding", "")))
        return reply


def classify_exception(error: BaseException) -> str:
    """Timeouts apart from every other transport failure (HTTP status, refused connection, bad JSON)."""
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "timeout"
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, (TimeoutError, socket.timeout)):
        return "timeout"
    return "http_error"


def classify_reply(reply: Reply, technical_texts: frozenset[str] = frozenset()) -> str | None:
    """None for a usable reply, else the error kind: nothing said, or the bot's 'technical problem' apology."""
    if "technical_problem" in reply.kinds or any(t.strip() in technical_texts for t in reply.texts):
        return "technical_problem"
    if not any(t.strip() for t in reply.texts):
        return "empty"
    return None


def took_path(turn_type: str, reply: Reply, fixed_texts: frozenset[str]) -> bool:
    """Did the turn take the path its type stands for?"""
    if turn_type == "intent":  # a fixed domain response: no action ran, no shopbot metadata
        return bool(reply.texts) and not reply.kinds and all(t.strip() in fixed_texts for t in reply.texts)
    if turn_type == "fact":  # the answer is composed from the catalogue, no LLM
        return reply.kinds[:1] == ["product_fact"] and reply.groundings[:1] == ["composed"]
    if turn_type == "fact_again":  # the same, and no upsell with it
        return took_path("fact", reply, fixed_texts) and "upsell" not in reply.kinds
    if turn_type == "llm":
        return bool(reply.kinds) and reply.kinds[0] in LLM_KINDS and reply.groundings[0] in LLM_GROUNDINGS
    raise ValueError(turn_type)


def domain_texts(domain_file: Path = ROOT / "domain.yml") -> tuple[frozenset[str], frozenset[str]]:
    """(every fixed response text, the technical-problem apology texts) from the Rasa domain."""
    import yaml

    responses = yaml.safe_load(domain_file.read_text())["responses"]
    fixed = frozenset(v["text"].strip() for variants in responses.values() for v in variants if v.get("text"))
    technical = frozenset(v["text"].strip() for v in responses.get("utter_technical_problem", []) if v.get("text"))
    return fixed, technical


@dataclass
class TurnResult:
    turn_type: str
    message: str
    latency_s: float
    error: str | None
    reply: Reply
    on_path: bool


def timed_turn(send: Callable[[str, str], list[dict]], sender: str, message: str, turn_type: str,
               fixed: frozenset[str], technical: frozenset[str]) -> TurnResult:
    started = time.perf_counter()
    try:
        messages = send(sender, message)
    except Exception as error:  # the bench records failures, it never stops on one
        return TurnResult(turn_type, message, time.perf_counter() - started, classify_exception(error), Reply(), False)
    latency = time.perf_counter() - started
    reply = Reply.of(messages)
    error = classify_reply(reply, technical)
    return TurnResult(turn_type, message, latency, error, reply, error is None and took_path(turn_type, reply, fixed))


# -- shopper messages built from the store -------------------------------------------------------------
def fact_questions(products: dict, rng: random.Random, n: int) -> list[str]:
    """Price or stock questions naming one exact variant (all its option values) of a real product."""
    unique = []
    for product in products.values():
        variants = list(product.get("variants", {}).values())
        for variant in variants:
            values = list(variant.get("options", {}).values())
            same = [v for v in variants if set(v.get("options", {}).values()) == set(values)]
            if values and len(same) == 1:
                unique.append((product["name"], values))
    picks = [unique[rng.randrange(len(unique))] for _ in range(n)]
    out = []
    for i, (name, values) in enumerate(picks):
        described = " ".join(str(v) for v in values)
        out.append(f"how much is the {described} {name.lower()}?" if i % 2 == 0
                   else f"is the {described} {name.lower()} in stock?")
    return out


def llm_questions(products: dict, rng: random.Random, n: int) -> list[str]:
    """Policy questions and product description questions, alternating."""
    names = [p["name"] for p in products.values()]
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append(POLICY_QUESTIONS[(i // 2) % len(POLICY_QUESTIONS)])
        else:
            template = DESCRIBE_TEMPLATES[(i // 2) % len(DESCRIBE_TEMPLATES)]
            out.append(template.format(name=names[rng.randrange(len(names))].lower()))
    return out


def turn_messages(products: dict, n: int, seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {"intent": [INTENT_MESSAGES[i % len(INTENT_MESSAGES)] for i in range(n)],
            "fact": fact_questions(products, rng, n), "llm": llm_questions(products, rng, n),
            "fact_again": fact_questions(products, rng, n)}


# -- per-type latency ----------------------------------------------------------------------------------
def run_turn_types(send: Callable[[str, str], list[dict]], messages: dict[str, list[str]],
                   fixed: frozenset[str], technical: frozenset[str]) -> list[TurnResult]:
    """Round-robin over the types (so drift in a shared CPU hits them alike), a fresh sender per turn; a
    PRIMED type's sender first asks an untimed question of the type it follows."""
    results = []
    for i in range(max(len(m) for m in messages.values())):
        for turn_type in TURN_TYPES:
            if i < len(messages.get(turn_type, ())):
                sender = f"bench-{turn_type}-{uuid.uuid4().hex[:10]}"
                if turn_type in PRIMED and messages.get(PRIMED[turn_type]):
                    primers = messages[PRIMED[turn_type]]
                    timed_turn(send, sender, primers[(i + 1) % len(primers)], PRIMED[turn_type], fixed, technical)
                results.append(timed_turn(send, sender, messages[turn_type][i], turn_type, fixed, technical))
    return results


def summarise_turns(results: list[TurnResult]) -> dict[str, dict]:
    out = {}
    for turn_type in TURN_TYPES:
        mine = [r for r in results if r.turn_type == turn_type]
        ok = [r for r in mine if r.error is None]
        kinds: dict[str, int] = {}
        groundings: dict[str, int] = {}
        for r in ok:
            for kind, grounding in zip(r.reply.kinds, r.reply.groundings):
                kinds[kind] = kinds.get(kind, 0) + 1
                groundings[f"{kind}:{grounding}"] = groundings.get(f"{kind}:{grounding}", 0) + 1
        with_upsell = [r for r in mine if r.on_path and "upsell" in r.reply.kinds[1:]]
        upsold = {id(r) for r in with_upsell}
        # Percentiles over the turns that took the type's path; off-path turns are listed apart.
        out[turn_type] = {
            **latency_summary([r.latency_s for r in mine if r.on_path]),
            "all_ok_turns": latency_summary([r.latency_s for r in ok]),
            "turns": len(mine), "errors": len(mine) - len(ok),
            "on_path": sum(r.on_path for r in mine), "on_path_share": _round(
                sum(r.on_path for r in mine) / len(mine) if mine else None),
            "with_llm_upsell": sum(1 for r in with_upsell
                                   if r.reply.groundings[r.reply.kinds.index("upsell", 1)] in LLM_GROUNDINGS),
            "without_upsell": latency_summary([r.latency_s for r in mine if r.on_path and id(r) not in upsold]),
            "with_upsell": latency_summary([r.latency_s for r in with_upsell]),
            "kinds": kinds, "kind_groundings": groundings,
            "latencies_s": [round(r.latency_s, 4) for r in mine if r.on_path],
            "off_path_examples": [{"message": r.message, "error": r.error, "kinds": r.reply.kinds,
                                   "latency_s": round(r.latency_s, 3), "text": (r.reply.texts or [""])[0][:160]}
                                  for r in mine if not r.on_path][:5],
        }
    return out
