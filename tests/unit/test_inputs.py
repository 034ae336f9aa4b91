import pytest

from bot.domain.inputs import screen_message


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        (None, "empty"),
        ("a" * 20_000, "too_long"),
        ("\x00\x01\x02\x03\xff\xfe garbage \x07\x08", "unreadable"),
        ("😀😀🎉", "unreadable"),
        ("¿Cuánto cuesta la chaqueta de lluvia?", "not_english"),
        ("Wie viel kostet die Regenjacke, bitte? Ich möchte sie haben", "not_english"),
        ("この商品の値段はいくらですか", "not_english"),
    ],
)
def test_problem_inputs_are_named(text, reason):
    assert screen_message(text, 2000).reason == reason


@pytest.mark.parametrize(
    "text", ["how much is the blue rain jacket?", "hi", "is the M t-shirt in stock 😀", "do you ship to Canada?"]
)
def test_ordinary_english_passes(text):
    assert screen_message(text, 2000) is None
