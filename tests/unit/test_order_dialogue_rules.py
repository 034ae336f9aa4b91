"""The order form's rules (data/rules/orders.yml): a shopper can always leave a request."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

RULES = yaml.safe_load((Path(__file__).parents[2] / "data" / "rules" / "orders.yml").read_text())["rules"]


def in_form_rules_for(intent: str) -> list[list[dict]]:
    found = []
    for rule in RULES:
        if {"active_loop": "order_form"} not in rule.get("condition", []):
            continue
        first = rule["steps"][0]
        intents = [o["intent"] for o in first.get("or", [])] if "or" in first else [first.get("intent")]
        if intent in intents:
            found.append(rule["steps"][1:])
    return found


@pytest.mark.parametrize("intent", ["thanks", "goodbye", "deny", "out_of_scope"])
def test_leaving_words_end_the_request_instead_of_forcing_it_on(intent):
    [steps] = in_form_rules_for(intent)
    assert steps[0] == {"action": "action_stop_order_request"} and {"active_loop": None} in steps


@pytest.mark.parametrize("intent", ["product_price", "policy_returns", "greet", "complaint"])
def test_other_topics_are_answered_and_the_request_resumes(intent):
    [steps] = in_form_rules_for(intent)
    assert steps[-2:] == [{"action": "order_form"}, {"active_loop": "order_form"}]
