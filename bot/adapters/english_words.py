"""General English words with how common each is, from pyspellchecker's bundled English word list
(about 160,000 words counted in subtitles and web text; no download)."""
from __future__ import annotations

import unicodedata
from functools import lru_cache


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def english_words() -> dict[str, int]:
    """Lower-case word -> count, accented words also without accents ("café" -> "cafe"); loaded once per
    process (0.2 s)."""
    from spellchecker import SpellChecker

    words = dict(SpellChecker(language="en", distance=1).word_frequency.dictionary)
    for word, count in list(words.items()):
        plain = _unaccented(word)
        if plain != word:
            words[plain] = max(count, words.get(plain, 0))
    return words
