"""The page-layout evaluation's rewrites, and the invariance they check: the same words in FAQ or wrapped
layouts give the same passages under the same headings."""
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.store_dir import load_store
from bot.knowledge.documents import policy_documents
from bot.knowledge.passages import page_passages
from eval.page_formats import LAYOUTS, as_bold_faq, as_plain_titles, as_q_and_a, as_wrapped, rewrite_store

ROOT = Path(__file__).resolve().parents[2]
PAGE = "# Returns\n\n## Who pays for return postage?\n\nYou do, unless we made a mistake.\n\n## Return Window\n\nThirty days."


def test_headings_become_bold_lines_and_the_page_title_stays():
    assert as_bold_faq(PAGE).splitlines()[:3] == ["# Returns", "", "**Who pays for return postage?**"]


def test_question_headings_become_q_and_a_and_other_headings_bold_lines():
    lines = as_q_and_a(PAGE).splitlines()
    assert "Q: Who pays for return postage?" in lines and "A: You do, unless we made a mistake." in lines
    assert "**Return Window**" in lines and "A: Thirty days." not in lines


def test_plain_titles_lose_their_marks():
    assert as_plain_titles(PAGE).splitlines()[2] == "Who pays for return postage?"


def test_long_paragraph_lines_are_wrapped():
    text = "# T\n\n" + "word " * 40 + "end."
    assert max(len(line) for line in as_wrapped(text).splitlines()) <= 72


@pytest.mark.parametrize("store", ["knowledge/demo_store", "knowledge/leaf_and_kettle"])
@pytest.mark.parametrize("layout", ["markdown", "bold_faq", "q_and_a", "wrapped"])
def test_every_marked_layout_of_a_store_gives_the_same_passages_and_sections(store, layout):
    for page in load_store(ROOT / store).policies:
        original = [(p.text, p.section) for p in page_passages(page.title, page.text)]
        assert [(p.text, p.section) for p in page_passages(page.title, LAYOUTS[layout](page.text))] == original


def test_chunks_know_the_sections_of_a_faq_page(demo_store):
    for page in demo_store.policies:
        faq = replace(page, text=as_bold_faq(page.text))
        assert [d.metadata["section"] for d in policy_documents([faq])] == [
            d.metadata["section"] for d in policy_documents([page])]


def test_a_rewritten_store_keeps_its_catalogue(tmp_path):
    root = rewrite_store(ROOT / "knowledge/leaf_and_kettle", tmp_path / "faq", "q_and_a")
    store = load_store(root)
    assert store.catalogue.products and any("Q: " in p.text for p in store.policies)
