"""Versioned prompt templates and output grammars for the answer-phrasing LLM. Pure: no I/O.

The fixed part (system prompt and few-shot examples) comes first and never changes between
requests, so llama.cpp reuses its KV cache; only the facts and the question follow it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

PROMPT_VERSION = "grounded-answer/v3"

# A tiny model's free-written lead-ins invented claims ("we also accept cash"), so in select mode it
# chooses one of these openers; everything after it is the shop's own facts, verbatim.
OPENERS = ("Here is what I found", "Good question", "Sure", "Happy to help", "Here are the details")

SYSTEM = (
    "You are the shop's customer-service assistant. You only use the numbered FACTS. "
    "Pick the facts that answer the QUESTION, most useful first, and a short friendly opener. "
    "Never add prices, numbers, products, links or promises of your own."
)

# (facts, question, answer) - the answer shows the output format the grammar enforces.
FEW_SHOT = [
    (
        ["Items can be returned within 30 days of delivery.", "Refunds go to the original payment method."],
        "how long do i have to send something back?",
        {"intro": "Here are the details", "facts": [1, 2]},
    ),
    (
        ["The Trail Lamp is water resistant.", "The Trail Lamp is rechargeable.", "Trail Lamp weight: 80 g."],
        "is the lamp waterproof?",
        {"intro": "Good question", "facts": [1]},
    ),
]

# What the examples say about a shop that is not this one (their facts and questions; the openers are
# the allowed lead-ins). The grounding check rejects a reply that repeats any of it - a 4-word sequence,
# a name such as "Trail Lamp", a number - unless the question's own facts say it too.
EXAMPLE_TEXTS: tuple[str, ...] = tuple(
    text for shot_facts, shot_question, _ in FEW_SHOT for text in (*shot_facts, shot_question)
)

# Tasks whose facts the services pass best first (ranked by similarity to the question, or the product's
# own lead sentence). In select mode the grammar makes the reply start with fact 1 (or facts 1..`lead`),
# and the model only chooses what to add: SmolLM2-135M's own pick missed the answering fact in about half
# of the policy questions of `make eval`. Policy answers now lead with every ranked fact they offer: when
# the model chose the extra facts, it stated the fact asked for 3-6 points less often than the ranked
# facts alone (issue 11, reports/eval.md), so there it only picks the opener.
RANKED_TASKS = frozenset({"policy", "product", "describe", "recommend", "upsell"})

TASK_HINTS = {
    "policy": "Answer the policy question.",
    "product": "Answer the question about the product.",
    "describe": "Describe the product briefly.",
    "upsell": "Suggest the product as a good match, without pushing.",
    "recommend": "Recommend the products that fit.",
    "summary": "Pick the lines a support agent must read to understand what the shopper needs.",
}


@dataclass(frozen=True)
class PromptParts:
    messages: list[dict]
    grammar: str | None


def number_facts(facts: list[str]) -> str:
    return "\n".join(f"{i}. {fact}" for i, fact in enumerate(facts, 1))


def user_turn(task: str, facts: list[str], question: str) -> str:
    return f"TASK: {TASK_HINTS.get(task, TASK_HINTS['product'])}\nFACTS:\n{number_facts(facts)}\nQUESTION: {question.strip()[:400]}"


def build_messages(task: str, facts: list[str], question: str, mode: str = "select") -> list[dict]:
    messages = [{"role": "system", "content": SYSTEM}]
    for shot_facts, shot_question, shot_answer in FEW_SHOT:
        messages.append({"role": "user", "content": user_turn("policy", shot_facts, shot_question)})
        messages.append({"role": "assistant", "content": _shot_reply(shot_answer, shot_facts, mode)})
    messages.append({"role": "user", "content": user_turn(task, facts, question)})
    return messages


def _shot_reply(answer: dict, facts: list[str], mode: str) -> str:
    if mode == "select":
        return json.dumps(answer)
    chosen = " ".join(facts[i - 1] for i in answer["facts"])
    return f"{answer['intro']}. {chosen}"


def select_grammar(n_facts: int, max_pick: int = 3, lead_with_first: bool = False, lead: int = 1) -> str:
    """GBNF: one of the fixed openers, then 1..max_pick fact numbers that exist (the first ones being
    facts 1..`lead` in order when `lead_with_first`)."""
    indices = " | ".join(f'"{i}"' for i in range(1, n_facts + 1))
    openers = " | ".join(f'"{o}"' for o in OPENERS)
    lead = max(1, min(lead, n_facts, max_pick)) if lead_with_first else 1
    more = f'("," " "? idx){{0,{max(0, min(max_pick, n_facts) - lead)}}}'
    first = ' "," " "? '.join(f'"{i}"' for i in range(1, lead + 1)) if lead_with_first else "idx"
    return "\n".join(
        [
            'root ::= "{\\"intro\\": \\"" intro "\\", \\"facts\\": [" ' + first + " " + more + ' "]}"',
            f"intro ::= {openers}",
            f"idx ::= {indices}",
        ]
    )


def parse_selection(raw: str, n_facts: int) -> tuple[str, list[int]] | None:
    """Read the model's JSON; None when it is unusable (the caller composes from facts instead)."""
    try:
        data = json.loads(raw)
        intro = str(data.get("intro", "")).strip()
        picks: list[int] = []
        for i in data.get("facts", []):
            if isinstance(i, int) and 1 <= i <= n_facts and i not in picks:
                picks.append(i)
    except (ValueError, AttributeError, TypeError):
        return None
    return (intro, picks) if picks else None


def compose_selected(intro: str, facts: list[str], picks: list[int]) -> str:
    body = " ".join(facts[i - 1] for i in picks)
    lead = intro.strip().rstrip(" ,!-.:")
    if lead not in OPENERS:
        return body
    return f"{lead}{':' if lead.startswith('Here') else '!'} {body}"


def without_opener(text: str) -> str:
    """The selected facts alone (a staff summary needs no friendly lead-in)."""
    for opener in OPENERS:
        for mark in (": ", "! "):
            if text.startswith(opener + mark):
                return text[len(opener) + len(mark):]
    return text
