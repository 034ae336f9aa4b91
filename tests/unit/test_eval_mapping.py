"""The Bitext mapping covers every Bitext intent and points only at intents the bot has."""
import csv

import yaml

from tests.conftest import ROOT

BITEXT = ROOT.parent / "shared" / "datasets" / "bitext_customer_support"


def test_every_bitext_intent_maps_to_one_of_ours():
    mapping = yaml.safe_load((ROOT / "eval" / "bitext_intents.yml").read_text())
    ours = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    assert set(mapping.values()) <= ours
    with next(BITEXT.glob("*.csv")).open(newline="", encoding="utf-8") as handle:
        theirs = {row["intent"] for row in csv.DictReader(handle)}
    assert theirs == set(mapping), theirs ^ set(mapping)


def _intents_in_steps(steps) -> set[str]:
    found = set()
    for step in steps or []:
        if "intent" in step:
            found.add(step["intent"])
        for branch in step.get("or", []):
            found |= _intents_in_steps([branch])
    return found


def test_every_mapped_intent_has_a_flow_that_serves_it():
    """A Bitext request type only counts as understood if the bot then does something for it."""
    mapping = yaml.safe_load((ROOT / "eval" / "bitext_intents.yml").read_text())
    served = set()
    for path in [*(ROOT / "data" / "rules").glob("*.yml"), *(ROOT / "data" / "stories").glob("*.yml")]:
        data = yaml.safe_load(path.read_text())
        for flow in data.get("rules", []) + data.get("stories", []):
            served |= _intents_in_steps(flow.get("steps"))
    assert set(mapping.values()) - served == set()


def test_the_frozen_held_out_set_uses_only_intents_the_bot_has():
    heldout = yaml.safe_load((ROOT / "eval" / "heldout" / "intents.yml").read_text())["examples"]
    ours = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    assert set(heldout) <= ours and sum(map(len, heldout.values())) >= 900
