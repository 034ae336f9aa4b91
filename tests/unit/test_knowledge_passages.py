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
