from bot.domain.upsell import rank_complements, upsell_allowed
from tests.fakes import tiny_catalogue


def test_store_complements_rank_first_and_only_available_products():
    catalogue = tiny_catalogue()
    ranked = rank_complements(catalogue, catalogue.get("100"))
    assert [s.product.name for s in ranked] == ["Wool Socks"]
    assert ranked[0].reason == "store" and ranked[0].variant.available


def test_often_bought_together_is_used_when_the_store_lists_no_complements():
    catalogue = tiny_catalogue()
    ranked = rank_complements(catalogue, catalogue.get("200"))
    assert [(s.product.name, s.reason) for s in ranked] == [("Digital Camera", "orders")]


def test_excluded_products_are_not_suggested_again():
    catalogue = tiny_catalogue()
    assert rank_complements(catalogue, catalogue.get("100"), exclude={"400"}) == []


def test_no_upsell_after_complaints_returns_cancellations_or_a_no():
    assert upsell_allowed(["greet", "product_price"], declined=False)
    assert not upsell_allowed(["complaint", "product_price"], declined=False)
    assert not upsell_allowed(["order_return"], declined=False)
    assert not upsell_allowed(["order_cancel"], declined=False)
    assert not upsell_allowed(["product_price"], declined=True)
    assert not upsell_allowed(["product_price"], declined=False, pending=True)
    assert not upsell_allowed(["product_price"], declined=False, offered_so_far=2)
