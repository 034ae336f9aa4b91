from bot.domain.catalogue import Catalogue
from bot.ports import Passage
from bot.services.knowledge import KnowledgeAnswers, answer_passages, passage_sentences
from bot.services.phrasing import Phraser
from bot.services.products import ProductAnswers
from tests.fakes import FakeChatModel, FakeEmbedder, FakeRetriever, answerability

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
    return KnowledgeAnswers(retriever, phraser, products, threshold=0.3, answerability=answerability(0.99)), retriever


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
    service.answerability = None  # no scorer: the dense similarity threshold decides
    answer = service.policy("what is the capital of france", "policy_returns")
    assert answer.kind == "unknown" and answer.handoff_offered
    service.answerability = answerability(0.05)  # a scorer: its likelihood decides
    assert service.policy("what is the capital of france", "policy_returns").kind == "unknown"


def test_fallback_answers_from_policy_or_admits_not_knowing():
    service, _ = make()
    assert "30 days" in service.fallback("return unused items within 30 days").text
    assert service.fallback("tell me a joke").kind == "unknown"


# The passage index: answer-sized passages with their headings (what ingest writes), beside the chunks.
def passage(text, position, section="Return window", score_words=""):
    return Passage(f"Returns › {section}: {text} {score_words}".strip(), 0.0,
                   {"doc_type": "policy_passage", "source": "policies/returns.md", "title": "Returns",
                    "section": section, "text": text, "position": position})


PASSAGES = [
    passage("When you request a return you choose how to receive your refund.", 0, "Refunds"),
    passage("You can ask for a return by email.", 1),
    passage("We reply to return requests within 2 business days.", 2),
    passage("Return shipping is free when you use our label.", 3, "Return shipping"),
]


def make_indexed(llm=None):
    retriever = FakeRetriever([RETURNS] + PASSAGES)
    phraser = Phraser(llm or FakeChatModel('{"intro": "Sure", "facts": [1, 2]}'), [])
    products = ProductAnswers(Catalogue(products={}), phraser, retriever, FakeEmbedder(), 0.3)
    return KnowledgeAnswers(retriever, phraser, products, threshold=0.05, answerability=answerability(0.99)), retriever


def test_policy_answers_quote_the_passage_and_the_sentence_that_completes_it():
    service, retriever = make_indexed()
    answer = service.policy("how do I ask for a return", "policy_returns")
    # the best passage, then the next sentence of its section (it says how long the reply takes)
    assert answer.text == "Sure! You can ask for a return by email. We reply to return requests within 2 business days."
    assert answer.sources[0].citation() == "Returns › Return window"
    assert any(q.startswith("returns and refunds:") for q in retriever.queries)


def test_the_passage_of_the_wanted_kind_comes_first():
    service, _ = make_indexed()
    ranked = service.policy_passages("how much is return shipping, is it free?", "policy_returns")
    assert ranked[0].text == "Return shipping is free when you use our label."
    assert ranked[0].metadata["kind"] is True and ranked[0].score > ranked[1].score


def test_answer_passages_take_the_window_then_close_runners_up():
    ranked = [Passage(p.metadata["text"], score, p.metadata) for p, score in zip(PASSAGES[1:], (2.0, 1.0, 1.9))]
    chosen, lead = answer_passages(ranked, limit=3, margin=0.2)
    assert [p.metadata["position"] for p in chosen] == [1, 2, 3] and lead == 2  # best + next lead; a close one
    chosen, lead = answer_passages(ranked, limit=3, margin=0.05)
    assert [p.metadata["position"] for p in chosen] == [1, 2]
    chosen, lead = answer_passages(ranked[2:] + ranked[:1], limit=3, margin=0.2)  # no next sentence found
    assert [p.metadata["position"] for p in chosen] == [3, 1] and lead == 1


def test_answer_passages_do_not_quote_a_list_and_its_own_item_twice():
    meta = {"source": "policies/warranty.md", "section": "What Is Not Covered"}
    whole = Passage("The warranty does not cover: Normal wear and tear; Lost or stolen items.", 2.0, meta)
    item = Passage("Lost or stolen items.", 1.9, meta)
    other = Passage("Claims are reviewed within 5 business days.", 1.8, {**meta, "section": "Claims"})
    chosen, _ = answer_passages([whole, item, other], limit=3, margin=0.5)
    assert [p.text for p in chosen] == [whole.text, other.text]


def test_an_index_without_passages_still_answers_from_the_chunks():
    service, retriever = make()
    ranked = service.policy_passages("how many days do refunds take", "policy_returns")
    assert ranked[0].text == "Refunds take 5 to 10 business days."
    assert ranked[0].metadata["doc_type"] == "policy" and len(retriever.queries) == 2  # chunks, passages


class FavouringReader(FakeEmbedder):
    """A passage reader that reads one passage as the question's exact meaning."""

    def __init__(self, favourite: str):
        super().__init__()
        self.favourite = favourite

    def embed_documents(self, texts):
        self.calls += 1
        return [[1.0, 0.0] if t == self.favourite else [0.0, 1.0] for t in texts]

    def embed_query(self, text):
        return [1.0, 0.0]


def test_the_passage_reader_re_reads_every_passage_once_and_joins_the_ranking():
    service, _ = make_indexed()
    question = "how do I ask for a return"
    assert service.policy_passages(question, "policy_returns")[0].text == "You can ask for a return by email."
    service.reader = FavouringReader("We reply to return requests within 2 business days.")
    ranked = service.policy_passages(question, "policy_returns")
    assert ranked[0].text == "We reply to return requests within 2 business days."
    service.policy_passages("can I return it", "policy_returns")
    assert service.reader.calls == 1  # passages and headings embedded once, apart from MiniLM's own vectors


class BrokenReader(FakeEmbedder):
    def embed_documents(self, texts):
        raise MemoryError("the reader died")


def test_a_failing_passage_reader_leaves_the_minilm_ranking_answering():
    service, _ = make_indexed()
    service.reader = BrokenReader()
    answer = service.policy("how do I ask for a return", "policy_returns")
    assert answer.kind == "policy" and "You can ask for a return by email." in answer.text
