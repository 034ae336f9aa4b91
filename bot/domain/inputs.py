"""Screening of shopper messages before any service sees them. Pure: no I/O."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ENGLISH = set("the a an is are do does you your i my me what how can for of to in on it this that and with have please price".split())
_OTHER = {
    "es": set("el la los las es una un que de por para cómo cuánto cuesta tienen hola gracias quiero".split()),
    "fr": set("le la les est une un que de pour comment combien coûte avez bonjour merci je veux".split()),
    "de": set("der die das ist ein eine und wie viel kostet haben sie hallo danke ich möchte".split()),
    "it": set("il lo la gli è una un che di per come quanto costa avete ciao grazie voglio".split()),
    "pt": set("o a os as é uma um que de para como quanto custa vocês olá obrigado quero".split()),
    "nl": set("de het een is hoe veel kost hebben jullie hallo dank ik wil".split()),
}


_UNENCODABLE = re.compile("[\ud800-\udfff\x00]")  # lone surrogates (a pair arrives as one code point) and NUL


def clean_text(text: str) -> str:
    """Text that can be stored and sent as UTF-8: lone surrogates and NULs become U+FFFD."""
    return _UNENCODABLE.sub("\ufffd", text)


@dataclass(frozen=True)
class InputProblem:
    reason: str  # "empty", "too_long", "unreadable", "not_english"


def screen_message(text: str | None, max_chars: int) -> InputProblem | None:
    if text is None or not text.strip():
        return InputProblem("empty")
    if len(text) > max_chars:
        return InputProblem("too_long")
    if _unreadable(text):
        return InputProblem("unreadable")
    if _not_english(text):
        return InputProblem("not_english")
    return None


def _unreadable(text: str) -> bool:
    """Binary junk, control characters or only symbols/emoji: nothing to answer."""
    stripped = "".join(ch for ch in text if not ch.isspace())
    if not stripped:
        return True
    bad = sum(1 for ch in stripped if unicodedata.category(ch)[0] == "C" or ch == "\ufffd")
    letters = sum(1 for ch in stripped if ch.isalnum())
    return bad / len(stripped) > 0.1 or letters == 0


def _not_english(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    non_latin = sum(1 for ch in letters if not ("a" <= ch.lower() <= "z") and unicodedata.name(ch, "").find("LATIN") < 0)
    if non_latin / len(letters) > 0.5:
        return True
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 3:
        return False
    english = sum(w in _ENGLISH for w in words)
    best_other = max(sum(w in vocab for w in words) for vocab in _OTHER.values())
    return best_other >= 2 and best_other > english
