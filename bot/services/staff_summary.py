"""A short summary of a conversation for the person taking over, written by the LLM from the
transcript and checked against it: in select mode the model picks the transcript lines that matter;
in free mode its text must pass the grounding check (no number, name, link or e-mail not in the
transcript), or the summary falls back to the shopper's last messages."""
from __future__ import annotations

from dataclasses import dataclass

from bot.domain.prompts import without_opener

MAX_LINES = 8


@dataclass(frozen=True)
class StaffSummary:
    text: str
    grounding: str  # "llm", "replaced" or "composed", as for shopper answers


def transcript_facts(messages: list[dict]) -> list[str]:
    lines = []
    for message in messages:
        text = " ".join(str(message.get("text", "")).split())[:300]
        if message.get("author") == "shopper" and text and not text.startswith("/"):
            lines.append(f"Shopper said: {text}")
    return lines[-MAX_LINES:]


class StaffSummaryWriter:
    def __init__(self, phraser):
        self.phraser = phraser

    def write(self, messages: list[dict]) -> StaffSummary:
        facts = transcript_facts(messages)
        if not facts:
            return StaffSummary("The shopper hasn't written anything yet.", "composed")
        phrased = self.phraser.phrase("summary", "What does the shopper need help with?", facts, max_facts=3)
        text = without_opener(phrased.text)
        if phrased.grounding != "llm":
            text = " ".join(facts[-3:])
        return StaffSummary(text, phrased.grounding)
