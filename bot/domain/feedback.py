"""Why a shopper gave a reply a thumbs-down: the choices the widget offers and how a reason is checked. Pure."""
from __future__ import annotations

from bot.domain.inputs import clean_text

# Stored value -> what the shopper and staff read.
REASONS = {
    "wrong": "The answer was wrong",
    "not_answered": "It didn't answer my question",
    "unclear": "Hard to understand",
    "other": "Something else",
}
MAX_COMMENT_CHARS = 1000


def checked_reason(reason: object, comment: object) -> tuple[str, str] | None:
    """(reason, comment) ready to store, or None when the reason is not one of `REASONS`. The comment is
    optional free text, cleaned and cut to `MAX_COMMENT_CHARS`."""
    if not isinstance(reason, str) or reason not in REASONS:
        return None
    text = clean_text(comment[:MAX_COMMENT_CHARS * 4]) if isinstance(comment, str) else ""
    return reason, text.strip()[:MAX_COMMENT_CHARS]
