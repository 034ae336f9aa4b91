"""How well the insights page's topic grouping (`bot.domain.topics`) finds topics, on questions with known topics.

The grouping distance is chosen on our own frozen held-out paraphrases (`eval/heldout/intents.yml`: their
intent is the topic) and then checked once, unchanged, on Bitext's customer-support utterances (their intent
is the topic; a sample, evaluation only). Scores: adjusted Rand index and V-measure against the true topics,
the number of groups found against the number of true topics, and purity (the share of questions whose group's
most common topic is their own). Writes <out>/parts/topics.json and <out>/topics.md.
"""
from __future__ import annotations

import argparse
import csv
import random
from collections import Counter
from pathlib import Path

import yaml

from bot.domain.topics import DISTANCE, cluster_labels
from eval.parts import write_part

CANDIDATES = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
# The held-out intents that are topics a shopper asks about (what an unanswered question is about); the order
# and product intents differ by product, not by topic, and small talk is never unanswered.
TOPIC_INTENTS = ("policy_", "complaint", "bot_challenge", "human_handoff", "recommendation")
ROOT = Path(__file__).resolve().parent.parent


def heldout_questions(path: Path) -> tuple[list[str], list[str]]:
    examples = yaml.safe_load(path.read_text())["examples"]
    pairs = [(text, intent) for intent, texts in examples.items() for text in texts if intent.startswith(TOPIC_INTENTS)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def bitext_questions(path: Path, per_intent: int, seed: int = 7) -> tuple[list[str], list[str]]:
    by_intent: dict[str, list[str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_intent.setdefault(row["intent"], []).append(row["instruction"])
    rng = random.Random(seed)
    texts, intents = [], []
    for intent in sorted(by_intent):
        for text in rng.sample(by_intent[intent], min(per_intent, len(by_intent[intent]))):
            texts.append(text)
            intents.append(intent)
    return texts, intents


def scores(truth: list[str], found: list[int]) -> dict:
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    groups: dict[int, list[str]] = {}
    for topic, group in zip(truth, found):
        groups.setdefault(group, []).append(topic)
    pure = sum(Counter(members).most_common(1)[0][1] for members in groups.values())
    return {"ari": round(adjusted_rand_score(truth, found), 4), "v_measure": round(v_measure_score(truth, found), 4),
            "purity": round(pure / len(truth), 4), "groups": len(groups), "topics": len(set(truth)),
            "questions": len(truth)}


def embed(texts: list[str]):
    from bot.adapters.embeddings import build_embeddings

    return build_embeddings().embed_documents(texts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", type=Path, default=ROOT / "eval/heldout/intents.yml")
    parser.add_argument("--bitext", type=Path, default=None, help="Bitext CSV (or its folder); skipped when absent")
    parser.add_argument("--per-intent", type=int, default=40, help="Bitext utterances per intent")
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args(argv)

    texts, truth = heldout_questions(args.heldout)
    vectors = embed(texts)
    tuning = {str(d): scores(truth, cluster_labels(vectors, d)) for d in CANDIDATES}
    result = {"distance": DISTANCE, "tuning_set": "eval/heldout/intents.yml", "tuning": tuning,
              "chosen_on_tuning_set": tuning.get(str(DISTANCE)) or scores(truth, cluster_labels(vectors, DISTANCE))}
    bitext = args.bitext
    if bitext and bitext.is_dir():
        bitext = next(bitext.glob("*.csv"), None)
    if bitext and bitext.exists():
        b_texts, b_truth = bitext_questions(bitext, args.per_intent)
        result["bitext"] = scores(b_truth, cluster_labels(embed(b_texts), DISTANCE))
    part = write_part(args.out, "topics", result)
    (args.out / "topics.md").write_text(render(result))
    print(f"eval: wrote {part} and {args.out / 'topics.md'}")


def render(result: dict) -> str:
    lines = ["# Topic grouping of unanswered questions", "",
             "How `bot.domain.topics` groups questions whose true topic is known (`eval/topics.py`). "
             f"Distance {result['distance']}, chosen on `{result['tuning_set']}`; Bitext is held out.", "",
             "| set | distance | questions | true topics | groups found | ARI | V-measure | purity |",
             "|---|---|---|---|---|---|---|---|"]
    for distance, s in result["tuning"].items():
        mark = " (chosen)" if float(distance) == result["distance"] else ""
        lines.append(f"| held-out paraphrases | {distance}{mark} | {s['questions']} | {s['topics']} | {s['groups']} "
                     f"| {s['ari']:.3f} | {s['v_measure']:.3f} | {s['purity']:.1%} |")
    if "bitext" in result:
        s = result["bitext"]
        lines.append(f"| Bitext (held out) | {result['distance']} | {s['questions']} | {s['topics']} | {s['groups']} "
                     f"| {s['ari']:.3f} | {s['v_measure']:.3f} | {s['purity']:.1%} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
