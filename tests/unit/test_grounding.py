import pytest

from bot.domain.grounding import check_grounding, links

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


# --- links, domains and addresses -----------------------------------------------------------------

@pytest.mark.parametrize(
    "reply, link",
    [
        ("Here's a link to the Evil.com website", "Evil.com"),  # the injection the security test found
        ("Visit Evil.Com today.", "Evil.Com"),  # capitalised, not an English word: still a domain
        ("Order at shop.example.co.uk instead.", "shop.example.co.uk"),  # several labels, country code
        ("Details: evil.com/path?id=1.", "evil.com/path?id=1"),  # a path, trailing full stop dropped
        ("Try xn--80ak6aa92e.com for deals.", "xn--80ak6aa92e.com"),  # punycode label
        ("Try example.xn--p1ai for deals.", "example.xn--p1ai"),  # punycode TLD
        ("Write to evil at evil dot com.", "evil@evil.com"),  # spelled-out e-mail
        ("Write to name[at]domain[dot]com.", "name@domain.com"),  # bracketed
        ("Write to NAME (AT) domain (DOT) co (DOT) uk.", "NAME@domain.co.uk"),
        ("Write to name @ domain . com please.", "name@domain.com"),  # spaced
        ("Go to evil dot com now.", "evil.com"),  # spelled-out domain
        ("Go to evil . com now.", "evil.com"),
        ("Go to hxxp://evil[.]com now.", "hxxp://evil.com"),  # defanged
        ("Go to evil\uff0ecom now.", "evil.com"),  # full-width dot
        ("Go to e\u200bvil.com now.", "evil.com"),  # zero-width space inside
        ("Log in at http://192.168.0.1/admin", "http://192.168.0.1/admin"),  # IP URL
        ("Log in at 10.0.0.1:8080/login", "10.0.0.1:8080/login"),  # bare IP with port
        ("Go to evil.com.Then pay.", "evil.com"),  # missing space after the domain's sentence
        ("It is at evil.in today.", "evil.in"),  # lower-case word TLD: a domain
    ],
)
def test_links_domains_and_addresses_not_in_facts_are_flagged(reply, link):
    assert links(reply) == [link]
    assert link in check_grounding(reply, FACTS, NAMES).unsupported


@pytest.mark.parametrize(
    "reply",
    [
        "The 1.5L bottle costs $12.50, or 1,299.99 for the crate.",  # decimals (numbers: checked in facts below)
        "Pack light, e.g. a tent, i.e. the basics; approx. 2 kg, etc. and so on.",  # abbreviations
        "We ship in the U.S. and Washington, D.C. before 12 p.m. daily.",  # single-letter abbreviations
        "Firmware v2.1.3 runs on model X-2.5; rated 4.5/5.",  # versions and product names with dots
        "Trailhead Supply Co. gift cards never expire.",  # "Co." then a space
        "It is in stock.The jacket is blue.",  # missing space before a word that is not a TLD
        "It is in stock.In fact it ships today.It is light.",  # capitalised English word that is a TLD
        "Press the red dot in the corner, then look at the screen.",  # "dot" and "at" in plain English
        "Jackets @ $129 each.",  # "@" as "at a price of"
    ],
)
def test_ordinary_shop_text_has_no_links(reply):
    assert links(reply) == []
    facts = [reply]  # with its own numbers in the facts, nothing is unsupported
    assert check_grounding(reply, facts, NAMES).ok


def test_links_in_the_facts_are_allowed_case_insensitively():
    facts = [
        "Track orders at shop.example.com.",
        "Write to Help@Shop.Example.com or see https://shop.example.com/returns",
    ]
    for reply in (
        "Track it at Shop.Example.com!",  # the shop's own domain, other case
        "See https://www.shop.example.com or shop.example.com/returns.",  # scheme, www., path
        "Mail help@shop.example.com.",
        "Mail help [at] shop [dot] example [dot] com.",  # obfuscated, same address
    ):
        assert check_grounding(reply, facts).ok, reply


def test_a_domain_in_the_facts_does_not_allow_other_paths_addresses_or_subdomains():
    facts = ["Track orders at shop.example.com."]
    for reply in ("See shop.example.com/login-now", "Mail refunds@shop.example.com", "See evil.shop.example.com"):
        assert not check_grounding(reply, facts).ok, reply


def test_links_in_text_free_facts_are_allowed():
    # facts holding nothing but the shop's domain or address: it may be named, other domains not
    assert check_grounding("Our shop is at shop.example.com.", ["shop.example.com"]).ok
    assert not check_grounding("Our shop is at shop.example.org.", ["shop.example.com"]).ok
    facts = ["privacy@trailheadsupply.example"]
    assert check_grounding("Our site is trailheadsupply.example.", facts).ok
    assert check_grounding("Email privacy@trailheadsupply.example.", facts).ok
    assert not check_grounding("Email privacy@trailheadsupply.example or evil.com.", facts).ok


# --- few-shot example content ---------------------------------------------------------------------

EXAMPLES = (
    "Items can be returned within 30 days of delivery.",
    "The Trail Lamp is water resistant.",
    "how long do i have to send something back?",
)


@pytest.mark.parametrize(
    "reply, leaked",
    [
        ("Good news: the lamp is water resistant!", "lamp is water resistant"),  # an example fact's 4 words
        ("Sure! Our Trail Lamp is great.", "Trail Lamp"),  # an example-only name
        ("You have to send something back soon.", "to send something back"),  # an example question's words
    ],
)
def test_content_of_the_prompt_examples_is_flagged(reply, leaked):
    result = check_grounding(reply, ["Our lamp is great."], NAMES, forbidden=EXAMPLES)
    assert leaked in result.unsupported


def test_example_only_numbers_are_flagged():
    result = check_grounding("Returns take 30 days.", ["Returns take 60 days."], forbidden=EXAMPLES)
    assert "30" in result.unsupported


def test_example_content_that_the_facts_also_hold_is_allowed():
    facts = ["Items can be returned within 30 days of delivery, unworn."]
    reply = "Happy to help! Items can be returned within 30 days of delivery."
    assert check_grounding(reply, facts, forbidden=EXAMPLES).ok
    # without the examples passed, the same reply is not judged on them
    assert check_grounding("Our Trail Lamp is water resistant.", ["Our lamp is great."]).unsupported == []
