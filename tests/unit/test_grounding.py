from bot.domain.grounding import check_grounding

FACTS = ["The Rain Jacket (blue, M) costs $129.00 and is in stock.", "Returns are accepted within 30 days."]
NAMES = ["Rain Jacket", "Camping Tent", "Laptop"]


def test_text_using_only_fact_numbers_and_names_passes():
    assert check_grounding("Good news: the Rain Jacket is $129 and returns take up to 30 days.", FACTS, NAMES).ok


def test_invented_price_is_flagged():
    result = check_grounding("The Rain Jacket costs $99.99.", FACTS, NAMES)
    assert not result.ok and "99.99" in result.unsupported


def test_product_not_in_facts_is_flagged():
    result = check_grounding("We also sell the Laptop.", FACTS, NAMES)
    assert result.unsupported == ["Laptop"]


def test_links_and_emails_not_in_facts_are_flagged():
    result = check_grounding("See www.example.com or mail help@shop.com", FACTS, NAMES)
    assert len(result.unsupported) == 2


def test_plural_product_mentions_count():
    assert not check_grounding("Our Camping Tents are great.", FACTS, NAMES).ok
