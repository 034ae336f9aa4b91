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


def test_strongly_negative_sentiment_counts_as_frustration():
    calm_words = ["this is the worst experience, I am so disappointed and upset",
                  "still nothing, and I am really disappointed"]
    kinds = [["policy"], ["policy"]]
    assert not any(sounds_frustrated(t) for t in calm_words[1:])  # no anger words, no shouting
    assert handoff_reason(kinds, calm_words) is None  # words alone: one of the two counts
    assert handoff_reason(kinds, calm_words, [-0.90, -0.53]) == "The shopper sounds frustrated."
    assert handoff_reason(kinds, calm_words, [-0.90, -0.44]) is None  # just above the cut-off: not strongly negative


def test_neutral_complaints_about_a_late_order_do_not_bring_a_person():
    late = ["my order is late", "where is my order? it was due on Monday", "still not here"]
    assert handoff_reason([["order_status"]] * 3, late, [0.0, 0.0, -0.2]) is None


def test_scores_line_up_with_the_newest_messages():
    texts = ["hi", "I am so disappointed", "this is a disgrace, very upset"]
    assert handoff_reason([["policy"]], texts, [-0.6, -0.7]) == "The shopper sounds frustrated."  # the last two
    assert handoff_reason([["policy"]], texts, [None, -0.8, None]) is None  # only one of the last three
    assert handoff_reason([["policy"]], texts, None) is None  # unscored: today's rule alone
    assert handoff_reason([["policy"]], texts[-1:], [-0.9, -0.9, -0.9]) is None  # one message can't be two
    assert handoff_reason([["policy"]], [], [-0.9]) is None
    old_messages_only = ["hi", "ok", "fine"]  # the frustrated ones were long ago
    assert handoff_reason([["policy"]], ["awful!!!", "UNACCEPTABLE SERVICE"] + old_messages_only,
                          [-0.9, -0.9, 0.0, 0.0, 0.0]) is None
