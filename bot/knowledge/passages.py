"""Policy pages cut into answer-sized passages, each with its section context. Pure: no I/O.

A passage is what a policy answer quotes: one sentence of a paragraph, one row of a table (read as
"Standard: delivery time 3–7 business days; cost $5.95."), a short list with its lead-in line
("We accept: Visa; PayPal; gift cards."), or one sentence of a long list item. Each keeps the headings
above it (`context`), which retrieval reads with the text: "Return Window" is what a shopper asking
for the "return window" means, even when the sentence says "within 30 days of the delivery date".

Pages written as FAQs without Markdown headings read the same way: a line that is only a question
("Can I return an opened item?", "**Do you ship abroad?**", "Q: ..."), only bold ("**Return window**") or a
short title on its own ("Return window", above a paragraph) is a heading, and "A:" before an answer is
dropped. A question is never a passage: quoted back to a shopper it answers nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.facts import split_sentences

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# A list item: "- ", "* ", "1. ", "2) ", and the lettered or roman items of terms and conditions: "(a) ", "b) ", "(iv) "
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|\(\d+\)|\(?[a-z]\)|\(?(?:i{1,3}|iv|vi{0,3}|ix|x)\))\s+(.*)")
# A clause number in front of a paragraph ("4.1 You may return..."): where it sits, not what it says
_CLAUSE_NUMBER = re.compile(r"^(\s*)(?:(?i:clause|section|article)\s+)?\d+(?:\.\d+)+\.?\s+(?=[A-Z(\"“'])")
# A numbered section title: "4. Returns and Refunds", "Section 4 - Delivery", "2.1 Refunds", "IV. Warranty"
_NUMBERED_TITLE = re.compile(r"^\s*(?:(?i:section|clause|article|part)\s+)?(\d+(?:\.\d+)*|[IVX]+)[.):]?\s+(?:[-–—:]\s+)?"
                             r"([A-Z][^.!?:;,|#*]{1,60}?)\s*$")
_LEANS_BACK = re.compile(r"^(?:It|They|This|These|That|Those|Such)\b"
                         r"|^Here(?:'s|’s| is| are) (?:what|how)\b")  # "...your old flat. Here's what we can do."
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_SHORT_LIST_CHARS = 320  # a list this short reads as one answer ("which cards?"); longer: item by item
_WHOLE_ITEM_CHARS = 300  # a list item up to this long stays whole ("Original payment method: ... It is ...")
_WHOLE_LIST_CHARS = 700  # a longer list is also one passage up to this long: "what does the warranty not cover?"
_MIN_WORDS = 4  # "Never." or "Sorry about that!" alone answers nothing: joined to the next sentence
# Headings written without "#": a question line, a bold line, or "Q: ..." (FAQ pages), and a short title
# on a line of its own above text. The answer's "A:" is not part of it.
_MARKED_QUESTION = re.compile(r"^\s*(?:(?:\*\*|__)?(?:Q|Question)\s*[:.]\s*(?:\*\*|__)?|\*\*|__)(.{3,200}?\?)(?:\*\*|__)?\s*$")
_QUESTION_LINE = re.compile(r"^\s*([A-Z0-9\"“'].{2,200}\?)\s*$")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)([^*_]{2,100}?)[:\s]*(?:\*\*|__)\s*:?\s*$")
_TITLE_LINE = re.compile(r"^\s*([A-Z][^.!?:;,|#*]{1,60})$")
_TITLE_WORDS = 8
_NOT_LAST = frozenset("and or but the a an to of in on at for with by from we our your you is are be that this it".split())
_ANSWER_MARK = re.compile(r"^\s*(?:\*\*|__)?(?:A|Answer)\s*[:.](?:\*\*|__)?\s*")


@dataclass(frozen=True)
class PolicyPassage:
    text: str  # plain sentence(s), as the shopper will read them
    context: str  # the headings above it: "Returns and Refunds › Return Window"
    section: str  # the nearest heading (the citation's section)
    raw: str  # its own Markdown (a table row keeps its cells: eval finds its gold phrases in it)

    def indexed_text(self) -> str:
        """What retrieval reads: the headings, then the passage."""
        return f"{self.context}: {self.text}" if self.context else self.text


def plain(text: str) -> str:
    """Markdown emphasis and code marks removed, whitespace collapsed."""
    return " ".join(re.sub(r"[*_`]{1,3}", "", text).split())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _sentences(text: str) -> list[str]:
    """Sentences of a paragraph; a very short one is joined to the one after it."""
    out: list[str] = []
    carry = ""
    for s in split_sentences(plain(text)):
        s = f"{carry} {s}".strip() if carry else s
        if out and _LEANS_BACK.match(s):  # "It is processed within 5 days" needs the sentence before it
            out[-1] = f"{out[-1]} {_sentence(s)}"
            continue
        if len(s.split()) < _MIN_WORDS or s.endswith("?"):  # "Rather have a bigger pot?" asks; the next one answers
            carry = s
            continue
        carry = ""
        out.append(_sentence(s))
    if carry:
        if out:
            out[-1] = f"{out[-1]} {_sentence(carry)}"
        else:
            out.append(_sentence(carry))
    return out


def _cells(line: str) -> list[str]:
    return [plain(c) for c in line.strip().strip("|").split("|")]


def _table_rows(lines: list[str]) -> list[tuple[str, str, str]]:
    """(sentence, raw row) for every body row: 'Standard: delivery time 3–7 business days; cost $5.95.'"""
    header = _cells(lines[0])
    out = []
    for line in lines[1:]:
        if _TABLE_RULE.match(line):
            continue
        cells = _cells(line)
        pairs = [f"{h.lower()} {c}" if h else c for h, c in zip(header[1:], cells[1:]) if c]
        out.append((_sentence(f"{cells[0]}: {'; '.join(pairs)}" if pairs else cells[0]), line.strip(), ""))
    return out


def _list_passages(lead: str, items: list[str]) -> list[tuple[str, str, str]]:
    texts = [plain(i).rstrip(".;,") for i in items]
    raw = "\n".join(items)
    joined = "; ".join(texts)
    short = all(len(t.split()) <= 16 and not re.search(r"[.!?]\s+[A-Z]", t) for t in texts)
    if short and len(joined) <= _SHORT_LIST_CHARS:
        head = plain(lead).rstrip(":") if lead else ""
        return [(_sentence(f"{head}: {joined}" if head else joined), f"{lead}\n{raw}".strip(), "")]
    # long items stand alone; the lead-in ("When you request a return you choose:") joins their context
    extra = plain(lead).rstrip(":")
    singles = [(s, item if whole else s, extra) for item in items
               for whole in [len(item) <= _WHOLE_ITEM_CHARS]
               for s in ([_sentence(plain(item))] if whole else _sentences(item))]
    if lead and len(joined) <= _WHOLE_LIST_CHARS:  # asked for the whole list, the whole list answers
        singles.append((_sentence(f"{extra}: {joined}"), f"{lead}\n{raw}".strip(), ""))
    return singles


def page_passages(title: str, text: str) -> list[PolicyPassage]:
    """Every passage of one Markdown page, in page order."""
    headings: dict[int, str] = {}
    out: list[PolicyPassage] = []
    block: list[str] = []

    def context() -> tuple[str, str]:
        path = [headings[level] for level in sorted(headings)]
        if not path or path[0] != title:
            path = [title] + path
        return " › ".join(p for p in path if p), (path[-1] if path else title)

    def flush() -> None:
        if not block:
            return
        ctx, section = context()
        pieces: list[tuple[str, str, str]] = []  # (text, raw Markdown, extra context)
        # a paragraph ends at a blank line even without a full stop ("**Free shipping over $50**")
        block[:] = [_CLAUSE_NUMBER.sub(r"\1", line) for line in block]
        lines = [line + "." if not after.strip() and not (_BULLET.match(line) or line.lstrip().startswith("|"))
                 and plain(line)[-1:] not in tuple(".!?:;,") else line
                 for line, after in zip(block, block[1:] + [""]) if line.strip()]
        block.clear()
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.lstrip().startswith("|"):
                j = i
                while j < len(lines) and lines[j].lstrip().startswith("|"):
                    j += 1
                pieces += _table_rows(lines[i:j])
                i = j
            elif _BULLET.match(line):
                j = i
                items = []
                while j < len(lines) and (_BULLET.match(lines[j]) or (items and lines[j].startswith("  "))):
                    m = _BULLET.match(lines[j])
                    if m:
                        items.append(m.group(1).strip())
                    else:
                        items[-1] += " " + lines[j].strip()
                    j += 1
                lead = ""
                if pieces and pieces[-1][1].rstrip().endswith(":"):  # "We accept:" introduces the list
                    lead = pieces.pop()[1]
                pieces += _list_passages(lead, items)
                i = j
            else:
                j = i
                while j < len(lines) and not (lines[j].lstrip().startswith("|") or _BULLET.match(lines[j])):
                    j += 1
                paragraph = " ".join(line.strip() for line in lines[i:j])
                if paragraph.rstrip().endswith(":") and j < len(lines) and _BULLET.match(lines[j]):
                    # the last sentence leads into the list that follows; the ones before it stand alone
                    *before, lead = split_sentences(paragraph) or [paragraph]
                    pieces += [(s, s, "") for s in _sentences(" ".join(before))]
                    pieces.append((plain(lead), lead, ""))
                else:
                    pieces += [(s, s, "") for s in _sentences(paragraph)]
                i = j
        out.extend(PolicyPassage(t, f"{ctx} › {extra}" if extra else ctx, section, raw)
                   for t, raw, extra in pieces if t.strip(" .:"))

    for line in marked_up(text).splitlines():
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = plain(heading.group(2))
            continue
        block.append(line)
    flush()
    return out


def marked_up(text: str) -> str:
    """The page with its unmarked headings written as Markdown ones, one level below the last "#" heading
    (so the next unmarked heading replaces it), and without "A:" before answers. Chunking and passages
    both read this, so a FAQ page has the same sections for both."""
    lines = text.splitlines()
    out: list[str] = []
    last_level = 0
    for i, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading:
            last_level = len(heading.group(1))
            out.append(line)
            continue
        numbered = numbered_title(line, lines[:i], lines[i + 1:])
        if numbered:
            name, depth = numbered
            out.append(f"{'#' * min(last_level + depth, 6)} {name}")
            continue
        name = unmarked_heading(line, lines[i - 1] if i else "", lines[i + 1:i + 2])
        out.append(f"{'#' * min(last_level + 1, 6)} {name}" if name else _ANSWER_MARK.sub("", line))
    return "\n".join(out)


def unmarked_heading(line: str, before: str, after: list[str]) -> str | None:
    """The heading a line is when written without "#": a question alone on its line, a bold line, or a
    short title on a line of its own (after a blank line, before text). None for anything else."""
    if _BULLET.match(line) or line.lstrip().startswith("|"):
        return None
    marked = _MARKED_QUESTION.match(line)  # "Q: ..." or "**...?**", even "My pot broke. What now?"
    if marked:
        return marked.group(1).strip()
    question = _QUESTION_LINE.match(line)  # a plain line that asks, after a blank line ("My pot broke. What now?")
    if question and not before.strip() and len(split_sentences(plain(question.group(1)))) <= 3:
        return question.group(1)
    if re.search(r"\d", line):  # "**Free shipping over $50**" states a fact: it stays a passage
        return None
    bold = _BOLD_LINE.match(line)
    if bold and not bold.group(1).rstrip().endswith((".", "!")):
        return bold.group(1)
    title = _TITLE_LINE.match(line)
    words = title.group(1).split() if title else []
    # text right below it, or a blank line after a title in Title Case or too short to state anything;
    # never the first line of a hard-wrapped paragraph
    below = after[0].strip() if after else ""
    titled = all(w[0].isupper() for w in words if len(w) > 3)
    if (title and not before.strip() and len(words) <= _TITLE_WORDS and (below or after and (titled or len(words) < _MIN_WORDS))
            and words[-1].lower() not in _NOT_LAST):
        return title.group(1)
    return None


def numbered_title(line: str, earlier: list[str], later: list[str]) -> tuple[str, int] | None:
    """(title, depth) of a numbered section title of terms and conditions ("4. Returns and Refunds" above
    "4.1 You may return..."; "Section 2 - Delivery"): a short title after a blank line, not an item of a
    numbered list (the lines with text around it are not the numbers before and after: "1. Visa", "2. PayPal")."""
    match = _NUMBERED_TITLE.match(line)
    if not match or (earlier and earlier[-1].strip()):
        return None
    number, title = match.groups()
    words = title.split()
    if len(words) > _TITLE_WORDS or words[-1].lower() in _NOT_LAST:
        return None
    if not (all(w[0].isupper() for w in words if len(w) > 3) or len(words) < _MIN_WORDS):
        return None
    if number.isdigit():
        before = next((r for r in reversed(earlier) if r.strip()), "")
        after = next((r for r in later if r.strip()), "")
        for neighbour, step in ((before, -1), (after, 1)):
            item = re.match(r"^\s*(\d+)[.)]\s", neighbour)
            if item and int(item.group(1)) == int(number) + step:
                return None
    return title.strip(), number.count(".") + 1
