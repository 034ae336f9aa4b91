"""Rasa's own k-fold cross-validation of the NLU on the project's training data (Rasa venv).

    python eval/cross_validation.py --folds 3 --out reports

Runs `rasa test nlu --cross-validation` (each fold trains DIET on the rest and tests on the held-out
part), then writes <out>/parts/cross_validation.json for eval/report.py.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def summarise(intent_report: dict) -> dict:
    """Accuracy, macro and weighted F1 and per-intent F1 from Rasa's intent_report.json."""
    per_intent = {k: v for k, v in intent_report.items() if isinstance(v, dict) and "f1-score" in v
                  and k not in ("macro avg", "weighted avg", "micro avg")}
    return {
        "accuracy": intent_report.get("accuracy", intent_report.get("micro avg", {}).get("f1-score")),
        "macro_f1": intent_report["macro avg"]["f1-score"],
        "weighted_f1": intent_report["weighted avg"]["f1-score"],
        "examples": int(intent_report["macro avg"]["support"]),
        "f1": {k: v["f1-score"] for k, v in sorted(per_intent.items())},
        "support": {k: int(v["support"]) for k, v in sorted(per_intent.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--work", type=Path, default=Path("var/eval/cross-validation"))
    args = parser.parse_args()
    rasa = str(Path(sys.executable).with_name("rasa"))
    started = time.perf_counter()
    subprocess.run([rasa, "test", "nlu", "--nlu", "data", "--config", "config.yml", "--cross-validation",
                    "--folds", str(args.folds), "--out", str(args.work)], check=True, stdout=subprocess.DEVNULL)
    result = summarise(json.loads((args.work / "intent_report.json").read_text()))
    result |= {"folds": args.folds, "seconds": round(time.perf_counter() - started, 1)}
    (args.out / "parts").mkdir(parents=True, exist_ok=True)
    (args.out / "parts" / "cross_validation.json").write_text(json.dumps(result, indent=2))
    print(f"eval: cross-validation ({args.folds} folds) accuracy {result['accuracy']:.1%}, "
          f"macro-F1 {result['macro_f1']:.3f} in {result['seconds']:.0f} s")


if __name__ == "__main__":
    main()
