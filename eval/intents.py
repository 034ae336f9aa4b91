"""Intent understanding on the Bitext customer-support utterances (third-party data, never trained on).

Runs in the Rasa venv: `python eval/intents.py --bitext DIR --model models --out reports [--limit N]`.
Writes <out>/intents.md (accuracy, macro-F1, per-intent table) and <out>/intent_confusion.png.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import time
from collections import Counter
from pathlib import Path

import yaml

FALLBACK = {"out_of_scope", "nlu_fallback"}  # both mean "the bot says it can't help with this"


def load_examples(bitext_dir: Path, mapping: dict[str, str], limit: int | None, seed: int = 42) -> list[tuple[str, str]]:
    csv_path = next(bitext_dir.glob("*.csv"))
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = [(r["instruction"], mapping[r["intent"]]) for r in csv.DictReader(handle)]
    if limit and limit < len(rows):
        rows = random.Random(seed).sample(rows, limit)
    return rows


def normalise(predicted: str) -> str:
    return "out_of_scope" if predicted in FALLBACK else predicted


async def predict(model: Path, texts: list[str], parses: list | None = None) -> list[str]:
    """The pipeline's intent per text (NLU fallback counted as out of scope); `parses` collects each
    full parse (intent ranking included) when given."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)  # no per-message debug lines
    configure_structlog(logging.WARNING)

    agent = Agent.load(str(model))
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        predictions.append(normalise(parsed["intent"]["name"]))
        if parses is not None:
            parses.append(parsed)
    return predictions


def report(gold: list[str], predicted: list[str], out: Path, seconds: float, model: Path) -> tuple[str, dict]:
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    labels = sorted(set(gold) | set(predicted))
    accuracy = accuracy_score(gold, predicted)
    macro = f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)
    per_intent = classification_report(gold, predicted, labels=sorted(set(gold)), output_dict=True, zero_division=0)
    lines = [
        "# Intent understanding on Bitext customer-support utterances", "",
        f"Model `{model.name}`; {len(gold)} utterances mapped with `eval/bitext_intents.yml` "
        f"({seconds:.0f} s, {1000 * seconds / max(1, len(gold)):.1f} ms per utterance).", "",
        f"- **Accuracy: {accuracy:.1%}**", f"- **Macro-F1: {macro:.3f}** (over the {len(set(gold))} target intents)",
        f"- Out-of-scope recognised (predicted out_of_scope or NLU fallback): "
        f"{per_intent.get('out_of_scope', {}).get('recall', 0):.1%} of {Counter(gold)['out_of_scope']} utterances", "",
        "| target intent | support | precision | recall | F1 |", "|---|---|---|---|---|",
    ]
    for label in sorted(set(gold)):
        row = per_intent[label]
        lines.append(f"| {label} | {int(row['support'])} | {row['precision']:.2f} | {row['recall']:.2f} | {row['f1-score']:.2f} |")
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p).most_common(5)
    lines += ["", "Most frequent confusions (target -> predicted): " +
              "; ".join(f"{g} -> {p} ({n})" for (g, p), n in confusions), "",
              "![Confusion matrix](intent_confusion.png)", ""]
    _plot(confusion_matrix(gold, predicted, labels=labels), labels, out / "intent_confusion.png")
    summary = {"n": len(gold), "accuracy": accuracy, "macro_f1": macro, "ms_per_utterance": 1000 * seconds / max(1, len(gold)),
               "out_of_scope_recall": per_intent.get("out_of_scope", {}).get("recall", 0),
               "f1": {label: per_intent[label]["f1-score"] for label in sorted(set(gold))},
               "recall": {label: per_intent[label]["recall"] for label in sorted(set(gold))},
               "confusions": [[g, p, n] for (g, p), n in confusions]}
    return "\n".join(lines), summary


def _plot(matrix, labels: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = matrix.sum(axis=1, keepdims=True)
    share = matrix / rows.clip(min=1)
    fig, ax = plt.subplots(figsize=(9, 8))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("target (Bitext intent mapped)")
    ax.set_title("Bitext intents: share of each target row")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def outcomes(gold: list[str], parses: list[dict]) -> dict:
    """What the shopper meets: a direct answer (right or wrong), or a clarifying question whose buttons
    hold the right reading or not (bot/domain/clarify.py picks them from the ranking, as the bot does)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bot.domain.clarify import readings

    counts = Counter()
    for want, parsed in zip(gold, parses):
        name = parsed["intent"]["name"]
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        top = ranking[0]["name"] if ranking else name
        counts["top_right"] += top == want
        if name != "nlu_fallback":
            counts["direct_right" if name == want else "direct_wrong"] += 1
            continue
        offered = readings(ranking)
        if len(offered) < 2:  # no question: the knowledge fallback answers (fine for out of scope)
            counts["fallback_right" if want == "out_of_scope" else "fallback_wrong"] += 1
        else:
            counts["clarified_right" if want in offered else "clarified_wrong"] += 1
    n = max(1, len(gold))
    return {key: counts[key] / n for key in ("top_right", "direct_right", "direct_wrong", "clarified_right",
                                             "clarified_wrong", "fallback_right", "fallback_wrong")}


def outcome_lines(part: dict) -> str:
    return "\n".join(["", *report_lines().outcome_lines(part), ""])


def report_lines():
    """eval/report.py words the held-out and outcome lines once for both reports."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from eval import report

    return report


def heldout_examples(path: Path, limit: int | None) -> list[tuple[str, str]]:
    """The frozen held-out paraphrases (never trained on); a stratified-enough sample under --limit."""
    examples = yaml.safe_load(path.read_text())["examples"]
    rows = [(text, intent) for intent, texts in examples.items() for text in texts]
    if limit and limit < len(rows):
        rows = random.Random(42).sample(rows, limit)
    return rows


def heldout_scores(rows: list[tuple[str, str]], predicted: list[str]) -> dict:
    from sklearn.metrics import f1_score

    gold = [intent for _, intent in rows]
    misses = Counter((g, p) for g, p in zip(gold, predicted) if g != p).most_common(5)
    return {"n": len(gold), "accuracy": sum(g == p for g, p in zip(gold, predicted)) / max(1, len(gold)),
            "macro_f1": f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0),
            "confusions": [[g, p, n] for (g, p), n in misses]}


def heldout_lines(part: dict) -> str:
    return "\n".join(["", *report_lines().heldout_lines(part)])


def latest_model(models: Path) -> Path:
    found = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit(f"eval: no model in {models}; run `make train` first")
    return found[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bitext", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=Path("models"))
    parser.add_argument("--mapping", type=Path, default=Path(__file__).with_name("bitext_intents.yml"))
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--limit", type=int, default=None, help="a random sample of this many utterances")
    parser.add_argument("--heldout", type=Path, default=Path(__file__).with_name("heldout") / "intents.yml")
    args = parser.parse_args()
    mapping = yaml.safe_load(args.mapping.read_text())
    examples = load_examples(args.bitext, mapping, args.limit)
    model = args.model if args.model.is_file() else latest_model(args.model)
    started = time.perf_counter()
    parses: list = []
    predicted = asyncio.run(predict(model, [text for text, _ in examples], parses))
    seconds = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    text, summary = report([gold for _, gold in examples], predicted, args.out, seconds, model)
    summary["outcomes"] = outcomes([gold for _, gold in examples], parses)
    text += outcome_lines(summary["outcomes"])
    if args.heldout.exists():
        heldout = heldout_examples(args.heldout, args.limit)
        held_parses: list = []
        summary["heldout"] = heldout_scores(heldout, asyncio.run(predict(model, [t for t, _ in heldout], held_parses)))
        summary["heldout"]["outcomes"] = outcomes([gold for _, gold in heldout], held_parses)
        text += heldout_lines(summary["heldout"])  # its outcome line included
    (args.out / "intents.md").write_text(text)
    (args.out / "parts").mkdir(exist_ok=True)
    (args.out / "parts" / "intents.json").write_text(json.dumps(summary, indent=2))
    print("\n".join(line for line in text.splitlines() if line.startswith("- **")))
    print(f"eval: wrote {args.out / 'intents.md'} and {args.out / 'intent_confusion.png'}")


if __name__ == "__main__":
    main()
