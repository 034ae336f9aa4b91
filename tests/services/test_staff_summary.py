from bot.services.phrasing import Phraser
from bot.services.staff_summary import StaffSummaryWriter, transcript_facts
from tests.fakes import FakeChatModel

MESSAGES = [
    {"author": "shopper", "text": "hi"},
    {"author": "bot", "text": "Hello! The tent costs $99."},
    {"author": "shopper", "text": "I want to cancel order #W5442520"},
    {"author": "shopper", "text": "/affirm"},
    {"author": "shopper", "text": "a human please"},
]


def test_only_the_shoppers_own_words_are_material():
    assert transcript_facts(MESSAGES) == ["Shopper said: hi", "Shopper said: I want to cancel order #W5442520",
                                          "Shopper said: a human please"]


def test_the_llm_picks_lines_and_the_summary_quotes_them():
    llm = FakeChatModel('{"intro": "Sure", "facts": [2, 3]}')
    summary = StaffSummaryWriter(Phraser(llm, [])).write(MESSAGES)
    assert summary.grounding == "llm"
    assert summary.text == "Shopper said: I want to cancel order #W5442520 Shopper said: a human please"
    assert "support agent" in llm.calls[0]["messages"][-1]["content"]  # the summary task, not a product one


def test_free_text_with_an_invented_number_is_replaced():
    llm = FakeChatModel("The shopper wants to cancel order #W9999999 and get $50 back.")
    summary = StaffSummaryWriter(Phraser(llm, [], mode="free")).write(MESSAGES)
    assert summary.grounding == "replaced" and "#W9999999" not in summary.text and "#W5442520" in summary.text


def test_no_model_composes_from_the_last_lines():
    summary = StaffSummaryWriter(Phraser(None, [])).write(MESSAGES)
    assert summary.grounding == "composed" and summary.text.endswith("Shopper said: a human please")
