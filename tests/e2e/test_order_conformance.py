"""tau-bench retail conformance: scripted shoppers talk to the real stack over REST; afterwards the shop
database must equal the one tau-bench's judge expects, and no write may happen without an explicit yes.

`make test` runs the dev tasks (results in var/results/conformance.json, read by the eval smoke);
`make conformance` (SHOPBOT_CONFORMANCE=all) adds the train sample and writes reports/conformance.md and
reports/parts/conformance.json (read by `make eval`).
"""
from __future__ import annotations

import json
import os

import pytest

from tests.conftest import ROOT, TAU_STORE
from tests.conformance.runner import load_scripts, load_tasks, run_script
from tests.e2e.conftest import say

FULL = os.environ.get("SHOPBOT_CONFORMANCE") == "all"
SPLITS = ["dev", "train", "train_alt"] if FULL else ["dev"]
if os.environ.get("SHOPBOT_CONFORMANCE_SPLIT"):  # one split only, e.g. while writing its scripts
    SPLITS = [os.environ["SHOPBOT_CONFORMANCE_SPLIT"]]
CASES = [(split, task) for split in SPLITS for task in sorted(load_scripts(split))]
OUTCOMES: list[tuple[str, object]] = []


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    write_results(OUTCOMES, ROOT / "reports" / "parts" if FULL else ROOT / "var" / "results")
    if FULL:
        write_report(OUTCOMES)


@pytest.mark.parametrize("split, task_index", CASES, ids=[f"{s}-{t}" for s, t in CASES])
def test_task(stack, split, task_index):
    script = {**load_scripts(split)[task_index], "split": split}
    task = load_tasks(TAU_STORE, split)[task_index]
    outcome = run_script(script, task, say, stack)
    OUTCOMES.append((split, outcome))
    transcript = "\n".join(f"  shopper: {u}\n  bot: {b}" for u, b in outcome.transcript)
    assert not outcome.writes_without_yes, transcript
    assert outcome.passed, f"{outcome.reason}\n{transcript}"


def write_results(outcomes, folder) -> None:
    """Pass counts per split, for the dialogue section of the evaluation report."""
    splits = {split: {"tasks": len([o for s, o in outcomes if s == split]),
                      "passed": sum(o.passed for s, o in outcomes if s == split),
                      "writes_without_yes": sum(bool(o.writes_without_yes) for s, o in outcomes if s == split),
                      "failing": [f"{o.task}: {o.reason}" for s, o in outcomes if s == split and not o.passed]}
              for split in SPLITS}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conformance.json").write_text(json.dumps(splits, indent=2))


def write_report(outcomes) -> None:
    lines = ["# tau-bench retail conformance", "",
             "Scripted shoppers (tests/conformance/scripts/) against the real stack; pass = same database as",
             "tau-bench's expected actions produce, every required output said, no write without a yes.", "",
             "| split | tasks | passed | pass rate |", "|---|---|---|---|"]
    for split in SPLITS:
        mine = [o for s, o in outcomes if s == split]
        passed = sum(o.passed for o in mine)
        lines.append(f"| {split} | {len(mine)} | {passed} | {passed / max(1, len(mine)):.0%} |")
    failing = [(s, o) for s, o in outcomes if not o.passed]
    lines += ["", "## Failing tasks", ""] + ([f"- {s} {o.task}: {o.reason}" for s, o in failing] or ["None."])
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports" / "conformance.md").write_text("\n".join(lines) + "\n")
