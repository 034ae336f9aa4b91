"""Items of an order named in a shopper's own words: any word of a name, short forms, plurals, names
by meaning, "one of the two identical ones", "keeping the shoes", "everything except …"."""
from __future__ import annotations

import pytest

from bot.domain import order_parsing as parse
from bot.domain.item_mentions import mentions


def item(item_id: str, name: str, **options) -> dict:
    return {"item_id": item_id, "name": name, "options": {k.replace("_", " "): v for k, v in options.items()},
            "price": 10.0}


ORDER = [
    item("b1", "Bicycle", frame_size="medium", color="black"),
    item("v1", "Vacuum Cleaner", type="robotic"),
    item("c1", "Indoor Security Camera", resolution="4K"),
    item("d1", "Dumbbell Set", weight_range="30-50 lbs"),
    item("w1", "Smart Watch", color="black", display="LCD"),
    item("w2", "Smart Watch", color="silver", display="AMOLED"),
    item("t1", "Smart Thermostat", color="white"),
    item("s1", "Bluetooth Speaker", water_resistance="no"),
    item("bt", "Water Bottle", capacity="500ml", color="green"),
    item("bt", "Water Bottle", capacity="500ml", color="green"),  # two identical bottles: one item id twice
    item("r1", "Running Shoes", size="10"),
]


def names(ids: list[str]) -> list[str]:
    return [next(i["name"] for i in ORDER if i["item_id"] == x) for x in ids]


@pytest.mark.parametrize("text, expected", [
    ("the vacuum and the speaker", ["Vacuum Cleaner", "Bluetooth Speaker"]),  # a name's first word
    ("the security cam", ["Indoor Security Camera"]),  # a word the name starts with
    ("all the dumbbells", ["Dumbbell Set"]),  # plural of a word that is not the head noun
    ("both smart watches", ["Smart Watch", "Smart Watch"]),  # "watches": no other product is "smart" here
    ("the thermostat", ["Smart Thermostat"]),
])
def test_any_word_of_a_name_names_it(text, expected):
    assert names(parse.match_order_items(text, ORDER)) == expected


def test_a_shared_word_belongs_to_the_name_that_explains_more():
    assert names(parse.match_order_items("the smart watch with the LCD", ORDER)) == ["Smart Watch"]


def test_an_option_phrase_does_not_name_another_product():
    # "water resistant" describes the speaker; the Water Bottle is not named by its first word here.
    found = mentions("the speaker, the water resistant one", ORDER)
    assert [m.name for m in found] == ["Bluetooth Speaker"]


def test_one_of_two_identical_items_is_one_item():
    assert parse.match_order_items("just one of the green water bottles, I'm keeping the other", ORDER) == ["bt"]
    assert parse.match_order_items("both water bottles", ORDER) == ["bt", "bt"]


def test_one_of_two_different_items_is_asked_not_guessed():
    assert parse.match_order_items("one of the smart watches", ORDER) == []
    assert parse.match_order_items("one of the smart watches, the silver one", ORDER) == ["w2"]


@pytest.mark.parametrize("text, expected", [
    ("the speaker and the bottles - keeping the shoes", ["Bluetooth Speaker", "Water Bottle", "Water Bottle"]),
    ("the thermostat but not the speaker", ["Smart Thermostat"]),
])
def test_a_product_kept_is_left_out(text, expected):
    assert names(parse.match_order_items(text, ORDER)) == expected


def test_everything_except_one_product():
    picked = parse.match_order_items("everything except the running shoes", ORDER)
    assert "r1" not in picked and len(picked) == len(ORDER) - 1


class Resembler:
    """Stands in for MiniLM: a fixed similarity per (clause, name); everything else is unrelated."""

    def __init__(self, table: dict[tuple[str, str], float]):
        self.table, self.asked = table, []

    def __call__(self, text: str, names: list[str]) -> list[float]:
        self.asked.append(text)
        return [self.table.get((text, n), 0.1) for n in names]


def test_a_product_named_by_meaning_when_no_word_of_its_name_is_there():
    resemble = Resembler({("bike", "Bicycle"): 0.9})
    assert names(parse.match_order_items("the bike and the vacuum", ORDER, resemble=resemble)) == \
        ["Bicycle", "Vacuum Cleaner"]
    assert resemble.asked == ["bike"]  # only the clause no name explains is compared
    assert parse.match_order_items("keeping the bike", ORDER, resemble=resemble) == []


def test_meaning_needs_a_clear_winner():
    close = Resembler({("gizmo", "Bicycle"): 0.65, ("gizmo", "Indoor Security Camera"): 0.62})
    assert parse.match_order_items("the gizmo", ORDER, resemble=close) == []
    clear = Resembler({("gizmo", "Bicycle"): 0.65, ("gizmo", "Indoor Security Camera"): 0.5})
    assert parse.match_order_items("the gizmo", ORDER, resemble=clear) == ["b1"]
    weak = Resembler({("gadget", "Smart Watch"): 0.5})
    assert parse.match_order_items("the gadget", ORDER, resemble=weak) == []


def test_a_sentence_is_not_compared_by_meaning():
    resemble = Resembler({})
    parse.match_order_items("I would really like to get this sorted out today if possible", ORDER, resemble=resemble)
    assert resemble.asked == []
