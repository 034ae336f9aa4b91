"""Who a message claims to be, and how many wrong guesses are allowed. Pure: no I/O.

One identity per message: a message with two e-mail addresses, two zip codes or a list of names is
refused as a whole (else one message could try 31 addresses at once). Failed attempts are limited per
conversation and per account, with a lockout that doubles each time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.order_parsing import find_emails, find_zip, name_candidates

_ZIPS = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
_ORDER_IDS = re.compile(r"#?\s?[Ww]\s?\d{7}")
_EMAILS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Names listed one after another: "Olivia Ito, Mei Kovacs; Yusuf Rossi / Ava Lee or Noah Kim".
_LIST_SEPARATOR = re.compile(r"[,;/|\n]|\band\b|\bor\b|&", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][a-z'\-]+\b")
_NOT_NAME_WORDS = set(
    "i im i'm my name is am this it's its here hi hello hey zip code postal email mail e-mail the a an and or "
    "from live living in at with of for to on by me please thanks thank you yes no ok okay sure order orders "
    "want need would like help can could cancel return exchange change update modify status where when what "
    "which who how why my account card address ship shipping deliver delivery refund item items package "
    "number call called named lives based near also just only still again sorry dear team support".split()
)


@dataclass(frozen=True)
class IdentityClaim:
    emails: list[str]
    zip_code: str | None
    names: list[tuple[str, str]]  # candidate (first, last) pairs, checked against the store, never trusted
    several: bool  # more than one identity in one message: refused as a whole

    @property
    def present(self) -> bool:
        return bool(self.emails or self.zip_code)


def read_claim(text: str) -> IdentityClaim:
    emails = list(dict.fromkeys(find_emails(text)))
    without_ids = _ORDER_IDS.sub(" ", _EMAILS.sub(" ", text))
    zips = set(_ZIPS.findall(without_ids))
    several = len(emails) > 1 or len(zips) > 1 or _name_count(text) > 1
    return IdentityClaim(emails, find_zip(text), name_candidates(text), several)


def _name_count(text: str) -> int:
    """How many people a message names. A listed part is one name when it has two or three name-like
    words that are capitalised or are all the part says ("mei kovacs"); a run of four or more
    capitalised name-like words ("Olivia Ito Mei Kovacs") is two or more."""
    count = 0
    for part in _LIST_SEPARATOR.split(_EMAILS.sub(" ", text)):
        every = re.findall(r"[A-Za-z][A-Za-z'\-]*", part)
        words = [w for w in every if w.lower() not in _NOT_NAME_WORDS]
        capitalised = [w for w in words if _CAPITALISED.fullmatch(w)]
        if len(capitalised) >= 4:
            count += len(capitalised) // 2
        elif 2 <= len(words) <= 3 and (len(capitalised) == len(words) or len(words) == len(every)):
            count += 1
    return count


@dataclass(frozen=True)
class AttemptPolicy:
    """Free failures, then a lockout of `base_lock_s` doubling with each further failure, capped."""

    free_failures: int
    base_lock_s: float
    max_lock_s: float

    def lock_seconds(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        return min(self.max_lock_s, self.base_lock_s * 2 ** (failures - self.free_failures))


# A shopper who misremembers gets four tries (tau-bench shoppers try up to four e-mail addresses); the
# fifth failure brings a 30 s pause that doubles with each further one, and the offer of a person.
CONVERSATION_POLICY = AttemptPolicy(free_failures=5, base_lock_s=30, max_lock_s=15 * 60)
ACCOUNT_POLICY = AttemptPolicy(free_failures=5, base_lock_s=15 * 60, max_lock_s=24 * 3600)
# One client (the address the web app sees) opening fresh conversations to guess on: ten failures in
# all, then a minute's pause doubling up to an hour.
CLIENT_POLICY = AttemptPolicy(free_failures=10, base_lock_s=60, max_lock_s=3600)
HANDOFF_AFTER_FAILURES = 5  # then a person verifies the shopper
