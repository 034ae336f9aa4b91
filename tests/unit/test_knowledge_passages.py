"""Policy pages cut into answer-sized passages with their headings."""
from bot.knowledge.documents import PASSAGE, passage_documents
from bot.knowledge.passages import page_passages

PAGE = """# Shipping

We ship from Ohio. Read on for the rest.

## Costs

| Method | Time | Cost |
| --- | --- | --- |
| Standard | 3–7 business days | $5.95 |
| **Express** | 1–2 business days | $19.95 |

## Payment

We accept:

- Visa and Mastercard
- PayPal

Never. Gift cards keep their balance. It is added instantly.

## Steps

- Contact us with your order number and the items you want to send back, and we email you a label. Pack the items in the original box, attach the label, and drop the parcel at any post office or parcel locker within 14 days of receiving it, or we cancel the return, close the request for good and let you know by email the same day.
"""


def by_text(passages):
    return {p.text: p for p in passages}


def test_paragraph_sentences_keep_the_page_and_section_headings():
    passages = by_text(page_passages("Shipping", PAGE))
    first = passages["We ship from Ohio."]
    assert (first.context, first.section) == ("Shipping", "Shipping")
    assert passages["Read on for the rest."].indexed_text() == "Shipping: Read on for the rest."


def test_a_table_row_reads_as_a_sentence_and_keeps_its_markdown():
    rows = [p for p in page_passages("Shipping", PAGE) if p.section == "Costs"]
    assert [r.text for r in rows] == ["Standard: time 3–7 business days; cost $5.95.",
                                     "Express: time 1–2 business days; cost $19.95."]
    assert rows[0].raw == "| Standard | 3–7 business days | $5.95 |"
    assert rows[1].context == "Shipping › Costs"


def test_a_short_list_is_one_passage_with_its_lead_in():
    texts = [p.text for p in page_passages("Shipping", PAGE) if p.section == "Payment"]
    assert texts[0] == "We accept: Visa and Mastercard; PayPal."


def test_a_fragment_or_a_pronoun_sentence_is_joined_to_its_neighbour():
    texts = [p.text for p in page_passages("Shipping", PAGE) if p.section == "Payment"]
    assert texts[1:] == ["Never. Gift cards keep their balance. It is added instantly."]


def test_a_long_list_item_is_split_into_sentences():
    texts = [p.text for p in page_passages("Shipping", PAGE) if p.section == "Steps"]
    assert len(texts) == 2 and texts[1].startswith("Pack the items")


def test_passage_documents_are_typed_and_quote_the_passage_alone(demo_store):
    docs = passage_documents(demo_store.policies)
    assert len(docs) > 60
    for doc in docs:
        meta = doc.metadata
        assert meta["doc_type"] == PASSAGE and meta["source"].startswith("policies/") and meta["section"]
        assert doc.page_content.endswith(meta["text"]) and meta["text"] in doc.page_content


LONG_LIST = """# Warranty

## What Is Not Covered

The warranty does not cover:

- Normal wear and tear, such as worn outsoles, worn trekking pole tips, faded fabric or pilling wool
- Damage from accidents, misuse, improper care or alterations
- Damage from pets, fire or extreme heat
- Gradual loss of battery capacity in rechargeable electronics, which is normal with age
"""


def test_a_long_list_is_read_item_by_item_and_also_whole():
    texts = [p.text for p in page_passages("Warranty", LONG_LIST)]
    assert texts[0].startswith("Normal wear and tear") and "does not cover" not in texts[0]
    whole = texts[-1]  # "what does the warranty not cover?" is answered by the list, not by one item
    assert whole.startswith("The warranty does not cover: Normal wear and tear")
    assert whole.endswith("which is normal with age.") and len(texts) == 5


def test_a_list_too_long_to_quote_is_only_read_item_by_item():
    items = "".join(f"- Item number {i} is excluded for a long and detailed reason we explain here\n" for i in range(12))
    texts = [p.text for p in page_passages("Warranty", f"# Warranty\n\nNot covered:\n\n{items}")]
    assert len(texts) == 12 and all(t.startswith("Item number") for t in texts)


FAQ_PAGE = """# Help

**Can I return an opened item?**
Yes, within 14 days, as long as it is unused.

**Return window**

You have 30 days from delivery to send things back.

Q: Do you ship to Canada?
A: No, we only ship within the United States.

## Payment

Gift cards
Gift cards never expire and can be used on anything.

**All clearance sales are final.**

**Free shipping over $50**

We pack every order by hand and
ship it from Ohio.
"""


def test_faq_questions_and_unmarked_titles_are_headings_not_passages():
    passages = by_text(page_passages("Help", FAQ_PAGE))
    assert not [t for t in passages if t.rstrip().endswith("?")]  # a question quoted back answers nothing
    assert passages["Yes, within 14 days, as long as it is unused."].context == "Help › Can I return an opened item?"
    assert passages["You have 30 days from delivery to send things back."].section == "Return window"
    canada = passages["No, we only ship within the United States."]  # the "A:" mark is dropped
    assert canada.indexed_text() == "Help › Do you ship to Canada?: No, we only ship within the United States."


def test_a_markdown_heading_replaces_an_unmarked_one_and_unmarked_ones_replace_each_other():
    passages = by_text(page_passages("Help", FAQ_PAGE))
    assert passages["Gift cards never expire and can be used on anything."].context == "Help › Payment › Gift cards"
    assert passages["You have 30 days from delivery to send things back."].context == "Help › Return window"


def test_bold_facts_and_wrapped_paragraph_lines_stay_passages():
    passages = by_text(page_passages("Help", FAQ_PAGE))
    assert "All clearance sales are final." in passages  # a bold sentence is a rule, not a heading
    assert "Free shipping over $50." in passages  # a line with a number states a fact
    assert "We pack every order by hand and ship it from Ohio." in passages  # its first line ends mid-sentence


def test_a_short_title_above_a_blank_line_is_a_heading_a_longer_line_a_passage():
    page = "# Help\n\nReturn window\n\nYou have 30 days to send things back.\n\nFree shipping on all orders\n\nWe pack by hand."
    passages = by_text(page_passages("Help", page))
    assert passages["You have 30 days to send things back."].section == "Return window"
    assert "Free shipping on all orders." in passages


def test_a_title_case_line_above_a_blank_line_is_a_heading():
    page = "# Help\n\nWhich Orders Can Be Cancelled\n\nOnly orders that have not shipped yet."
    assert page_passages("Help", page)[0].section == "Which Orders Can Be Cancelled"


def test_a_plain_line_that_asks_after_a_blank_line_is_a_heading_a_question_inside_a_paragraph_is_not():
    page = ("# Help\n\nMy teapot arrived cracked. What now?\n\nSend us a photo within 7 days.\n\n"
            "We answer every email within a day.\nGot a question?\nWrite to us any time, we love tea talk.")
    passages = by_text(page_passages("Help", page))
    assert passages["Send us a photo within 7 days."].section == "My teapot arrived cracked. What now?"
    assert not any(p.section == "Got a question?" for p in passages.values())


TERMS = """# Terms of Sale: Returns

4. Returns and Refunds

4.1 Subject to clause 4.3, you may return any Goods within 30 days of Delivery.

4.2 Where Goods have been opened, the Company may deduct a restocking fee of 15%. The following Goods may not be returned:

(a) earbuds, once the hygiene seal has been broken, because they cannot be resold to another customer;

(b) software and activation codes, once the packaging has been opened or the code has been revealed; and

(c) gift cards.

5. Delivery

5.1 We deliver to the fifty United States only.
"""


def test_numbered_clause_titles_are_sections_and_clause_numbers_are_not_text():
    passages = by_text(page_passages("returns", TERMS))
    window = passages["Subject to clause 4.3, you may return any Goods within 30 days of Delivery."]
    assert window.section == "Returns and Refunds"
    assert passages["We deliver to the fifty United States only."].section == "Delivery"
    assert not any(p.text.startswith(("4.", "5.", "Returns and Refunds")) for p in passages.values())


def test_lettered_items_are_a_list_whose_lead_in_is_the_last_sentence_before_it():
    passages = by_text(page_passages("returns", TERMS))
    assert "Where Goods have been opened, the Company may deduct a restocking fee of 15%." in passages
    item = next(p for t, p in passages.items() if t.startswith("software and activation codes"))
    assert item.context.endswith("The following Goods may not be returned")
    assert not any(t.startswith("(b)") for t in passages)


def test_a_numbered_list_is_not_read_as_titles():
    page = "# Paying\n\nWe take:\n\n1. Visa\n\n2. PayPal\n\n3. Gift Cards\n"
    passages = page_passages("paying", page)
    assert [p.section for p in passages] == ["Paying"]
    assert passages[0].text == "We take: Visa; PayPal; Gift Cards."


def test_a_question_inside_a_paragraph_is_answered_by_the_sentence_after_it():
    page = "# Pots\n\nRather have a bigger pot? Start a return and tell us which one you'd like instead."
    assert [p.text for p in page_passages("Pots", page)] == [
        "Rather have a bigger pot? Start a return and tell us which one you'd like instead."]


def test_an_introduction_that_points_below_stays_one_passage():
    page = "# Changes\n\nLife happens, and sometimes you pick the wrong pot. Here's what we can do.\n\nWrite before 8 am."
    texts = [p.text for p in page_passages("Changes", page)]
    assert texts[0] == "Life happens, and sometimes you pick the wrong pot. Here's what we can do."
