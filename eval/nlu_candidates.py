"""Candidate intent classifiers side by side, on the same data (runs in the Rasa venv).

`python eval/nlu_candidates.py --bitext DIR --out DIR [--limit N]` measures classifiers on MiniLM
sentence vectors (the ones `bot/nlu/intent_model.py` offers) three ways: 5-fold cross-validation on
the project's own training data, the frozen held-out paraphrases (eval/heldout/intents.yml, never
trained on) and Bitext (third-party, never trained on). DIET, Rasa's default, is measured by
eval/intents.py and eval/cross_validation.py on the trained Rasa model; its row is copied from there.
Writes <out>/nlu_candidates.md and <out>/parts/nlu_candidates.json.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu import intent_model  # noqa: E402
from bot.nlu.encoder import encode  # noqa: E402

HELDOUT = ROOT / "eval" / "heldout" / "intents.yml"


def training_examples() -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "data" / "nlu"))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples if m.get("text")]


def heldout_examples() -> list[tuple[str, str]]:
    if not HELDOUT.exists():
        return []
    examples = yaml.safe_load(HELDOUT.read_text())["examples"]
    return [(text, intent) for intent, texts in examples.items() for text in texts]


def bitext_examples(directory: Path, limit: int | None) -> list[tuple[str, str]]:
    mapping = yaml.safe_load((ROOT / "eval" / "bitext_intents.yml").read_text())
    with next(directory.glob("*.csv")).open(newline="", encoding="utf-8") as handle:
        rows = [(r["instruction"], mapping[r["intent"]]) for r in csv.DictReader(handle)]
    if limit and limit < len(rows):
        rows = random.Random(42).sample(rows, limit)
    return rows


def scores(gold: list[str], predicted: list[str]) -> dict:
    from sklearn.metrics import f1_score

    accuracy = float(np.mean([g == p for g, p in zip(gold, predicted)]))
    macro = float(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0))
    return {"accuracy": accuracy, "macro_f1": macro, "n": len(gold)}


def predict(model: intent_model.IntentModel, texts: list[str], vectors: np.ndarray) -> list[str]:
    return [ranking[0][0] for ranking in model.rank(vectors, texts)]


def cross_validate(texts, labels, vectors, config, folds=5) -> tuple[dict, np.ndarray, list[str]]:
    from sklearn.model_selection import StratifiedKFold

    predicted = [""] * len(texts)
    similarity = np.zeros(len(texts))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=42).split(texts, labels):
        model = intent_model.fit([texts[i] for i in train], [labels[i] for i in train], vectors[train], config)
        for index, label in zip(test, predict(model, [texts[i] for i in test], vectors[test])):
            predicted[index] = label
        similarity[test] = model.scope_similarity(vectors[test])
    return scores(labels, predicted), similarity, predicted


def calibrate_threshold(labels: list[str], predicted: list[str], similarity: np.ndarray) -> float:
    """The scope threshold that maximises out-of-fold accuracy on our own data (never on held-out)."""
    best, best_accuracy = 0.0, -1.0
    for threshold in np.arange(0.0, 0.8, 0.01):
        gated = [intent_model.OUT_OF_SCOPE if s < threshold else p for p, s in zip(predicted, similarity)]
        accuracy = np.mean([g == p for g, p in zip(labels, gated)])
        if accuracy > best_accuracy + 1e-9:
            best, best_accuracy = float(threshold), accuracy
    return best


CANDIDATES = {
    "MiniLM + logistic regression": intent_model.IntentModelConfig(char_ngrams=False, knn_weight=0.0),
    "MiniLM + char n-grams + logistic regression": intent_model.IntentModelConfig(char_ngrams=True, knn_weight=0.0),
    "MiniLM + char n-grams + logistic regression + nearest-example vote (shipped)": intent_model.IntentModelConfig(),
}


def nearest_example_row(texts, labels, vectors, sets, set_vectors) -> dict:
    """The simplest sentence-space classifier: the intent of the most similar training example."""
    from sklearn.model_selection import StratifiedKFold

    labels_array = np.array(labels)
    predicted = [""] * len(texts)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=42).split(texts, labels):
        nearest = (vectors[test] @ vectors[train].T).argmax(axis=1)
        for index, label in zip(test, labels_array[train][nearest]):
            predicted[index] = label
    row = {"candidate": "MiniLM nearest training example", "cv": scores(labels, predicted)}
    for name, examples in sets.items():
        if examples:
            guess = labels_array[(set_vectors[name] @ vectors.T).argmax(axis=1)]
            row[name] = scores([g for _, g in examples], list(guess))
    return row


def diet_row(model: Path, sets: dict) -> dict:
    """Rasa's default (DIET on sparse features), trained separately on the same data (`rasa train nlu`
    with the pipeline's previous config); cross-validation is eval/cross_validation.py's job."""
    import asyncio

    sys.path.insert(0, str(ROOT / "eval"))
    from intents import predict as rasa_predict

    row = {"candidate": "DIET (Rasa default, word + char n-grams)"}
    for name, examples in sets.items():
        if examples:
            row[name] = scores([g for _, g in examples], asyncio.run(rasa_predict(model, [t for t, _ in examples])))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bitext", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--diet-model", type=Path, default=None, help="a trained DIET NLU model to compare")
    args = parser.parse_args()
    train = training_examples()
    texts, labels = [t for t, _ in train], [i for _, i in train]
    vectors = encode(texts)
    sets = {"held-out": heldout_examples(), "Bitext": bitext_examples(args.bitext, args.limit)}
    set_vectors = {name: encode([t for t, _ in rows]) for name, rows in sets.items() if rows}
    rows = [diet_row(args.diet_model, sets)] if args.diet_model else []
    rows.append(nearest_example_row(texts, labels, vectors, sets, set_vectors))
    for name, base in CANDIDATES.items():
        for gated in (False, True) if "shipped" in name else (False,):
            started = time.perf_counter()
            cv, similarity, oof = cross_validate(texts, labels, vectors, base)
            config = replace(base, scope_threshold=calibrate_threshold(labels, oof, similarity)) if gated else base
            if gated:
                cv, _, _ = cross_validate(texts, labels, vectors, config)
            model = intent_model.fit(texts, labels, vectors, config)
            row = {"candidate": name + (f", scope gate {config.scope_threshold:.2f}" if gated else ""), "cv": cv}
            for set_name, examples in sets.items():
                if examples:
                    row[set_name] = scores([g for _, g in examples], predict(model, [t for t, _ in examples], set_vectors[set_name]))
            row["seconds"] = time.perf_counter() - started
            rows.append(row)
            print(json.dumps(row))
    write(rows, args.out, len(texts))


def write(rows: list[dict], out: Path, n_train: int) -> None:
    from eval.report import candidates_section  # the same table as in reports/eval.md

    lines = ["# Intent classifiers side by side", "",
             f"Trained on the project's {n_train} examples; 5-fold cross-validation on them, the frozen held-out "
             "paraphrases and Bitext (never trained on).", "", *candidates_section(rows)[2:]]
    out.mkdir(parents=True, exist_ok=True)
    (out / "parts").mkdir(exist_ok=True)
    (out / "nlu_candidates.md").write_text("\n".join(lines) + "\n")
    (out / "parts" / "nlu_candidates.json").write_text(json.dumps(rows, indent=2))
    print(f"eval: wrote {out / 'nlu_candidates.md'}")


if __name__ == "__main__":
    main()
