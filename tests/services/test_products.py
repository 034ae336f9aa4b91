import pytest

from bot.ports import Passage
from bot.services.phrasing import Phraser
from bot.services.products import ProductAnswers
from bot.services.upsell import UpsellService
from tests.fakes import FakeChatModel, FakeEmbedder, FakeRetriever, tiny_catalogue


@pytest.fixture()
def products():
    catalogue = tiny_catalogue()
    return ProductAnswers(catalogue, Phraser(FakeChatModel(), catalogue.names()), embedder=FakeEmbedder(), threshold=0.3)


def test_exact_variant_price_comes_from_the_catalogue(products):
    answer = products.fact_answer("product_price", "how much is the blue M t-shirt")
    assert answer.text == "The T-Shirt (blue, M) costs $20.00 and is in stock."
    assert [(s.kind, s.id) for s in answer.sources] == [("variant", "1001")]
    assert answer.product_id == "100"


def test_out_of_stock_variant_offers_in_stock_alternatives(products):
    answer = products.fact_answer("product_availability", "is the blue L t-shirt available?")
    assert answer.text.startswith("The T-Shirt (blue, L) costs $21.50 and is out of stock.")
    assert "(blue, M) costs $20.00 and is in stock" in answer.text


def test_several_matching_variants_ask_which_one_with_buttons(products):
    answer = products.fact_answer("product_price", "price of the blue t-shirt")
    assert answer.kind == "clarify_variant"
    assert [b["title"] for b in answer.buttons] == ["blue, M", "blue, L"]
    assert answer.buttons[0]["payload"] == '/inform{"item_id":"1001"}'


def test_inform_continues_with_the_product_in_the_slot(products):
    answer = products.fact_answer("inform", "the red one", current_id="100")
    assert answer.text == "The T-Shirt (red, M) costs $19.00 and is in stock."


def test_button_item_id_answers_exactly(products):
    assert "$21.50" in products.fact_answer("inform", "", item_id="1002").text


def test_ambiguous_product_asks_which_product(products):
    answer = products.fact_answer("product_price", "how much is the camera")
    assert answer.kind == "clarify_product" and len(answer.buttons) == 2


def test_unknown_product_says_so_and_offers_a_person(products):
    answer = products.fact_answer("product_price", "how much is the helicopter")
    assert answer.kind == "not_sold" and "we don't sell that" in answer.text
    assert answer.product_id is None and answer.handoff_offered and answer.buttons


def test_a_product_the_shop_does_not_carry_is_never_answered_with_another_products_facts(products):
    # The conversation was about the T-Shirt; "Do you sell hoverboards?" must not get its stock.
    answer = products.fact_answer("product_availability", "Do you sell hoverboards?", current_id="100")
    assert answer.kind == "not_sold" and answer.product_id is None and "T-Shirt" not in answer.text
    # A pointer back ("it") still means the product talked about.
    assert products.fact_answer("product_price", "how much is it in red?", current_id="100").product_id == "100"


def test_another_kind_of_a_known_head_noun_is_not_that_product_but_is_offered_nearby(products):
    # "security camera" shares the head noun of both cameras; the shop sells neither kind.
    answer = products.fact_answer("product_price", "how much is a security camera?")
    assert answer.kind == "not_sold" and answer.product_id is None
    assert "Action Camera" in answer.text and "$300.00" in answer.text
    assert {b["title"] for b in answer.buttons} == {"Action Camera", "Digital Camera"}


@pytest.mark.parametrize("intent", ["product_price", "product_availability", "product_options", "product_info"])
def test_a_version_question_gets_that_versions_facts_whatever_the_product_intent(products, intent):
    text = "can I still buy the t-shirt in M, red?"
    answer = products.question(text) if intent == "product_info" else products.fact_answer(intent, text)
    assert answer.text.startswith("The T-Shirt (red, M) costs $19.00 and is in stock.")


def test_impossible_combination_is_explained_with_the_real_options(products):
    answer = products.fact_answer("product_price", "red L t-shirt price")
    assert answer.text.startswith("We don't have the T-Shirt in red, L.")
    assert "color: blue, red" in answer.text


def test_descriptive_question_uses_relevant_facts_only(products):
    answer = products.question("is the t-shirt machine washable?")
    assert "machine washable" in answer.text and answer.grounding == "llm"


def test_question_without_supporting_facts_admits_it(products):
    answer = products.question("is the t-shirt bulletproof?")
    assert answer.handoff_offered and "don't have that detail" in answer.text


def test_upsell_suggests_one_available_complement_with_its_price():
    catalogue = tiny_catalogue()
    service = UpsellService(catalogue, Phraser(None, catalogue.names()))
    answer = service.suggest("100", ["product_price"], declined=False)
    assert answer.product_id == "400" and "$12.00" in answer.text
    assert service.suggest("100", ["complaint"], declined=False) is None
    assert service.suggest("100", ["product_price"], declined=True) is None


def test_upsell_text_has_no_second_opener_after_its_own_lead_in():
    catalogue = tiny_catalogue()
    llm = FakeChatModel('{"intro": "Good question", "facts": [1]}')
    answer = UpsellService(catalogue, Phraser(llm, catalogue.names())).suggest("100", ["product_price"], declined=False)
    assert answer.text.startswith("You might also like the Wool Socks. The Wool Socks (M) costs $12.00")
    assert "Good question" not in answer.text


@pytest.mark.parametrize("question", ["Do you sell a t-shirt?", "do you have t-shirts", "Is there a t-shirt?"])
def test_asking_whether_the_shop_sells_a_product_gets_its_stock_and_options(products, question):
    answer = products.question(question)
    assert answer.kind != "unknown"
    assert "versions of the T-Shirt are in stock" in answer.text and "$20.00" in answer.text


def test_retrievals_guess_is_kept_for_descriptive_questions_but_a_slot_is_not(products):
    # The knowledge fallback passes retrieval's product: unknown words do not make it "not sold".
    guessed = products.question("which one is machine washable for travelling", current_id="100", guessed=True)
    assert guessed.product_id == "100" and "machine washable" in guessed.text
    # The conversation's product does not answer a question naming something the shop lacks,
    # and neither does retrieval's guess when the question asks whether it is sold.
    assert products.question("do you sell hoverboards?", current_id="100").kind == "not_sold"
    assert products.question("do you sell hoverboards?", current_id="100", guessed=True).kind == "not_sold"


def test_retrieval_only_suggests_what_the_shop_sells_nearby_and_never_answers_for_it():
    catalogue = tiny_catalogue()
    socks = Passage("Wool Socks warm winter feet", 0.0, {"doc_type": "product", "product_id": "400"})
    service = ProductAnswers(catalogue, Phraser(None, catalogue.names()), FakeRetriever([socks]), threshold=0.3)
    # Retrieval finds the socks for "warm winter boots", but boots are not sold: no sock facts, a suggestion.
    answer = service.fact_answer("product_price", "how much are your warm winter boots?")
    assert answer.kind == "not_sold" and answer.product_id is None
    assert "The closest we have: the Wool Socks (from $12.00)." in answer.text
    assert answer.buttons == [{"title": "Wool Socks", "payload": '/inform{"product_id":"400"}'}]
