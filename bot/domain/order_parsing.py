"""Reading order details out of what shoppers type. Pure: no I/O, works on tau-shaped dicts.

Every parser returns None (or an empty list) when the message does not clearly say the thing: the
dialogue then asks again instead of guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.matching import SIZE_WORDS, tokens

_ORDER_ID = re.compile(r"(?<![\w])#?\s?([Ww])\s?(\d{7})(?!\d)")
_ORDER_SUFFIX = re.compile(r"\b(?:end(?:s|ing)?|finish(?:es|ing)?)\s+(?:in|with)\s+#?(\d{1,6})\b", re.I)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ZIP = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_NOT_NAMES = set(
    "my name is i am im i'm and the zip code postal email this hi hello hey it's its here are you can please "
    "me is from live in at with of for".split()
)
YES_WORDS = re.compile(
    r"^\s*(yes|yeah|yep|yup|y|sure|ok|okay|correct|confirm(ed)?|go ahead|proceed|do it|please do|"
    r"that'?s (right|correct|fine)|absolutely|definitely|affirmative|right)\b", re.I
)
NO_WORDS = re.compile(r"\b(no|nope|nah|don'?t|do not|stop|cancel that|never ?mind|wait|not)\b", re.I)
HEDGES = re.compile(r"\b(but|however|first|wait|hold on|actually|unless|if|maybe|though)\b", re.I)
_ALL_ITEMS = re.compile(r"\b(all|every(thing)?|both|whole order|entire order|all (the )?items)\b", re.I)
_SAME = re.compile(r"\b(same|identical)\b", re.I)
_CHEAPEST = re.compile(r"\b(cheap(er|est)?|lowest price|least expensive|less expensive)\b", re.I)
COUNTRY_WORDS = {"usa", "us", "united states", "united states of america", "u.s.", "u.s.a."}


def find_order_ids(text: str) -> list[str]:
    """'#W1234567', 'W1234567', 'w 1234567' -> '#W1234567' (the store's canonical form)."""
    seen: list[str] = []
    for _, digits in _ORDER_ID.findall(text):
        oid = f"#W{digits}"
        if oid not in seen:
            seen.append(oid)
    return seen


def order_by_suffix(text: str, order_ids: list[str]) -> str | None:
    """'the one ending in 66' picks the customer's only order id with that ending."""
    match = _ORDER_SUFFIX.search(text)
    if not match:
        return None
    hits = [oid for oid in order_ids if oid.endswith(match.group(1))]
    return hits[0] if len(hits) == 1 else None


def find_emails(text: str) -> list[str]:
    return [e.rstrip(".").lower() for e in _EMAIL.findall(text)]


def find_zip(text: str) -> str | None:
    without_ids = _ORDER_ID.sub(" ", _EMAIL.sub(" ", text))
    found = _ZIP.findall(without_ids)
    return found[-1] if found else None


def name_candidates(text: str) -> list[tuple[str, str]]:
    """Adjacent word pairs that could be 'first last' (checked against the store, never trusted)."""
    words = [w for w in _NAME_WORD.findall(_EMAIL.sub(" ", text)) if w.lower() not in _NOT_NAMES]
    return [(a, b) for a, b in zip(words, words[1:])]


def cancel_reason(text: str) -> str | None:
    low = text.lower()
    if re.search(r"\b(mistake|mistakenly|accident(ally)?|by error|wrong order|didn'?t mean|unintentional)", low):
        return "ordered by mistake"
    if re.search(r"\b(no longer need|not need|don'?t need|do not need|no need|changed my mind|not needed|"
                 r"don'?t want|do not want|won'?t need|no longer want|unnecessary|travel)", low):
        return "no longer needed"
    return None


# Consent is a whole message that only affirms: every word must belong to one of these phrases.
# "yes, do it" is consent; "do it later", "ok let me ask my wife", "sure, what's the refund?" are not.
_AFFIRM = (
    r"yes|yeah|yea|yep|yup|ya|y|sure|ok|okay|okey|k|kk|alright|all right|correct|confirm|confirmed|"
    r"i confirm|absolutely|definitely|affirmative|right|fine|perfect|great|good|of course|certainly|"
    r"go ahead|go for it|please do|do it|do that|do so|lets do it|let's do it|let us do it|proceed|"
    r"please proceed|that'?s (?:right|correct|fine|good|ok|okay|it)|that is (?:right|correct|fine|it)|"
    r"sounds good|looks good|looks right|all good|i agree|agreed|yes please|make it so|approved?|i approve|"
    r"(?:go ahead and |please )?(?:cancel|return|exchange|change|update|modify|submit|process|send|do|make) "
    r"(?:it|them|that|this|those|these)(?: (?:now|please))?"
)
_FILLER = r"please|thanks|thank you|thx|ty|now|then|sir|ma'?am|mate|\U0001F44D|\u2714|\u2705"
_PLAIN_YES = re.compile(rf"^(?:(?:{_AFFIRM}|{_FILLER})(?:[\s,.!]+|$))*$", re.I)
_HAS_AFFIRM = re.compile(rf"(?:^|[\s,.!])(?:{_AFFIRM})(?=[\s,.!]|$)", re.I)
_PLAIN_NO = re.compile(
    r"^(?:no|nope|nah|no thanks|no thank you|no,? thanks|don'?t|do not|stop|cancel that|never ?mind|not now|"
    r"not yet|leave it|leave it as it is|forget it|don'?t do it|do not do it|no,? don'?t)[\s,.!]*$", re.I)
_BUTTON_YES = re.compile(r'^/affirm\{"confirmation_id":\s*"([0-9a-f]{6,64})"\}$')


def consent(text: str, shown_id: str | None) -> str:
    """'yes' only for a whole message that plainly affirms (or the summary's own button, carrying the
    id of the summary shown); 'no' for a plain no; anything else, a yes with more words included, is
    'unclear' and changes nothing."""
    stripped = " ".join(text.strip().split())
    button = _BUTTON_YES.match(stripped)
    if button:
        return "yes" if shown_id and button.group(1) == shown_id else "unclear"
    if stripped and _PLAIN_YES.match(stripped) and _HAS_AFFIRM.search(stripped) and len(stripped) <= 80:
        return "yes"
    if stripped == "/deny" or _PLAIN_NO.match(stripped):
        return "no"
    return "unclear"


def is_explicit_yes(text: str) -> bool:
    """A plain affirmation (see `consent`); 'yes but wait', 'yes, cancel #W… instead' are not."""
    return consent(text, None) == "yes"


def wants_more(text: str) -> bool:
    """'I also want to return the lamp' adds to the selection even after a 'no'."""
    return bool(re.search(r"\b(also|as well|too|in addition)\b", text, re.I))


def means_default_address(text: str) -> bool:
    return bool(re.search(r"\b(default|profile|account|home)\b", text, re.I))


def wants_all_items(text: str) -> bool:
    return bool(_ALL_ITEMS.search(text))


def wants_cheapest(text: str) -> bool:
    return bool(_CHEAPEST.search(text))


def match_order_items(text: str, items: list[dict]) -> list[str]:
    """Item ids of the order's items the message names (by product name, narrowed by options)."""
    if wants_all_items(text) and not _names_some(text, items):
        return [i["item_id"] for i in items]
    words = set(tokens(text))
    named = [i for i in items if _name_hit(i["name"], words)]
    fully = [i for i in named if all(t in words for t in tokens(i["name"]))]
    if fully:  # "digital camera" names the Digital Camera, not every camera in the order
        heads = {tokens(i["name"])[-1] for i in fully}
        named = [i for i in named if i in fully or tokens(i["name"])[-1] not in heads]
    picked: list[str] = []
    for name in dict.fromkeys(i["name"] for i in named):
        same = [i for i in named if i["name"] == name]
        narrowed = [i for i in same if _options_hit(i.get("options", {}), words, text)] if len(same) > 1 else same
        for item in narrowed or same:
            picked.append(item["item_id"])
    return picked


def _names_some(text: str, items: list[dict]) -> bool:
    """'all of them' vs 'return the kettle and both mugs': names win over 'all/both'."""
    words = set(tokens(text))
    named = {i["name"] for i in items if _name_hit(i["name"], words)}
    return 0 < len(named) < len({i["name"] for i in items})


def _name_hit(name: str, words: set[str]) -> bool:
    name_tokens = tokens(name)
    head = name_tokens[-1] if name_tokens else ""
    joined = "".join(name_tokens)
    return head in words or joined in words


def _options_hit(options: dict, words: set[str], raw: str) -> bool:
    return any(value_mentioned(str(v), words, raw) for v in options.values())


def value_mentioned(value: str, words: set[str], raw: str) -> bool:
    low = value.lower()
    if low in SIZE_WORDS or len(low) <= 2:
        return bool(re.search(rf"(?<![\w']){re.escape(value)}(?![\w'])", raw)) or any(
            re.search(rf"\b{re.escape(w)}\b", raw.lower()) for w in SIZE_WORDS.get(low, [])
        )
    value_tokens = tokens(_unit_words(value))
    joined = "".join(value_tokens)
    text_words = words | set(tokens(_unit_words(raw)))
    return bool(value_tokens) and (all(t in text_words for t in value_tokens) or joined in text_words)


def _unit_words(text: str) -> str:
    """'5 feet' and '5ft' both read as '5 ft'; '1.5 L' as '1.5l'."""
    text = re.sub(r"(\d)\s*(feet|foot|ft)\b", r"\1 ft", text, flags=re.I)
    text = re.sub(r"(\d)\s*(inches|inch|in\.)", r"\1 inch", text, flags=re.I)
    text = re.sub(r"(\d(?:\.\d)?)\s*(l|liter|litre|liters|litres)\b", r"\1l", text, flags=re.I)
    return text


@dataclass
class VariantChoice:
    item_id: str | None
    candidates: list[dict]  # variant dicts still possible, cheapest first
    mentioned: dict[str, str]


def choose_new_variant(text: str, old_options: dict, variants: dict, old_item_id: str) -> VariantChoice:
    """The variant a shopper wants instead of an item: options they name change, the rest stay.

    Only available variants other than the old item count. When the unnamed options can't stay as
    they were, the shopper chooses among the remaining candidates (or says 'the cheaper one').
    """
    words = set(tokens(_unit_words(text)))
    values: dict[str, list[str]] = {}
    for variant in variants.values():
        for name, value in variant.get("options", {}).items():
            values.setdefault(name, [])
            if value not in values[name]:
                values[name].append(value)
    mentioned: dict[str, str] = {}
    for name, vals in values.items():
        hits = [v for v in vals if value_mentioned(str(v), words, text)]
        # Prefer the longest hit: "full size" over "size"-like fragments.
        if hits:
            mentioned[name] = max(hits, key=lambda v: len(str(v)))
    old = variants.get(old_item_id)
    same_options = bool(mentioned) and old and all(old["options"].get(n) == v for n, v in mentioned.items()) \
        and len(mentioned) == len(old["options"])
    if (same_options or not mentioned and _SAME.search(text)) and old and old.get("available"):
        # "the exact same one, just a new one": a like-for-like swap (tau-bench allows it).
        return VariantChoice(old_item_id, [old], mentioned)
    pool = [v for iid, v in variants.items() if v.get("available") and iid != old_item_id]
    fits = [v for v in pool if all(v["options"].get(n) == val for n, val in mentioned.items())]
    fits.sort(key=lambda v: (v["price"], v["item_id"]))
    if not mentioned and not wants_cheapest(text):
        return VariantChoice(None, fits, mentioned)
    if wants_cheapest(text) and fits:
        return VariantChoice(fits[0]["item_id"], fits, mentioned)
    keep = [v for v in fits if all(v["options"].get(n) == old_options.get(n) for n in values if n not in mentioned)]
    if len(keep) == 1:
        return VariantChoice(keep[0]["item_id"], keep, mentioned)
    if len(fits) == 1:
        return VariantChoice(fits[0]["item_id"], fits, mentioned)
    return VariantChoice(None, fits, mentioned)


def choose_payment_method(text: str, methods: dict, original_id: str | None) -> list[str]:
    """Payment method ids the message points at (one = clear; several = ask which)."""
    low = text.lower()
    explicit = [pid for pid in methods if pid.lower() in low]
    if explicit:
        return explicit
    if re.search(r"\b(original|same (card|method|payment|way)|how i paid|i paid with)\b", low) and original_id:
        return [original_id]
    digits = re.findall(r"\b(\d{4})\b", text)
    by_digits = [pid for pid, m in methods.items() if m.get("last_four") and m["last_four"] in digits]
    if by_digits:
        return by_digits
    wanted = []
    if re.search(r"\b(gift ?cards?|gc|store credit|website credit|credit on (the|my) account|balance)\b", low):
        wanted.append("gift_card")
    if re.search(r"\bpay ?pal\b", low):
        wanted.append("paypal")
    if re.search(r"\b(credit ?card|card ending|visa|mastercard|amex|american express|discover|debit)\b", low) and "gift card" not in low:
        wanted.append("credit_card")
    hits = [pid for pid, m in methods.items() if m.get("source") in wanted]
    brand = [pid for pid in hits if m_brand(methods[pid]) and m_brand(methods[pid]) in low]
    return brand or hits


def m_brand(method: dict) -> str:
    return str(method.get("brand", "")).lower()


def parse_address(text: str) -> dict | None:
    """'320 Cedar Avenue, Suite 116, San Antonio, TX 78219, USA' -> the store's address fields."""
    parts = [p.strip() for p in re.split(r"[,\n]", text) if p.strip()]
    if parts and parts[-1].lower().rstrip(".") in COUNTRY_WORDS:
        country = "USA"
        parts = parts[:-1]
    else:
        country = "USA"
    if len(parts) < 2:
        return None
    tail = " ".join(parts[-2:]) if not _ZIP.search(parts[-1]) or not re.search(r"\b[A-Z]{2}\b", parts[-1]) else parts[-1]
    zip_match = _ZIP.search(parts[-1])
    state_match = re.search(r"\b([A-Z]{2})\b", tail)
    if not zip_match or not state_match:
        return None
    body = parts[:-1]
    if state_match.group(1) not in parts[-1]:
        body = parts[:-2]  # "..., TX, 78219"
    if len(body) < 2:
        return None
    street = re.sub(r"^(my new address is|new address( is)?:?|address( is)?:?|change it to|ship (it )?to|to)\s+", "", body[0], flags=re.I)
    if not re.match(r"\d", street):
        return None
    address2 = body[1] if len(body) >= 3 else ""
    return {
        "address1": street, "address2": address2, "city": body[-1], "state": state_match.group(1),
        "country": country, "zip": zip_match.group(1),
    }
