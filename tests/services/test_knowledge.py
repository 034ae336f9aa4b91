from bot.domain.catalogue import Catalogue
from bot.ports import Passage
from bot.services.knowledge import KnowledgeAnswers, passage_sentences
from bot.services.phrasing import Phraser
from bot.services.products import ProductAnswers
from tests.fakes import FakeChatModel, FakeEmbedder, FakeRetriever

RETURNS = Passage(
    "## Return window\nYou can return **unused** items within 30 days of delivery.\n- Refunds take 5 to 10 business days.",
    0.0,
    {"doc_type": "policy", "source": "policies/returns.md", "title": "Returns", "section": "Return window"},
)


def make(llm=None):
    retriever = FakeRetriever([RETURNS])
    catalogue = Catalogue(products={})
    phraser = Phraser(llm or FakeChatModel('{"intro": "Here is our policy", "facts": [1]}'), [])
    products = ProductAnswers(catalogue, phraser, retriever, FakeEmbedder(), 0.3)
    return KnowledgeAnswers(retriever, phraser, products, threshold=0.3), retriever


def test_markdown_becomes_plain_sentences():
    assert passage_sentences(RETURNS) == [
        "You can return unused items within 30 days of delivery.", "Refunds take 5 to 10 business days."
    ]


def test_policy_answer_cites_page_and_section():
    service, retriever = make()
    answer = service.policy("can I return unused items within 30 days of delivery", "policy_returns")
    assert answer.kind == "policy" and "30 days" in answer.text
    assert answer.sources[0].citation() == "Returns › Return window"
    assert retriever.queries[0].startswith("returns and refunds:")


def test_below_threshold_the_bot_does_not_know_and_offers_a_person():
    service, _ = make()
    answer = service.policy("what is the capital of france", "policy_returns")
    assert answer.kind == "unknown" and answer.handoff_offered


def test_fallback_answers_from_policy_or_admits_not_knowing():
    service, _ = make()
    assert "30 days" in service.fallback("return unused items within 30 days").text
    assert service.fallback("tell me a joke").kind == "unknown"
