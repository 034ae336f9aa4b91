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


# -- option values as shoppers write them (issue 14) --------------------------------------------------
def _product(options: list[dict[str, str]]):
    from bot.domain.catalogue import Catalogue

    variants = {str(i): {"options": o, "price": 10.0 + i, "available": True} for i, o in enumerate(options)}
    return Catalogue.from_records({"1": {"name": "Gadget", "variants": variants}}).get("1")


KETTLE = _product([{"capacity": c, "pressure": p} for c in ("1L", "1.5L", "2L") for p in ("9 bar", "19 bar")])


@pytest.mark.parametrize("text, expected", [
    ("the 1.5L one with 19 bar", {"capacity": "1.5L", "pressure": "19 bar"}),
    ("19 bar, 1.5 liters", {"capacity": "1.5L", "pressure": "19 bar"}),  # order, unit written out
    ("1.5 litre 19-bar gadget", {"capacity": "1.5L", "pressure": "19 bar"}),
    ("1 liter and 9 bar", {"capacity": "1L", "pressure": "9 bar"}),  # "9" is not inside "19"
    ("the 2 l gadget at 9 bar", {"capacity": "2L", "pressure": "9 bar"}),
])
def test_numbers_with_units_in_any_spelling_and_order(text, expected):
    assert match_variant(text, KETTLE).variant.options == expected


def test_a_bare_number_narrows_when_no_other_unit_follows():
    assert {v.options["pressure"] for v in match_variant("the 1.5 one", KETTLE).candidates} == {"9 bar", "19 bar"}
    assert match_variant("the 1.5 one", KETTLE).candidates[0].options["capacity"] == "1.5L"


def test_none_values_literal_or_negated(tau_store):
    keyboard = next(p for p in tau_store.catalogue.products.values() if p.name == "Mechanical Keyboard")
    match = match_variant("what does the clicky, none, full size mechanical keyboard cost", keyboard)
    assert match.variant.options == {"switch type": "clicky", "backlight": "none", "size": "full size"}
    match = match_variant("a tactile 60% keyboard with no backlight", keyboard)
    assert match.variant.options == {"switch type": "tactile", "backlight": "none", "size": "60%"}
    # Linear + 60% + no backlight is not sold: said so, never a lit one instead.
    assert match_variant("a linear 60% keyboard without backlight", keyboard).candidates == []


def test_the_longer_value_wins_and_words_must_be_adjacent(tau_store, demo_store):
    glasses = next(p for p in tau_store.catalogue.products.values() if p.name == "Sunglasses")
    match = match_variant("green black metal non-polarized sunglasses", glasses)
    assert match.variant.options["lens type"] == "non-polarized"
    tent = next(p for p in demo_store.catalogue.products.values() if p.name == "Camping Tent")
    # "3-season and 4 person": "4" and "season" are both there, but not "4-season".
    assert match_variant("the camping tent in 3-season and 4 person", tent).variant.options == {
        "capacity": "4 person", "season": "3-season"}


GLASSES = _product([{"frame color": f, "lens color": c} for f in ("black", "brown") for c in ("black", "brown")])


@pytest.mark.parametrize("text", [
    "brown lenses, black frame",  # value then the option's name
    "black frame with brown lenses",
    "frame color black, lens color brown",  # the option's name then its value
])
def test_an_options_name_next_to_a_shared_value_decides(text):
    assert match_variant(text, GLASSES).variant.options == {"frame color": "black", "lens color": "brown"}


def test_a_shared_value_without_a_name_stays_open():
    assert len(match_variant("black and brown", GLASSES).candidates) == 2


def test_an_attribute_named_by_an_options_name_selects_its_yes_versions(tau_store):
    boots = next(p for p in tau_store.catalogue.products.values() if p.name == "Hiking Boots")
    waterproof = match_variant("do you have waterproof hiking boots?", boots).candidates
    assert waterproof and {v.options["waterproof"] for v in waterproof} == {"yes"}
    assert {v.options["waterproof"] for v in match_variant("not waterproof, size 9", boots).candidates} == {"no"}


def test_an_exact_value_beats_a_size_word(demo_store):
    socks = next(p for p in demo_store.catalogue.products.values() if p.name == "Wool Hiking Socks")
    assert {v.options["cushion"] for v in match_variant("medium wool hiking socks", socks).candidates} == {"medium"}
    assert match_variant("wool hiking socks, cushion medium, size S", socks).variant.options == {
        "size": "S", "cushion": "medium"}


def test_plural_forms_of_catalogue_words(demo_store, tau_store):
    assert ProductMatcher(demo_store.catalogue).match("any navy merino beanies left?").product.name == "Merino Beanie"
    assert ProductMatcher(tau_store.catalogue).match("do you carry garden hoses?").product.name == "Garden Hose"


@pytest.mark.parametrize("text", ["Do you sell sewing machines?", "how much are your smart speakers?"])
def test_another_kind_of_thing_with_a_known_head_noun_is_not_that_product(tau_store, text):
    result = ProductMatcher(tau_store.catalogue).match(text)
    assert result.product is None and not result.candidates and result.near


def test_an_option_word_is_never_typo_corrected_into_another_products_name(tau_store):
    # "hair" (pet hair removal) is one edit from "chair": it must not become the Office Chair.
    result = ProductMatcher(tau_store.catalogue).match("is the robotic bagless vacuum with pet hair removal available")
    assert result.product.name == "Vacuum Cleaner"


def test_a_name_word_only_one_product_has_names_it(tau_store):
    assert ProductMatcher(tau_store.catalogue).match("price of the fantasy jigsaw for experts").product.name == \
        "Jigsaw Puzzle"
    # ...but not when another product's head noun is there: "gaming chair" is not the Gaming Mouse.
    assert ProductMatcher(tau_store.catalogue).match("how much is a gaming chair").product is None


def test_numbers_written_out_and_values_said_twice(demo_store):
    tent = next(p for p in demo_store.catalogue.products.values() if p.name == "Camping Tent")
    assert match_variant("the two person tent for 3 seasons", tent).variant.options == {
        "capacity": "2 person", "season": "3-season"}
    # "the red one": "one" is a pointer, not a number.
    assert match_variant("the red one", tent).candidates == list(tent.variants)
    assert match_variant("2 person, 3-season... yes the 2 person 3-season one", tent).variant is not None
