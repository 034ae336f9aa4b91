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
