import pytest

from bot.domain import order_parsing as parse
from bot.domain.order_requests import request_kind, required_slots, status_problem

ITEMS = [
    {"name": "Gaming Mouse", "item_id": "1", "options": {"color": "black", "sensor type": "laser"}, "price": 10},
    {"name": "Bookshelf", "item_id": "2", "options": {"material": "metal", "height": "4 ft"}, "price": 20},
    {"name": "Gaming Mouse", "item_id": "3", "options": {"color": "white", "sensor type": "optical"}, "price": 12},
]


@pytest.mark.parametrize("text, ids", [
    ("cancel #W5442520 please", ["#W5442520"]),
    ("order W5442520", ["#W5442520"]),  # without the hash
    ("w 5442520 and #W1234567", ["#W5442520", "#W1234567"]),
    ("my zip is 80218", []),
    ("W12345678", []),  # eight digits is not an order id
])
def test_order_ids_in_the_forms_people_type(text, ids):
    assert parse.find_order_ids(text) == ids


def test_order_by_suffix_only_when_unique():
    assert parse.order_by_suffix("the one ending in 66", ["#W7430166", "#W1111111"]) == "#W7430166"
    assert parse.order_by_suffix("ends with 1", ["#W7430161", "#W1111111"]) is None


def test_identity_parts():
    assert parse.find_emails("It's Omar.Lopez1868@example.com.") == ["omar.lopez1868@example.com"]
    assert parse.find_zip("Olivia Ito, zip code 80218") == "80218"
    assert parse.find_zip("order #W5442520") is None
    assert ("Olivia", "Ito") in parse.name_candidates("My name is Olivia Ito and my zip is 80218")


@pytest.mark.parametrize("text, reason", [
    ("I don't need it any more", "no longer needed"),
    ("I'll be traveling, so no longer needed", "no longer needed"),
    ("I ordered it by mistake", "ordered by mistake"),
    ("accidentally placed it", "ordered by mistake"),
    ("because", None),
])
def test_cancel_reason(text, reason):
    assert parse.cancel_reason(text) == reason


@pytest.mark.parametrize("text, yes", [
    ("yes", True), ("Yes, go ahead", True), ("/affirm", False), ("ok", True), ("YES!", True), ("yes, do it", True),
    # found by the security test: each of these was taken for consent
    ("do it later", False), ("do it tomorrow", False), ("ok let me ask my wife", False),
    ("sure, what is the refund amount", False), ("right, let me think about it", False),
    ("okay so how long does the refund take", False), ("sure thing, I'll decide tomorrow", False),
    ("yes to the newsletter, and what's your return policy", False), ("yes, cancel #W1234567 instead", False),
    ("yes but wait", False),  # a hedge is not consent
    ("yes, but first tell me the total?", False), ("yes if it's free", False), ("yes?", False),
    ("Yes please", True), ("yes, that's correct", True),
    ("no", False), ("maybe", False), ("what will it cost?", False), ("", False),
])
def test_only_an_explicit_yes_is_consent(text, yes):
    assert parse.is_explicit_yes(text) is yes


def test_the_summary_button_is_consent_only_for_its_own_summary():
    assert parse.consent('/affirm{"confirmation_id":"a1b2c3d4e5f60718"}', "a1b2c3d4e5f60718") == "yes"
    assert parse.consent('/affirm{"confirmation_id":"a1b2c3d4e5f60718"}', "ffffffffffffffff") == "unclear"
    assert parse.consent('/affirm{"confirmation_id":"a1b2c3d4e5f60718"}', None) == "unclear"
    assert parse.consent("no", "x") == parse.consent("/deny", "x") == "no"


def test_items_by_name_and_by_options():
    assert parse.match_order_items("return the bookshelf", ITEMS) == ["2"]
    assert parse.match_order_items("the white mouse", ITEMS) == ["3"]
    assert parse.match_order_items("all items", ITEMS) == ["1", "2", "3"]
    assert parse.match_order_items("the mouse and the bookshelf", ITEMS) == ["1", "3", "2"]
    assert parse.match_order_items("a kettle", ITEMS) == []


VARIANTS = {
    "a": {"item_id": "a", "options": {"switch": "clicky", "backlight": "RGB", "size": "full size"}, "price": 100, "available": True},
    "b": {"item_id": "b", "options": {"switch": "linear", "backlight": "RGB", "size": "full size"}, "price": 110, "available": True},
    "c": {"item_id": "c", "options": {"switch": "linear", "backlight": "white", "size": "full size"}, "price": 90, "available": True},
    "d": {"item_id": "d", "options": {"switch": "linear", "backlight": "RGB", "size": "80%"}, "price": 80, "available": False},
}


def test_new_variant_keeps_the_options_not_mentioned():
    choice = parse.choose_new_variant("linear please", VARIANTS["a"]["options"], VARIANTS, "a")
    assert choice.item_id == "b"


def test_new_variant_cheapest_and_unavailable():
    assert parse.choose_new_variant("linear, the cheapest", {"switch": "clicky", "backlight": "none", "size": "x"},
                                    VARIANTS, "a").item_id == "c"
    none = parse.choose_new_variant("80%", VARIANTS["a"]["options"], VARIANTS, "a")
    assert none.item_id is None and none.candidates == []  # 80% exists only out of stock


METHODS = {
    "paypal_1": {"source": "paypal", "id": "paypal_1"},
    "gift_card_2": {"source": "gift_card", "id": "gift_card_2", "balance": 50.0},
    "credit_card_3": {"source": "credit_card", "id": "credit_card_3", "brand": "visa", "last_four": "1234"},
}


@pytest.mark.parametrize("text, ids", [
    ("paypal please", ["paypal_1"]),
    ("put it on my gift card", ["gift_card_2"]),
    ("the visa ending in 1234", ["credit_card_3"]),
    ("credit_card_3", ["credit_card_3"]),
    ("the original payment method", ["paypal_1"]),
    ("bitcoin", []),
])
def test_payment_methods(text, ids):
    assert parse.choose_payment_method(text, METHODS, "paypal_1") == ids


def test_address_parsing():
    assert parse.parse_address("320 Cedar Avenue, Suite 116, San Antonio, TX 78219, USA") == {
        "address1": "320 Cedar Avenue", "address2": "Suite 116", "city": "San Antonio", "state": "TX",
        "country": "USA", "zip": "78219"}
    assert parse.parse_address("12 Oak St, Denver, CO, 80202")["address2"] == ""
    assert parse.parse_address("somewhere nice") is None


@pytest.mark.parametrize("intent, text, kind", [
    ("order_cancel", "cancel it", "cancel"),
    ("order_modify", "change the address of order #W1234567", "modify_address"),
    ("order_modify", "update my default address", "change_default_address"),
    ("order_modify", "pay with paypal instead", "modify_payment"),
    ("order_modify", "change the colour of the kettle", "modify_items"),
    ("greet", "hi", None),
])
def test_request_kind(intent, text, kind):
    assert request_kind(intent, text) == kind


def test_required_slots_and_status_rules():
    assert required_slots("return")[-1] == "order_confirmed"
    assert required_slots("list") == ["customer_id"]
    assert status_problem("cancel", "pending") is None
    assert "delivered" in status_problem("cancel", "delivered")
    assert "only once" in status_problem("modify_items", "pending (item modified)")
    assert status_problem("return", "delivered") is None


@pytest.mark.parametrize("text, intent", [
    ("I want to cancel an order. I'll be traveling when it arrives.", "order_cancel"),
    ("I placed an order by accident and want to cancel it immediately.", "order_cancel"),
    ("Then I want to cancel my order for the tea kettle and get a full refund.", "order_cancel"),
    ("I'd like to return the skateboard", "order_return"),
    ("please exchange #W1234567", "order_exchange"),
    ("How do returns work?", None),  # a policy question stays one
    ("Can I cancel an order after it shipped?", None),
    ("I want to change my mind about the colour", None),  # no order, address, payment or item
])
def test_order_requests_that_nlu_may_miss(text, intent):
    from bot.domain.order_requests import order_request_intent

    assert order_request_intent(text) == intent


def test_a_full_product_name_beats_a_shared_head_noun():
    items = [{"name": "Action Camera", "item_id": "a", "options": {}, "price": 1},
             {"name": "Digital Camera", "item_id": "d", "options": {}, "price": 1}]
    assert parse.match_order_items("the digital camera", items) == ["d"]
    assert parse.match_order_items("the cameras", items) == ["a", "d"]


@pytest.mark.parametrize("text, intent", [
    ("I also want to return the air purifier and the mechanical keyboard from order #W6797115.", "order_return"),
    ("I want to exchange the indoor security camera and the tea kettle from order #W1748126.", "order_exchange"),
    ("I'd like to return it, or else cancel the order", "order_return"),  # the first verb counts
])
def test_the_verb_the_shopper_used_decides(text, intent):
    from bot.domain.order_requests import order_request_intent

    assert order_request_intent(text) == intent


def test_a_like_for_like_swap_when_asked_for_the_same_one():
    assert parse.choose_new_variant("the exact same one again", VARIANTS["a"]["options"], VARIANTS, "a").item_id == "a"
    assert parse.choose_new_variant("same but 80%", VARIANTS["a"]["options"], VARIANTS, "a").item_id is None
    # Naming every option of the item it already is means the same variant again.
    assert parse.choose_new_variant("clicky, RGB, full size", VARIANTS["a"]["options"], VARIANTS, "a").item_id == "a"


# --- order requests in shoppers' words (issue 14, item 5) ----------------------------------------------
from bot.domain.order_requests import corrected_kind, order_request_intent, stated_kind  # noqa: E402

EARBUDS = [  # one order, three items of one product, one option shared by all of them
    {"name": "Wireless Earbuds", "item_id": "a", "options": {"color": "blue", "battery life": "4 hours",
                                                              "water resistance": "IPX4"}, "price": 1},
    {"name": "Water Bottle", "item_id": "w", "options": {"capacity": "1000ml", "color": "blue"}, "price": 2},
    {"name": "Wireless Earbuds", "item_id": "b", "options": {"color": "blue", "battery life": "6 hours",
                                                              "water resistance": "IPX4"}, "price": 3},
    {"name": "Wireless Earbuds", "item_id": "c", "options": {"color": "blue", "battery life": "4 hours",
                                                              "water resistance": "IPX7"}, "price": 4},
]


@pytest.mark.parametrize("text, ids", [
    ("the blue earbuds with IPX7", ["c"]),  # "blue" fits all three: only IPX7 tells them apart
    ("the IPX4 earbuds", ["a", "b"]),
    ("the earbuds", ["a", "b", "c"]),  # no option said: every one of them (the bot lists them in the summary)
    ("the 6 hours IPX7 earbuds", []),  # fits none: asked again, never a guess
    ("the water bottle", ["w"]),
])
def test_items_of_one_product_told_apart_by_their_options(text, ids):
    assert parse.match_order_items(text, EARBUDS) == ids


@pytest.mark.parametrize("text, ids", [
    ("only the blue IPX7 one", ["c"]),
    ("the blue one", []),  # a blue bottle and blue earbuds: ambiguous, so nothing
    ("the IPX4 ones", ["a", "b"]),
])
def test_options_alone_name_items_when_they_point_at_one_product(text, ids):
    assert parse.match_order_items(text, EARBUDS, options_alone=True) == ids


@pytest.mark.parametrize("text, change", [
    ("only the blue IPX7 one", ("only", ["c"])),
    ("just the water bottle", ("only", ["w"])),
    ("not the IPX4 ones", ("remove", ["a", "b"])),
    ("remove the water bottle", ("remove", ["w"])),
    ("not the water bottle", ("remove", ["w"])),
    ("without the water bottle", ("remove", ["w"])),
    ("I also want to return the water bottle", None),  # adding is not narrowing
    ("yes", None),
])
def test_selection_changes_at_the_confirmation(text, change):
    assert parse.selection_change(text, EARBUDS, ["a", "b", "c", "w"]) == change


@pytest.mark.parametrize("text, answer", [
    ("no, that's not right", "no"), ("No that is not what I wanted", "no"), ("that's wrong", "no"),
    ("nope, not correct", "no"),
    ("no, the 1.5L glass one instead", "unclear"),  # a correction, not a decline
    ("not the IPX4 ones", "unclear"),
    ("that's right", "yes"),
])
def test_a_rejection_of_the_summary_is_a_no(text, answer):
    assert parse.consent(text, None) == answer


@pytest.mark.parametrize("text, closing", [
    ("ok thanks", True), ("thank you, bye", True), ("never mind", True), ("forget it", True),
    ("that's all for now", True), ("no thanks", True), ("great, thanks!", True),
    ("ok", False), ("no", False), ("yes", False), ("thanks, and what's the tracking number?", False),
    ("never mind the lamp, return the kettle", False),
])
def test_closing_messages(text, closing):
    assert parse.is_closing(text) is closing


@pytest.mark.parametrize("text, stated, corrected", [
    ("No, I don't want to exchange anything, I want to return it", "return", "return"),
    ("I'd like to send back the keyboard", "return", "return"),
    ("Can I return the keyboard?", "return", None),  # a question: not a correction mid-request
    ("can I return it instead?", "return", "return"),
    ("I want to exchange it instead of returning it", "exchange", "exchange"),
    ("refund it to my credit card please", "return", None),  # an answer about the refund, not a new kind
    ("the gaming mouse and the bookshelf", None, None),
])
def test_the_request_kind_in_the_shoppers_words(text, stated, corrected):
    assert stated_kind(text) == stated and corrected_kind(text) == corrected


@pytest.mark.parametrize("text, intent", [
    ("Can I return the water bottle? It was order #W1234567", "order_return"),  # an order id makes it a request
    ("I'd like to send back the keyboard from order W1234567", "order_return"),
    ("I don't want to cancel #W1234567, I want to return it", "order_return"),
    ("can I still cancel it?", None),  # a question about the rules
    ("how do returns work?", None),
    ("For order #W8557584, I want to change the payment method to my credit card.", "order_modify"),
])
def test_order_request_intent_in_shoppers_words(text, intent):
    assert order_request_intent(text) == intent


@pytest.mark.parametrize("text, facts", [
    ("Could you tell me the tracking number of order #W1234567?", ["tracking"]),
    ("How much was order #W1234567 in total?", ["total"]),
    ("how much did I pay in total for the grills?", ["total"]),
    ("how much will I get back in total?", ["refund"]),
    ("which card did I pay with for #W1234567?", ["payment"]),
    ("how much is the grill?", []),  # the catalogue's price, no order of theirs
    ("can I still cancel my order?", []),  # the rules
    ("what is the refund policy for my order?", []),
    ("I want to cancel my order for the tea kettle and get a full refund.", []),  # a request, not a question
])
def test_questions_about_own_orders(text, facts):
    assert parse.order_question(text) == facts


@pytest.mark.parametrize("text", ["Is order #W1234567 cancelled?", "was #W1234567 returned already?",
                                  "what's the cancellation fee for #W1234567?"])
def test_a_state_or_a_fee_is_not_a_request(text):
    assert order_request_intent(text) is None and stated_kind(text) is None


@pytest.mark.parametrize("text, known, facts", [
    ("what's the total refund?", True, ["refund"]),  # after a return, from a verified shopper
    ("what's the total refund?", False, []),  # nobody known: a question about the rules, not an order
    ("how much is the refund for a return?", False, []),
])
def test_a_verified_shopper_asking_about_the_refund_means_their_own(text, known, facts):
    assert parse.order_question(text, known) == facts


# --- new options in a shopper's words: the product resolver's reading (issue 14, train_alt) -------------
SPEAKERS = {
    "s1": {"item_id": "s1", "options": {"color": "red", "battery life": "10 hours", "water resistance": "no"},
           "price": 300.0, "available": True},
    "s2": {"item_id": "s2", "options": {"color": "red", "battery life": "20 hours", "water resistance": "yes"},
           "price": 280.0, "available": True},
    "s3": {"item_id": "s3", "options": {"color": "red", "battery life": "10 hours", "water resistance": "yes"},
           "price": 290.0, "available": True},
    "s4": {"item_id": "s4", "options": {"color": "blue", "battery life": "10 hours", "water resistance": "no"},
           "price": 310.0, "available": True},
}
KEYBOARDS = {
    "k1": {"item_id": "k1", "options": {"switch type": "clicky", "backlight": "RGB", "size": "full size"},
           "price": 230.0, "available": True},
    "k2": {"item_id": "k2", "options": {"switch type": "clicky", "backlight": "none", "size": "80%"},
           "price": 240.0, "available": True},
    "k3": {"item_id": "k3", "options": {"switch type": "clicky", "backlight": "RGB", "size": "80%"},
           "price": 235.0, "available": True},
}
KETTLES = {
    "t1": {"item_id": "t1", "options": {"material": "stainless steel", "capacity": "2 liters"}, "price": 100.0,
           "available": True},
    "t2": {"item_id": "t2", "options": {"material": "glass", "capacity": "2 liters"}, "price": 95.0, "available": True},
    "t3": {"item_id": "t3", "options": {"material": "ceramic", "capacity": "2 liters"}, "price": 90.0,
           "available": True},
}
EARBUD_VARIANTS = {
    "e1": {"item_id": "e1", "options": {"battery life": "8 hours", "water resistance": "IPX7"}, "price": 1.0,
           "available": True},
    "e2": {"item_id": "e2", "options": {"battery life": "4 hours", "water resistance": "not resistant"},
           "price": 1.0, "available": True},
    "e3": {"item_id": "e3", "options": {"battery life": "4 hours", "water resistance": "IPX7"}, "price": 1.0,
           "available": True},
}


@pytest.mark.parametrize("variants, old, text, new", [
    (SPEAKERS, "s1", "the 20 hour one that's water resistant, still red", "s2"),
    (SPEAKERS, "s1", "water resistant please, same battery", "s3"),
    (KEYBOARDS, "k1", "80% size with no backlight, keep the clicky switches", "k2"),
    (KEYBOARDS, "k1", "80%, keep the RGB lighting", "k3"),
    (KETTLES, "t1", "glass instead of stainless steel", "t2"),  # the item's own value is the one left
    (KETTLES, "t1", "from stainless steel to ceramic", "t3"),
    (EARBUD_VARIANTS, "e1", "4 hours battery life, not water resistant", "e2"),
])
def test_new_options_read_like_product_questions(variants, old, text, new):
    choice = parse.choose_new_variant(text, variants[old]["options"], variants, old, "Product")
    assert choice.item_id == new


# --- asking the bot to act on a named order is a request, not a question about it --------------------
@pytest.mark.parametrize("text", [
    "The red running shoes in W6851636 haven't shipped - could you change them to white in a size 10?",
    "hey, can order W9121070 be paid with my mastercard rather than the gift card?",
    "Also the jigsaw puzzle in W6272294, could it be the 1500 piece one?",
    "I've moved - W6554908 should go to my new address",
    "the perfume in W6554908 - I'd like the oriental scent instead",
    "two pending orders I need to adjust. first W7109609: the headphones",
])
def test_asking_to_act_on_a_named_order_is_a_request(text):
    assert order_request_intent(text) == "order_modify"
    assert parse.order_question(text, True) == []


@pytest.mark.parametrize("text, facts", [
    ("where is my order W1234567? it should be delivered by now", {"status"}),
    ("can it be delivered by Friday, order W1234567?", {"status"}),
    ("Could you tell me the tracking number of order #W1234567?", {"tracking"}),
    ("can you send me the invoice for W1234567?", {"invoice"}),
])
def test_questions_about_a_named_order_stay_questions(text, facts):
    assert order_request_intent(text) is None
    assert facts <= set(parse.order_question(text, True))
