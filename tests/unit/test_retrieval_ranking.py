"""Fused ranking of policy passages: key terms, BM25, and the kind of answer the question wants."""
import pytest

from bot.knowledge.ranking import META, bm25, coverage, kind_match, kind_miss, rank, terms, wanted_kinds


def test_terms_fold_shop_synonyms_and_drop_stop_words():
    assert terms("Can I send it back and get my money back?") == ["return", "refund", "back"]
    assert sorted(terms("Is shipping free?")) == sorted(terms("free delivery")) == sorted(terms("shipped for free"))
    assert terms("deleted") == terms("deletion") == terms("delete") != terms("deliver")


def test_bm25_prefers_the_document_with_the_rare_query_term():
    docs = [terms("refunds take 5 days"), terms("refunds go to the card"), terms("exchanges take 3 days")]
    scores = bm25(terms("how long do refunds take"), docs)
    assert scores[0] == max(scores) and scores[2] < scores[0]
    assert bm25(["nothing"], docs) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("question, kind", [
    ("How long do I have to return an item?", "duration"),  # how long -> a duration
    ("until when can I swap my jacket", "duration"),
    ("How much does express shipping cost?", "amount"),  # how much / cost -> an amount
    ("is sending stuff back free", "amount"),
    ("Which payment methods do you accept?", "list"),  # which -> a list
    ("Can I return clearance items?", "rule"),  # can I -> a rule
    ("Do you ship internationally?", "yes_no"),  # do you -> a yes or no
    ("if my tent pole breaks after a year, is it still covered?", "duration"),  # a span asks for the limit
    ("I bought these boots 40 days ago, can I send them back?", "duration"),
])
def test_the_question_says_which_kind_of_answer_it_wants(question, kind):
    assert kind in wanted_kinds(question)


@pytest.mark.parametrize("question", ["Can I return it?", "I have two kids, which size fits?", "a year's warranty?"])
def test_a_question_without_a_time_span_does_not_ask_for_a_duration(question):
    assert "duration" not in wanted_kinds(question)


@pytest.mark.parametrize("wanted, text, matches", [
    ({"duration"}, "Refunds are processed within 5–10 business days.", True),
    ({"duration"}, "Refunds go to the original payment method.", False),
    ({"duration"}, "Every product comes with a 2-year limited warranty.", True),  # "2-year" is a duration too
    ({"amount"}, "Express shipping is always $19.95.", True),
    ({"amount"}, "Express shipping is not available to PO boxes.", False),
    ({"amount"}, "White glove delivery is charged at a flat £39 per order.", True),  # any currency, not only $
    ({"amount"}, "Shipping to Germany costs 12 EUR.", True),
    ({"amount"}, "A deposit of 30% is taken when you order.", True),  # a share of the price is an amount
    ({"amount"}, "Orders placed before 1 p.m. go out the same day.", False),  # a clock time is not pence
    ({"duration"}, "Tell us within a fortnight.", True),
    ({"list", "rule"}, "We accept: Visa; PayPal; gift cards.", True),  # the most specific kind decides
    ({"rule"}, "The user needs to confirm the reason for cancellation.", True),  # "needs to", not only "need to"
    ({"rule"}, "A signature is required on delivery.", True),
    ({"rule"}, "Our team reads every message.", False),
    (set(), "Anything at all.", False),
])
def test_a_passage_matches_when_it_holds_the_wanted_kind(wanted, text, matches):
    assert kind_match(wanted, text) is matches


def test_the_answering_passage_overtakes_a_slightly_closer_one():
    texts = ["Returns: When you request a return you choose how to receive your refund.",
             "Returns › Return Window: You can return items within 30 days of the delivery date."]
    ranked = rank("what's your return window", texts, dense=[0.62, 0.58])
    assert ranked[0].index == 1 and ranked[0].kind is False and ranked[0].lexical == 1.0


def test_without_lexical_or_kind_evidence_the_dense_order_stands():
    ranked = rank("hello there", ["alpha beta.", "gamma delta."], dense=[0.3, 0.5])
    assert [r.index for r in ranked] == [1, 0] and ranked[0].score == 0.5


def test_coverage_weighs_the_rare_key_terms_of_the_question():
    docs = [terms("gift cards never expire"), terms("gift cards pay for orders"), terms("orders ship in 2 days")]
    covered = coverage(terms("do gift cards expire"), docs)
    assert covered[0] == pytest.approx(1.0) and covered[1] < covered[0] and covered[2] == 0.0
    assert coverage([], docs) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("question, text, missed", [
    ("How long do refunds take?", "Refunds go to the card you paid with.", True),  # no duration given
    ("How long do refunds take?", "Refunds take 5 business days.", False),
    ("How much is express shipping?", "Express shipping is not available to PO boxes.", True),  # no amount
    ("Can I return a gift card?", "Gift cards cannot be returned.", False),  # a rule is asked: nothing missed
])
def test_a_passage_misses_when_it_lacks_the_duration_or_amount_asked_for(question, text, missed):
    assert kind_miss(wanted_kinds(question), text) is missed


def test_the_passage_that_opens_its_section_wins_a_tie():
    texts = ["Cancelling: Only pending orders can be cancelled.", "Cancelling: A pending order is cancelled in full."]
    assert rank("which orders can be cancelled", texts, dense=[0.6, 0.6], first=[False, True])[0].index == 1
    assert rank("which orders can be cancelled", texts, dense=[0.6, 0.6], first=[True, False])[0].index == 0


def test_a_passage_without_the_asked_duration_falls_behind_one_that_has_it():
    texts = ["Refunds: Refunds go to the original payment method.", "Refunds: Refunds are sent within 5 business days."]
    assert rank("how long do refunds take", texts, dense=[0.66, 0.5], w_kind=0, w_kind_miss=0)[0].index == 0
    ranked = rank("how long do refunds take", texts, dense=[0.66, 0.5])
    assert ranked[0].index == 1 and ranked[0].kind is True


@pytest.mark.parametrize("text, meta", [
    ("This page explains how you can pay at the shop and how gift cards work.", True),
    ("This section describes what we keep and your choices.", True),
    ("The following policy sets out how returns work.", True),
    ("This policy covers items bought online and in store.", True),
    ("Gift cards cannot be combined with another payment method.", False),
    ("Pages of the manual explain how to pitch the tent.", False),
    # a page's lead paragraph: scene-setting, then the sentence about the page
    ("A new sofa is something you live with for years. This page explains what delivery costs.", True),
    ("Delivery costs $5. The page you ordered from explains the fabric.", False),
])
def test_a_sentence_about_the_page_itself_is_recognised(text, meta):
    assert bool(META.search(text)) is meta


def test_a_sentence_about_the_page_itself_gives_way_to_a_rule():
    question = "can I pay part with a gift card and the rest by card?"
    texts = ["This page explains how you can pay and how charges and gift cards work.",
             "To pay with a gift card, its balance must cover the whole order."]
    assert rank(question, texts, [0.70, 0.62], first=[True, False], w_meta=0)[0].index == 0
    assert rank(question, texts, [0.70, 0.62], first=[True, False])[0].index == 1


@pytest.mark.parametrize("question, text", [
    ("can you send tea to the uk", "We only deliver within the United States."),  # countries are "international"
    ("i'm in canada, do you post here?", "We don't ship abroad."),
    ("is there afterpay so i can spread the cost", "Pay in 4 instalments with no interest."),
    ("can i use my amex", "We accept Visa, Mastercard and American Express."),
    ("my mug came in bits", "Tell us within 48 hours if anything arrives damaged."),
    ("how soon will somebody ring me", "Our team will telephone you within two working days."),
    ("can i push it back to another day", "You can rearrange your delivery free of charge."),
    ("what do i put down on something made specially for me", "A deposit is taken on made-to-order items."),
    ("i'm having second thoughts, how long have i got", "You can change your mind within 14 days."),
    ("do I have to say why I want to cancel?", "Confirm the reason for cancellation."),
    ("price of fast delivery?", "Express shipping is always $19.95."),
])
def test_everyday_words_meet_the_words_of_the_page(question, text):
    assert set(terms(question)) & set(terms(text)) - {"ship"}


def test_a_phrase_is_read_only_as_whole_words():
    assert "phone" not in terms("please bring your receipt") and "phone" in terms("we will ring you")


def test_asking_how_fast_is_a_question_of_time_not_of_express_delivery():
    assert "express" not in terms("how fast will my refund arrive?") and "express" in terms("the fastest option")


def test_a_country_inside_another_word_or_an_everyday_word_is_not_a_country():
    assert "international" not in terms("a woman bought fine china and a turkey roaster")


@pytest.mark.parametrize("question, kind", [
    ("How late can I cancel my order?", "duration"),
    ("ordered last night, am i still in time to change it", "duration"),
    ("do i need to pay to mail back a cable", "amount"),
])
def test_time_limits_and_costs_asked_in_everyday_words(question, kind):
    assert kind in wanted_kinds(question)


def test_an_introduction_that_points_below_is_not_a_rule():
    assert META.search("Life happens, and you pick the wrong pot. Here's what we can do.")
    assert not META.search("Here's the short version: refunds take 5 days to arrive.")


def test_the_passage_reader_can_overturn_minilm_and_minilm_counts_half_beside_it():
    texts = ["Postage: Standard delivery is a flat fee.", "Refunds: We take the label cost off your refund."]
    minilm = dict(dense=[0.6, 0.4], alone=[0.6, 0.4], heading=[0.3, 0.3])
    assert rank("will postage come out of my refund money", texts, **minilm)[0].index == 0
    reader = ([0.3, 0.7], [0.2, 0.2])  # the larger encoder reads the second as the answer
    ranked = rank("will postage come out of my refund money", texts, reader=reader, **minilm)
    assert ranked[0].index == 1
    alone_only = rank("hello", ["alpha.", "beta."], dense=[0.2, 0.2], alone=[0.4, 0.0], reader=([0.0, 0.0], [0.0, 0.0]))
    assert alone_only[0].score == pytest.approx(0.5 * (0.2 + 0.4))  # MiniLM's similarities at half weight
