"""End to end: the real stack (Rasa + action server with MiniLM, Chroma and SmolLM2) on the
tau-bench retail store, spoken to over the REST channel like any scripted client."""
from __future__ import annotations

import json

import pytest

from tests.conftest import TAU_STORE
from tests.e2e.conftest import say, sources, texts

def tau_variant(product_name: str, **options: str) -> tuple[str, dict]:
    products = json.loads((TAU_STORE / "products.json").read_text())
    product = next(p for p in products.values() if p["name"] == product_name)
    matches = [v for v in product["variants"].values() if all(v["options"].get(k) == o for k, o in options.items())]
    assert len(matches) == 1, matches
    return product["product_id"], matches[0]


def test_price_of_a_specific_variant_is_exact_and_cited(stack):
    _, variant = tau_variant("T-Shirt", color="blue", size="M", material="cotton", style="crew neck")
    replies = say("How much is the blue M cotton crew neck t-shirt?", sender="price")
    assert f"${variant['price']:.2f}" in replies[0]["text"]
    assert ("in stock" if variant["available"] else "out of stock") in replies[0]["text"]
    assert {"kind": "variant", "id": variant["item_id"], "title": "T-Shirt", "section": ""} in sources(replies)
    assert variant["item_id"] in replies[0]["text"]  # the visible citation


def test_descriptive_product_question_comes_from_the_catalogue(stack):
    product_id, _ = tau_variant("Office Chair", material="fabric", color="black", armrest="fixed",
                                **{"backrest height": "standard"})
    replies = say("Tell me about the office chair", sender="describe")
    answer = replies[0]["text"]
    assert "Office Chair" in answer and ("fabric" in answer or "in stock" in answer)
    assert any(s["id"] == product_id and s["kind"] == "product" for s in sources(replies))


def test_policy_question_is_answered_from_the_wiki_with_its_section(stack):
    replies = say("How long does a refund take after I cancel an order?", sender="policy")
    policy = [s for s in sources(replies) if s["kind"] == "policy"]
    assert policy and policy[0]["id"] == "wiki.md" and policy[0]["section"]
    assert "5 to 7 business days" in texts(replies) or "refund" in texts(replies).lower()
    assert "Source: Retail agent policy" in replies[0]["text"]


def test_a_policy_question_with_typos_is_answered_from_the_right_passage(stack):
    replies = say("how lnog until I get my mony back after I cancell an order?", sender="policy-typos")
    assert "5 to 7 business days" in texts(replies)
    assert any(s["kind"] == "policy" and s["id"] == "wiki.md" for s in sources(replies))


@pytest.mark.parametrize("message", ["", "   ", "x" * 20_000, "\x00\x01\x02\xfe\xff", "😀🎉🔥",
                                     "¿Cuánto cuesta la camiseta azul?", "How much is the helicopter 3000?"])
def test_bad_input_gets_a_polite_reply(stack, message):
    replies = say(message, sender=f"bad-{abs(hash(message))}")
    answer = texts(replies)
    assert answer.strip(), "the shopper must always get a reply"
    assert "Traceback" not in answer and "Exception" not in answer and "Error" not in answer


def test_the_action_server_logged_no_crash(stack):
    assert "Traceback" not in stack["actions"].read_text()
