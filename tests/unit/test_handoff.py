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
