"""Fixed wording the services share. Pure."""
from __future__ import annotations

from bot.domain.facts import Answer, Source

HUMAN_BUTTON = {"title": "Talk to a person", "payload": "/human_handoff"}

INPUT_PROBLEMS = {
    "empty": "I didn't catch a message there. What can I help you with? You can ask about a product, "
    "its price or stock, or our shipping and returns policies.",
    "too_long": "That message is too long for me to read in one go. Could you send your question in a "
    "few sentences (under {max_chars} characters)?",
    "unreadable": "Sorry, I couldn't read that message. Could you type your question in words?",
    "not_english": "Sorry, I can only help in English for now. Could you ask in English, or shall I "
    "connect you with a person?",
}


def dont_know(what: str = "I don't have information about that") -> Answer:
    return Answer(
        text=f"{what}, so I won't guess. Would you like me to connect you with a person from our team?",
        kind="unknown",
        buttons=[HUMAN_BUTTON],
        handoff_offered=True,
    )


def input_problem(reason: str, max_chars: int) -> Answer:
    text = INPUT_PROBLEMS[reason].format(max_chars=max_chars)
    buttons = [HUMAN_BUTTON] if reason == "not_english" else []
    return Answer(text=text, kind=f"input_{reason}", buttons=buttons, handoff_offered=bool(buttons))


def with_citation(text: str, sources: list[Source]) -> str:
    seen: list[str] = []
    for source in sources:
        cite = source.citation()
        if cite not in seen:
            seen.append(cite)
    return f"{text}\n(Source: {'; '.join(seen[:3])})" if seen else text
