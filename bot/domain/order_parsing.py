"""Reading order details out of what shoppers type. Pure: no I/O, works on tau-shaped dicts.

Every parser returns None (or an empty list) when the message does not clearly say the thing: the
dialogue then asks again instead of guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.catalogue import Product, Variant
from bot.domain.item_mentions import Resemble, mentions
from bot.domain.matching import SIZE_WORDS, named_values, tokens
from bot.domain.order_requests import asks_to_act

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
    if stripped == "/deny" or _PLAIN_NO.match(stripped) or is_decline(stripped):
        return "no"
    return "unclear"


# "no, that's not right", "that's wrong", "not what I asked for": a whole message that only rejects the
# summary. It names nothing to change, so it declines (and writes nothing) rather than correcting.
_REJECT_START = re.compile(r"^\W*(no|nope|nah|not|that'?s not|this is not|that is not|it'?s not|wrong|incorrect|"
                           r"that'?s wrong|this is wrong)\b", re.I)
_REJECT_WORDS = set(
    "no nope nah not no, that that's thats this is isn't isnt it it's its wrong incorrect right correct quite "
    "what i want wanted asked for meant mean all at sorry please thanks thank you the one ones summary order "
    "totally completely definitely actually hmm um oh that's, don't do go ahead stop".split()
)


def is_decline(text: str) -> bool:
    """A message made only of rejection words, starting with one: 'no, that's not right'."""
    if not _REJECT_START.search(text):
        return False
    words = re.findall(r"[a-z']+", text.lower().replace("’", "'"))
    return bool(words) and all(w in _REJECT_WORDS for w in words)


# Leaving the conversation or the request: "ok thanks", "bye", "never mind", "forget it", "that's all".
_CLOSING = re.compile(
    r"^(?:(?:ok(?:ay)?|alright|all right|great|cool|fine|perfect|good|sure|no|nope|nah|well|oh|"
    r"thanks?(?: you)?(?: so much| a lot| very much)?|thx|ty|cheers|many thanks|much appreciated|"
    r"bye|good ?bye|see you|see ya|take care|have a (?:nice|good|great) (?:day|one|evening)|"
    r"never ?mind|nevermind|forget (?:it|about it)|leave it|skip it|drop it|not now|maybe later|later|"
    r"that'?s (?:all|it|everything)(?: for now)?|i'?m (?:done|good|fine)|all done|no more|nothing else|"
    r"i'?ll (?:do it|come back|think about it) later|i changed my mind)(?:[\s,.!]+|$))+$", re.I)
_LEAVING = re.compile(r"\b(thanks?|thx|ty|cheers|appreciated|bye|good ?bye|see you|never ?mind|nevermind|forget|"
                      r"that'?s (all|it|everything)|done|later|nothing else|no more|changed my mind|not now|take care|"
                      r"leave it|skip it|drop it)\b", re.I)


THANKS = re.compile(r"\b(thanks?|thx|ty|cheers|appreciated?)\b", re.I)
FAREWELL = re.compile(r"\b(bye|good ?bye|see (you|ya)|take care|have a (nice|good|great) (day|one|evening))\b", re.I)


def is_closing(text: str) -> bool:
    """A whole message that thanks, says goodbye or lets the request go (never one that asks or adds)."""
    stripped = " ".join(text.strip().split())
    return len(stripped) <= 80 and bool(_CLOSING.match(stripped)) and bool(_LEAVING.search(stripped))


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


def match_order_items(text: str, items: list[dict], options_alone: bool = False,
                      resemble: Resemble | None = None, exclusions: bool = True) -> list[str]:
    """Item ids of the order's items the message names (by product name, narrowed by options).

    Several items of one product ("three Wireless Earbuds") are told apart by the options that differ
    between them: "the IPX7 one" names only the item whose water resistance is IPX7, never one whose
    options contradict what was said. "One of the two identical bottles" is one of them; "keeping the
    shoes" leaves the shoes out; "everything except the shoes" is the rest. With `options_alone`,
    options without a product name ("only the blue IPX7 one") can name items too, when they point at
    items of one product. `resemble` matches a clause by meaning ("the bike": the Bicycle). Without
    `exclusions`, "not the shoes" names the shoes (a correction at the confirmation removes them).
    """
    found = mentions(text, items, resemble)
    kept = [m for m in found if not (exclusions and m.excluded)]
    left_out = {m.name for m in found if exclusions and m.excluded}
    if wants_all_items(text) and (not kept or {m.name for m in kept} == {i["name"] for i in items}):
        return [i["item_id"] for i in items if i["name"] not in left_out]
    if not found and options_alone:
        return _by_options_alone(text, set(tokens(text)), items)
    picked: dict[str, list[dict]] = {}
    for mention in kept:
        same = [i for i in items if i["name"] == mention.name]
        narrowed = narrow_by_options(same, set(tokens(mention.text)), mention.text)
        if mention.one and len(narrowed) > 1:  # one of several: fine when they are the same thing
            narrowed = narrowed[:1] if len({i["item_id"] for i in narrowed}) == 1 else []
        picked[mention.name] = narrowed
    return [i["item_id"] for name in dict.fromkeys(i["name"] for i in items) for i in picked.get(name, [])]


def narrow_by_options(same: list[dict], words: set[str], raw: str) -> list[dict]:
    """Items of one product the message's options point at: every item when no option tells them
    apart, the best-matching ones without a contradicting option otherwise, none when all contradict."""
    if len(same) < 2:
        return same
    said = _said_options(same, words, raw)
    if not said:
        return same
    fits = [i for i in same if all(str(i.get("options", {}).get(n)) in vals for n, vals in said.items())]
    if not fits:  # "the 6 hours IPX7 one" where there is none: ask again rather than guess
        return []
    best = max(sum(str(i["options"].get(n)) in vals for n, vals in said.items()) for i in fits)
    return [i for i in fits if sum(str(i["options"].get(n)) in vals for n, vals in said.items()) == best]


def _said_options(same: list[dict], words: set[str], raw: str) -> dict[str, set[str]]:
    """Option name -> the values the message mentions, among values that differ between the items."""
    values: dict[str, set[str]] = {}
    for item in same:
        for name, value in item.get("options", {}).items():
            values.setdefault(name, set()).add(str(value))
    said = {}
    for name, vals in values.items():
        if len(vals) < 2:
            continue  # shared by every item ("blue" for three blue earbuds): tells nothing apart
        hits = {v for v in vals if value_mentioned(v, words, raw)}
        longest = {v for v in hits if not any(v != o and v.lower() in o.lower() for o in hits)}
        if longest:
            said[name] = longest
    return said


def _by_options_alone(text: str, words: set[str], items: list[dict]) -> list[str]:
    scored = []
    for item in items:
        hits = sum(value_mentioned(str(v), words, text) for v in item.get("options", {}).values())
        if hits:
            scored.append((hits, item))
    if not scored:
        return []
    top = max(h for h, _ in scored)
    best = [i for h, i in scored if h == top]
    if len({i["name"] for i in best}) != 1:
        return []  # "the blue one" when a blue bottle and blue earbuds are in the order: ask
    same = [i for i in items if i["name"] == best[0]["name"]]
    narrowed = narrow_by_options(same, words, text)
    return [i["item_id"] for i in narrowed] if len(narrowed) < len(same) or len(same) == 1 else []


_ONLY = re.compile(r"\b(only|just|solely|nothing (else|but)|not the (others?|rest))\b", re.I)
_DROP = re.compile(r"\b(remove|drop|take (out|off)|leave out|without|except|not|don'?t|do not|no longer|skip|keep)\b", re.I)


def selection_change(text: str, items: list[dict], selected: list[str]) -> tuple[str, list[str]] | None:
    """A correction of the chosen items at the confirmation: ('only', ids) for "only the blue IPX7 one",
    ('remove', ids) for "not the bookshelf" / "remove the IPX4 ones", None when it names no chosen item."""
    named = match_order_items(text, items, options_alone=True, exclusions=False)
    if not named or wants_more(text):
        return None
    if _ONLY.search(text):
        return "only", named
    chosen = [i for i in named if i in selected]
    if chosen and _DROP.search(text[: _first_item_position(text, items)]):
        return "remove", chosen
    return None


def _first_item_position(text: str, items: list[dict]) -> int:
    low = text.lower()
    spots = [low.find(t) for i in items for t in tokens(i["name"])[-1:] + [str(v).lower() for v in i["options"].values()]]
    spots = [s for s in spots if s >= 0]
    return min(spots) if spots else len(text)


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


def choose_new_variant(text: str, old_options: dict, variants: dict, old_item_id: str,
                       product_name: str = "") -> VariantChoice:
    """The variant a shopper wants instead of an item: options they name change, the rest stay.

    Only available variants other than the old item count. When the unnamed options can't stay as
    they were, the shopper chooses among the remaining candidates (or says 'the cheaper one'). An
    option named with two values ("glass instead of stainless steel", "from black to white") changes
    to the one that is not the item's own.
    """
    product = Product("", product_name, tuple(Variant(iid, v.get("options", {}), v.get("price", 0.0),
                                                      bool(v.get("available"))) for iid, v in variants.items()))
    values = product.option_values()
    mentioned: dict[str, str] = {}
    for name, said in named_values(text, product).items():
        new = [v for v in said if v != old_options.get(name)] if len(said) > 1 else said
        if new:
            mentioned[name] = max(new, key=lambda v: len(str(v)))
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


# Questions about the shopper's own orders: which facts they ask for. The answer comes from the verified
# customer's orders only (services/order_answers.py).
_OWN = re.compile(
    r"(?<![\w])#?\s?[Ww]\s?\d{7}(?!\d)|\b(this|that)\s+(order|package|parcel)\b|"
    r"\b(my|our)\s+(\w+\s+){0,2}(orders?|purchases?|packages?|parcels?|deliver(y|ies)|"
    r"refunds?|returns?|exchanges?|items?|shipments?|money|payments?|tracking)\b|\b(did|have|had|will|would|do)\s+(i|we)\s+"
    r"(pay|paid|spend|spent|order|ordered|buy|bought|get|got|receive|be (charged|refunded|getting))\b|"
    r"\b(i|we)\s+(paid|spent|ordered|bought|returned|was charged|got charged|get back|will get|'ll get)\b", re.I)
_ASKS = re.compile(r"\?\s*$|^\s*(how|what|when|where|which|who|is|are|was|were|did|do|does|has|have|can|could|will|"
                   r"would)\b|\b(tell me|let me know|i'?d like to know|i want to know|show me|give me|check)\b|"
                   r"\b(need|want|get|send|download|e-?mail|copy of)\b[^.?!]*\b(invoice|receipt)", re.I)
_RULES = re.compile(r"\b(policy|policies|rules?|allowed|possible|how (long|many times|do i|can i|does)|can i still|"
                    r"may i|am i able)\b", re.I)
_FACTS = {
    "tracking": r"\b(track(ing)?|where is (it|my|the)|courier|carrier)\b",
    "refund": r"\b(refund(s|ed)?|money back|get back|reimburse(d|ment)?)\b",
    "total": r"\b(how much|total|cost|costs|price|prices|paid|pay|charged|spent|amount)\b",
    "payment": r"\b(which|what) (card|payment( method)?|method)\b|\b(pa(y|id)|charged) (with|by|using|on)\b",
    "address": r"\b(address|ship(ped|ping)? to|deliver(ed|y)? to|sent to)\b",
    "status": r"\b(status|arrive[ds]?|delivered|shipped|when will|has it|is it|dispatched)\b",
    "invoice": r"\b(invoices?|receipts?|billing statements?)\b",
    "items": r"\b(what did i (order|buy|get)|what (items|was in|is in)|which items|contents|what i ordered|what i bought)\b",
}


# Once the shopper is verified, "what's the total refund?" / "the tracking number?" mean their own orders too.
_OWN_WHEN_KNOWN = re.compile(r"\b(the|total|a|any)\s+(refund|tracking|total|amount)\b|\bhow much\b.*\b(refund|back)\b",
                             re.I)


def order_question(text: str, known_customer: bool = False) -> list[str]:
    """The facts a question about the shopper's own orders asks for ('tracking', 'total', 'refund',
    'payment', 'address', 'status', 'items'); [] when the message is not such a question.

    "Could you tell me the tracking number of order #W…?", "how much did I pay for the grills?" are;
    "how much is the grill?" (no order of theirs) and "can I still cancel my order?" (the rules) are not.
    """
    own = _OWN.search(text) or known_customer and _OWN_WHEN_KNOWN.search(text)
    if len(text) > 400 or not own or not _ASKS.search(text) or asks_to_act(text):
        return []  # "could you change them to white?" asks for a change, not about the order
    if _RULES.search(text) and not find_order_ids(text):
        return []
    facts = [fact for fact, rx in _FACTS.items() if re.search(rx, text, re.I)]
    if "invoice" in facts:
        facts = ["invoice"]  # the invoice holds the items, their prices, the total and the payments
    if "total" in facts and ("refund" in facts or "payment" in facts):
        facts.remove("total")  # "how much is my refund in total" asks for the refund
    if "tracking" in facts and re.search(r"\bwhere is\b", text, re.I):
        facts.append("status")
    return facts
