"""Policy answers: every passage is ranked, section openers are known, and the answerability scorer decides
between answering, "not sure" with the closest passage, and "don't know"."""
from bot.domain.catalogue import Catalogue
from bot.ports import Passage
from bot.services.knowledge import KnowledgeAnswers, section_openers
from bot.services.phrasing import Phraser
from bot.services.products import ProductAnswers
from bot.knowledge.answerability import FEATURES
from tests.fakes import FakeChatModel, FakeEmbedder, FakeRetriever, answerability


def passage(text, position, section):
    return Passage(f"Payment › {section}: {text}", 0.0,
                   {"doc_type": "policy_passage", "source": "policies/payment.md", "title": "Payment",
                    "section": section, "text": text, "position": position})


PASSAGES = [
    passage("We accept Visa, Mastercard and PayPal.", 0, "Accepted methods"),
    passage("We do not accept cash or checks.", 1, "Accepted methods"),
    passage("Gift cards never expire and have no fees.", 2, "Gift cards"),
]


def make(embedder=FakeEmbedder()):
    retriever = FakeRetriever(PASSAGES)
    phraser = Phraser(FakeChatModel('{"intro": "Sure", "facts": [1]}'), [])
    products = ProductAnswers(Catalogue(products={}), phraser, retriever, embedder, 0.3)
    return KnowledgeAnswers(retriever, phraser, products, threshold=0.05, answerability=answerability(0.99))


def test_section_openers_are_the_lowest_position_of_each_section():
    hits = PASSAGES[1:] + PASSAGES[:1] + [Passage("chunk cut on the fly", 0.0, {"section": "Gift cards"})]
    assert section_openers(hits) == [False, True, True, False]


def test_a_question_the_pages_answer_is_answered_from_the_right_passage():
    answer = make().policy("do gift cards expire", "policy_payment")
    assert answer.kind == "policy" and "never expire" in answer.text


def test_the_best_passage_carries_the_signals_and_the_likelihood_it_answers():
    best = make().policy_passages("do gift cards expire", "policy_payment")[0]
    assert set(best.metadata["features"]) == set(FEATURES)
    assert best.metadata["confidence"] == 0.99


def test_an_unlikely_best_match_is_declined_with_the_offer_of_a_person():
    service = make()
    service.answerability = answerability(0.1)
    answer = service.policy("do gift cards expire", "policy_payment")
    assert answer.kind == "unknown" and answer.handoff_offered


def test_an_uncertain_best_match_is_quoted_as_the_closest_with_the_offer_of_a_person():
    service = make()
    service.answerability = answerability(0.5)
    answer = service.policy("do gift cards expire", "policy_payment")
    assert answer.kind == "policy_tentative" and answer.handoff_offered and answer.buttons
    assert answer.text.startswith("I'm not sure") and "Gift cards never expire and have no fees." in answer.text
    assert answer.sources and answer.sources[0].section == "Gift cards"


def test_without_an_embedder_only_the_dense_threshold_decides():
    service = make(embedder=None)
    service.answerability = answerability(0.01)  # fused scores lack similarities: no likelihood
    assert service.policy("do gift cards expire", "policy_payment").kind == "policy"


def test_a_typo_is_mended_against_the_shops_words_before_ranking():
    from bot.knowledge.spelling import Speller

    service = make()
    service.speller = Speller({"do": 900, "expire": 50})
    answer = service.policy("do gfit crads expire", "policy_payment")
    assert answer.kind == "policy" and "never expire" in answer.text
    assert service.retriever.queries[-1] == "payment methods: do gift cards expire"  # searched again, mended


def test_without_a_speller_the_question_is_searched_as_typed():
    service = make()
    service.policy("do gfit crads expire", "policy_payment")
    assert all("gfit" in q for q in service.retriever.queries)


def test_the_nlu_fallback_mends_typos_before_it_searches():
    from bot.knowledge.spelling import Speller

    service = make()
    service.threshold = 0.5  # as typed, the best match (0.27) is too weak to answer
    assert service.fallback("do gfit crads expire").kind == "unknown"
    service.speller = Speller({"do": 900, "expire": 50})
    answer = service.fallback("do gfit crads expire")
    assert answer.kind == "policy" and "never expire" in answer.text


def test_small_talk_around_the_question_is_not_ranked():
    service = make()
    service.policy("Hi there, quick question: do gift cards expire? Thanks so much!", "policy_payment")
    assert service.retriever.queries[-1] == "payment methods: do gift cards expire?"
    service.trim_small_talk = False
    service.policy("Hi there, quick question: do gift cards expire? Thanks so much!", "policy_payment")
    assert "Hi there" in service.retriever.queries[-1]
