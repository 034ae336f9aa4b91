from bot.domain.handoff import handoff_summary


def test_summary_restates_only_verified_slots_and_the_shoppers_words():
    summary = handoff_summary({"customer_id": "olivia_ito_3591", "order_request": "return", "order_id": "#W5866402"},
                              ["hi", "/affirm", "I want to return my sneakers", "x" * 500, "talk to a human"])
    assert summary.startswith("Verified customer: olivia_ito_3591.")
    assert "return delivered items (order #W5866402); nothing was changed" in summary
    assert '"talk to a human"' in summary and "/affirm" not in summary and '"hi"' not in summary
    assert "x" * 200 not in summary  # long messages are shortened


def test_summary_of_an_unverified_shopper():
    assert handoff_summary({}, []) == "Customer not verified."


from bot.domain.handoff import handoff_reason, sounds_frustrated, wait_notice  # noqa: E402


def test_triggers_for_a_person():
    assert handoff_reason([["product_fact"], ["handoff"]], ["hi", "a human please"]) == "The shopper asked for a person."
    assert handoff_reason([["unknown"], ["unknown"]], ["a", "b"]) == "The assistant could not help twice in a row."
    assert handoff_reason([["product_fact"], ["unknown"]], ["a", "b"]) is None  # one failure is not two
    assert handoff_reason([["out_of_scope"], ["out_of_scope"]], ["a", "b"]) == "The assistant could not help twice in a row."
    assert handoff_reason([["policy"], ["policy"]], ["this is RIDICULOUS", "worst shop ever!!!"]) == \
        "The shopper sounds frustrated."
    assert handoff_reason([["policy"]], ["thanks, great"]) is None


def test_frustration_and_wait_wording():
    assert sounds_frustrated("WHERE IS MY ORDER") and sounds_frustrated("this is useless")
    assert not sounds_frustrated("Where is my order?") and not sounds_frustrated("OK")
    assert "You're next in line; expected wait about 5 minutes" in wait_notice(1, 5)
    assert "There are 2 people ahead of you" in wait_notice(3, 5)
    assert "There is 1 person ahead of you; expected wait about 10 minutes" in wait_notice(2, 5)
