"""Grounding check: every number, price, product name, link and address in a generated reply must
appear in the facts it was written from. Pure: no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_LINK = re.compile(r"(https?://\S+|www\.\S+|\b[\w.+-]+@[\w-]+\.[\w.]+)", re.IGNORECASE)


@dataclass
class GroundingResult:
    unsupported: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unsupported


def _numbers(text: str) -> set[float]:
    out = set()
    for raw in _NUMBER.findall(text):
        try:
            out.add(round(float(raw.replace(",", "").rstrip(".")), 2))
        except ValueError:
            continue
    return out


def _mentions(text: str, names: Iterable[str]) -> set[str]:
    low = text.lower()
    return {n for n in names if n and re.search(rf"(?<!\w){re.escape(n.lower())}s?(?!\w)", low)}


def check_grounding(reply: str, facts: Iterable[str], catalogue_names: Iterable[str] = ()) -> GroundingResult:
    facts_text = "\n".join(facts)
    names = list(catalogue_names)
    result = GroundingResult()
    fact_numbers = _numbers(facts_text)
    result.unsupported += sorted(
        {raw for raw in _NUMBER.findall(reply) if _numbers(raw) and not _numbers(raw) <= fact_numbers}
    )
    fact_names = _mentions(facts_text, names)
    result.unsupported += sorted(_mentions(reply, names) - fact_names)
    fact_links = {m.lower() for m in _LINK.findall(facts_text)}
    result.unsupported += [m for m in _LINK.findall(reply) if m.lower() not in fact_links]
    return result
