"""The question inside a chatty message. Pure: no I/O.

"Hi, I have a question. until when can I swap my jacket? Thanks!" is ranked against the shop's passages
by every word it holds, and the greeting and thanks pull it away from the passage that answers (with a
greeting or thanks around them, 2 of about 50 answered policy questions per store were lost, measured on
the three stores). Greetings, "quick question", "sorry to bother you", "can you tell me" in front, and thanks
or "please let me know" behind are dropped; what is left must still say something.
"""
from __future__ import annotations

import re

_SEP = r"[\s,!.:;\-–—]*"
_LEADING = [re.compile(p + _SEP, re.I) for p in (
    r"^(?:hi|hello|hey|hiya|heya|howdy|greetings|yo|good (?:morning|afternoon|evening|day))"
    r"(?: (?:there|team|all|guys|folks|everyone))*\b",
    r"^(?:(?:so|ok|okay|um|uh|well),? )?(?:(?:i (?:have|had|'ve got)|i've got|got|just) )?(?:a |one )?"
    r"(?:quick |small |little |simple )?(?:question|query|q)(?: for you)?\b",
    r"^(?:sorry to (?:bother|trouble) you|excuse me|pardon me)(?:,? but)?\b",
    r"^(?:i was wondering|i'm wondering|i wonder|just wondering|can you tell me|could you tell me|"
    r"please tell me|do you know)(?: if| whether)?\b",
)]
_TRAILING = re.compile(
    r"(?:" + _SEP + r"(?:(?:many |thanks? (?:a lot|so much|very much)|thank you(?: so much| very much)?|thanks|thx|ty|cheers"
    r"|much appreciated|appreciate it|please let me know|let me know|please)(?: in advance)?|[:;]-?[)(dp]))+"
    + _SEP + r"$", re.I)
_MIN_WORDS = 2


def core_question(text: str) -> str:
    """`text` without the small talk around its question; `text` itself when nothing else would be left."""
    core = text.strip()
    changed = True
    while changed:
        changed = False
        for pattern in _LEADING:
            trimmed = pattern.sub("", core, count=1)
            if trimmed != core:
                core, changed = trimmed, True
    core = _TRAILING.sub("", core)
    return core if len(core.split()) >= _MIN_WORDS else text
