"""Grounding check: every number, price, product name, link and address in a generated reply must
appear in the facts it was written from, and nothing may come from the prompt's few-shot examples.
Pure: no I/O.

Links are found in a normalised copy of the text (NFKC, zero-width characters dropped, "[at]",
"(dot)", "name @ domain . com" and "name at domain dot com" rewritten), so obfuscated addresses count:

- a URL with a scheme (``https://``, ``hxxp://``, ``ftp://`` ...) or starting ``www.``;
- an e-mail address, ``local@label.tld`` with a letters-only TLD of 2+ characters;
- an IPv4 address (four octets 0-255), with an optional port or path;
- a bare domain: dot-separated labels whose last label is a known TLD (``_COMMON_TLDS``, any
  two-letter country code, ``xn--`` punycode), optionally with a port or a path.

Not links: decimals and versions (the TLD must be letters: "1.5L", "$12.50", "v2.1"), abbreviations
(single letters: "e.g.", "i.e.", "U.S.", "a.m."), a dot followed by a space ("approx. 5", "etc. and")
and words that are not TLDs ("stock.The", "etc.Then"). A missing space after a full stop before a
capitalised English word that happens to be a TLD ("stock.In", "it.Is", "now.Today") is read as a
sentence end; the same word in lower case ("evil.in") or a non-word TLD in any case ("Evil.Com") is a
domain. These shape rules apply to the reply only: anything domain-shaped in the facts is allowed.

A link in the reply is supported when the facts hold the same link (case-insensitive, ignoring the
scheme, a leading "www." and a trailing slash), or, for a bare host without a path, the same host in
any fact link or e-mail address. E-mail addresses and links with a path must match exactly.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")

# Generic TLDs seen in shop text, spam and phishing, plus the reserved test names (RFC 2606, .local,
# .onion); every two-letter country code is in _CC_TLDS.
_COMMON_TLDS = frozenset(
    """
    com net org edu gov mil int info biz name pro mobi asia tel travel jobs aero coop museum cat post xxx
    arpa xyz top online site shop store app dev tech club live link click icu buzz vip win bid loan work
    cloud space website email digital news blog page today life world fun agency company global media
    network solutions support services zone art design studio group center bank money
    example test invalid localhost local onion
    """.split()
)
_CC_TLDS = frozenset(
    """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by
    bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi
    fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in
    io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md
    me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe
    pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss
    st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn
    vu wf ws ye yt za zm zw
    """.split()
)
# TLDs that are also English words: "stock.In" / "now.Today" (capitalised) read as a missing space
# after a full stop, and "red dot in" is not a spelled-out domain.
_WORD_TLDS = frozenset(
    """
    am as at be by do id in is it me my no so to us ad ma pa re ye name pro jobs post travel shop store
    app club live link click win bid loan work cloud space email digital news blog page today life world
    fun site online top test local example art design studio group center bank money zone media network
    support services agency company global museum cat tel
    """.split()
)

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_AT_BRACKETED = re.compile(r"\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*", re.IGNORECASE)
_DOT_BRACKETED = re.compile(r"\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*", re.IGNORECASE)
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
# "name at domain dot com" (at least one spelled "dot", so "visit us at shop.example.com" stays a domain)
_SPELLED_EMAIL = re.compile(rf"(?<![\w.+-])([\w.+-]+)\s+at\s+({_LABEL}(?:\s+dot\s+{_LABEL})+)(?![\w-])", re.IGNORECASE)
_SPELLED_DOMAIN = re.compile(rf"(?<![\w.-])({_LABEL}(?:\s+dot\s+{_LABEL})+)(?![\w-])", re.IGNORECASE)
# "name @ domain . com": spaces around "@", and a space before a dot (a dot followed by a space alone is
# ordinary punctuation: "help@shop.com. Then" ends at "com")
_SPACED_EMAIL = re.compile(rf"(?<![\w.+-])([\w.+-]+)\s*@\s*({_LABEL}(?:(?:\s+\.\s*|\.){_LABEL})+)", re.IGNORECASE)
_SPACED_DOMAIN = re.compile(rf"(?<![\w.@-])({_LABEL}(?:\s+\.\s*{_LABEL})+)(?![\w-])")

_URL = re.compile(r"(?<![\w.-])(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"']+", re.IGNORECASE)
_EMAIL = re.compile(rf"(?<![\w.+-])[\w.+-]*\w@(?:{_LABEL}\.)+{_LABEL}", re.IGNORECASE)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_REST = r"(?::\d{1,5})?(?:[/?#][^\s<>\"']*)?"
_IP = re.compile(rf"(?<![\w.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\.?\d){_REST}")
_HOST = re.compile(rf"(?<![\w.@/-])((?:{_LABEL}\.)+{_LABEL})(?![\w-])({_REST})")
_TRAILING = ".,;:!?)]}'\"*"


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


# --- links -----------------------------------------------------------------------------------------

def _is_tld(label: str) -> bool:
    low = label.lower()
    return low in _COMMON_TLDS or low in _CC_TLDS or (low.startswith("xn--") and len(low) > 5)


def _letters_tld(label: str) -> bool:
    return len(label) >= 2 and (label.isalpha() or label.lower().startswith("xn--"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _unspell(domain: str) -> str:
    return re.sub(r"\s+dot\s+", ".", domain, flags=re.IGNORECASE)


def _normalise(text: str, strict: bool) -> str:
    """Undo the usual obfuscations so that one set of patterns finds every address."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).replace("\u3002", ".").replace("\uff61", ".")
    text = _AT_BRACKETED.sub("@", text)
    text = _DOT_BRACKETED.sub(".", text)

    def spelled_email(m: re.Match) -> str:
        domain = _unspell(m.group(2))
        return f"{m.group(1)}@{domain}" if _letters_tld(domain.rsplit(".", 1)[-1]) else m.group(0)

    def spelled_domain(m: re.Match) -> str:
        domain = _unspell(m.group(1))
        tld = domain.rsplit(".", 1)[-1].lower()
        return domain if _is_tld(tld) and not (strict and tld in _WORD_TLDS) else m.group(0)

    def spaced_domain(m: re.Match) -> str:
        domain = _squash(m.group(1))
        tld = domain.rsplit(".", 1)[-1].lower()
        return domain if _is_tld(tld) and not (strict and tld in _WORD_TLDS) else m.group(0)

    text = _SPELLED_EMAIL.sub(spelled_email, text)
    text = _SPELLED_DOMAIN.sub(spelled_domain, text)
    text = _SPACED_EMAIL.sub(lambda m: f"{m.group(1)}@{_squash(m.group(2))}", text)
    return _SPACED_DOMAIN.sub(spaced_domain, text)


def _key(link: str) -> str:
    """Comparable form: lower case, no scheme, no leading "www.", no trailing slash."""
    key = re.sub(r"^[a-z][a-z0-9+.-]*://", "", link.lower())
    key = key[4:] if key.startswith("www.") else key
    return key.rstrip("/")


def _host(key: str) -> str:
    host = re.split(r"[/?#]", key, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]
    return re.sub(r":\d+$", "", host)


def _host_in(host: str, rest: str, strict: bool) -> str:
    """The domain in a dotted word run, or "". Labels after the last TLD are dropped ("evil.com.Then" is
    "evil.com" followed by a sentence without its space), and in the reply a capitalised English word
    that is also a TLD after the last dot starts a sentence ("stock.In", "evil.com.It")."""
    labels = host.split(".")
    if strict and not rest and labels[-1].istitle() and labels[-1].lower() in _WORD_TLDS:
        labels = labels[:-1]
    while len(labels) >= 2 and not _is_tld(labels[-1]):
        labels, rest = labels[:-1], ""
    return ".".join(labels) + rest if len(labels) >= 2 else ""


def links(text: str, strict: bool = True) -> list[str]:
    """URLs, e-mail addresses, IP addresses and bare domains in `text`, in order, as written (after
    undoing obfuscation). `strict=False` (used for facts) drops the sentence-end and word-TLD rules."""
    text = _normalise(text, strict)
    found: list[tuple[int, str]] = []
    patterns = (
        (_URL, lambda m: m.group(0)),
        (_EMAIL, lambda m: m.group(0) if _letters_tld(m.group(0).rsplit(".", 1)[-1]) else ""),
        (_IP, lambda m: m.group(0)),
        (_HOST, lambda m: _host_in(m.group(1), m.group(2).rstrip(_TRAILING), strict)),
    )
    for pattern, pick in patterns:
        spans = []
        for m in pattern.finditer(text):
            link = pick(m).rstrip(_TRAILING)
            if link and _key(link):
                found.append((m.start(), link))
                spans.append((m.start(), m.start() + len(link)))
        # blank out what was taken so a later pattern does not find "shop.com" inside "a@shop.com"
        for a, b in spans:
            text = text[:a] + " " * (b - a) + text[b:]
    return [link for _, link in sorted(found)]


def _unsupported_links(reply: str, facts_text: str) -> list[str]:
    fact_keys = {_key(link) for link in links(facts_text, strict=False)}
    fact_hosts = {_host(k) for k in fact_keys}
    out: list[str] = []
    for link in links(reply):
        key = _key(link)
        bare_host = key == _host(key) and "@" not in key
        if key in fact_keys or (bare_host and key in fact_hosts):
            continue
        if link not in out:
            out.append(link)
    return out


# --- few-shot example content ----------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_STOPWORDS = frozenset(
    "a an the is are was be been it its this that of to in on at by for with from and or as if not no "
    "do does have has had can will you your we our us i me my he she they them their there here what how".split()
)
_NAME_RUN = re.compile(r"(?<![\w'])([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)")
_LEADING = frozenset({"the", "a", "an", "our", "your", "this", "these", "each", "every", "all"})
_NGRAM = 4


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _ngrams(text: str, n: int = _NGRAM) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _names_in(text: str) -> set[str]:
    """Proper names in an example text: a run of capitalised words (minus a leading "The"), of two words
    or more, or one word that does not start a sentence ("The Trail Lamp is ..." -> "Trail Lamp")."""
    names = set()
    for m in _NAME_RUN.finditer(text):
        words = m.group(1).split()
        sentence_start = not text[:m.start()].strip() or text[:m.start()].rstrip()[-1] in ".!?:"
        while words and words[0].lower() in _LEADING:
            words, sentence_start = words[1:], False
        if len(words) >= 2 or (words and not sentence_start and words[0].lower() not in _STOPWORDS):
            names.add(" ".join(words))
    return names


@lru_cache(maxsize=16)
def _example_markers(forbidden: tuple[str, ...]) -> tuple[frozenset, frozenset]:
    grams = set()
    names = set()
    for text in forbidden:
        grams |= {g for g in _ngrams(text) if not set(g) <= _STOPWORDS}
        names |= _names_in(text)
    return frozenset(grams), frozenset(names)


def _example_content(reply: str, facts_text: str, forbidden: tuple[str, ...]) -> list[str]:
    """Phrases of the prompt's examples (any 4-word sequence, or a name) in the reply but not in the facts."""
    if not forbidden:
        return []
    grams, names = _example_markers(forbidden)
    leaked = (_ngrams(reply) & grams) - _ngrams(facts_text)
    out = sorted(" ".join(g) for g in leaked)
    out += sorted(_mentions(reply, names) - _mentions(facts_text, names))
    return out


def check_grounding(
    reply: str, facts: Iterable[str], catalogue_names: Iterable[str] = (), forbidden: Iterable[str] = (),
) -> GroundingResult:
    """What in `reply` the facts do not support: numbers, catalogue names, links and addresses, and any
    content of the `forbidden` texts (the prompt's few-shot examples) that the facts do not also hold.
    Example-only numbers are caught by the number rule."""
    facts_text = "\n".join(facts)
    names = list(catalogue_names)
    result = GroundingResult()
    fact_numbers = _numbers(facts_text)
    result.unsupported += sorted(
        {raw for raw in _NUMBER.findall(reply) if _numbers(raw) and not _numbers(raw) <= fact_numbers}
    )
    fact_names = _mentions(facts_text, names)
    result.unsupported += sorted(_mentions(reply, names) - fact_names)
    result.unsupported += _unsupported_links(reply, facts_text)
    result.unsupported += _example_content(reply, facts_text, tuple(forbidden))
    return result
