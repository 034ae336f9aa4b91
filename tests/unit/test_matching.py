import pytest

from bot.domain.matching import ProductMatcher, distinguishing_options, match_variant
from tests.fakes import tiny_catalogue


@pytest.fixture(scope="module")
def matcher():
    return ProductMatcher(tiny_catalogue())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("how much is the blue M t-shirt", "T-Shirt"),  # hyphenated name
        ("price of a tshirt", "T-Shirt"),  # written as one word
        ("do you have t shirts", "T-Shirt"),  # plural, spaced
        ("is the action camra in stock", "Action Camera"),  # typo
        ("wool sock price", "Wool Socks"),  # singular
    ],
)
def test_resolves_product_from_shopper_words(matcher, text, expected):
    assert matcher.match(text).product.name == expected


def test_shared_head_noun_asks_which_product(matcher):
    result = matcher.match("how much is the camera")
    assert result.product is None and result.ambiguous
    assert {p.name for p in result.candidates} == {"Action Camera", "Digital Camera"}


def test_shop_words_are_not_typo_corrected_into_products(matcher):
    # "stock" is one edit from "sock"; it must not resolve to Wool Socks.
    assert matcher.match("is it in stock").product is None


def test_unknown_product_matches_nothing(matcher):
    assert matcher.match("do you sell a helicopter").product is None


def test_variant_by_options_including_short_sizes():
    shirt = tiny_catalogue().get("100")
    match = match_variant("the blue one in M please", shirt)
    assert match.variant.item_id == "1001"
    assert match_variant("blue medium", shirt).variant.item_id == "1001"  # size word
    # A lone lowercase "m" inside "I'm" is not a size.
    assert match_variant("I'm looking for blue", shirt).mentioned == {"color": ["blue"]}


def test_variant_ambiguity_and_impossible_combinations():
    shirt = tiny_catalogue().get("100")
    assert len(match_variant("blue", shirt).candidates) == 2
    assert match_variant("red L", shirt).candidates == []
    assert distinguishing_options(match_variant("blue", shirt).candidates) == ["size"]


def test_tau_store_variants_resolve(tau_store):
    matcher = ProductMatcher(tau_store.catalogue)
    product = matcher.match("how much is the blue M cotton t-shirt").product
    assert product.name == "T-Shirt"
    variant = match_variant("how much is the blue M cotton t-shirt", product).variant
    assert variant.options["color"] == "blue" and variant.options["size"] == "M"
    assert variant.options["material"] == "cotton"


@pytest.mark.parametrize("text, expected", [
    ("How much is the Backpack (grey, medium, polyester, laptop)?", "Backpack"),  # laptop = compartment option
    ("what does a grey medium polyester laptop backpack cost", "Backpack"),
    ("How much is the Tea Kettle (glass, 2 liters, electric)?", "Tea Kettle"),  # electric = stovetop option
    ("how much is the electric kettle", "Electric Kettle"),
    ("price of the gaming laptop", "Laptop"),
])
def test_a_product_named_only_by_another_products_options_is_not_the_one_meant(tau_store, text, expected):
    assert ProductMatcher(tau_store.catalogue).match(text).product.name == expected
