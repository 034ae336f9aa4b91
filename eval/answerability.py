"""Fit the answerability scorer (bot/knowledge/answerability.py) on labelled policy questions, and measure
it store by store against the fused score alone (action-server venv).

    python -m eval.answerability --store knowledge/demo_store --store ../shared/datasets/tau_retail \
        --store knowledge/volt_and_wire --store knowledge/sprout_house \
        [--write bot/knowledge/answerability_model.py] [--out reports]

Every policy question of each store (eval/questions/<store>.yml, answerable or not) is ranked by the real
service and answered from its best passages without the LLM, whatever the likelihood says. Its label: the
answer states the expected fact (an unanswerable question is never answered right). Each store is then
scored by a regression fitted on the other stores only, so the numbers say how the scorer does on a store
it never saw; the scorer written with --write is fitted on all the stores given. Held-out stores must not
be given here.
"""
from __future__ import annotations

import argparse
import datetime
import logging
import math
from pathlib import Path

from bot.adapters.store_dir import load_store
from bot.knowledge.answerability import FEATURES, Model
from bot.services.knowledge import CONFIDENT, TENTATIVE
from bot.settings import Settings
from eval.answers import EvalContainer
from eval.parts import write_part
from eval.questions import build_question_set, states

TIERS = (CONFIDENT, TENTATIVE)  # the service's tiers, measured here


def labelled(store_dir: Path, index_dir: Path) -> list[dict]:
    """Features and label of every policy question of one store."""
    from bot.knowledge.ingest import ingest
    from eval.knowledge import mode_settings

    base = Settings(store_dir=store_dir, index_dir=index_dir)
    ingest(base, progress=False)
    container = EvalContainer(mode_settings(base, "off"))
    knowledge = container.knowledge
    rows = []
    for q in build_question_set(load_store(store_dir)):
        if q.route != "policy":
            continue
        ranked = knowledge.policy_passages(q.text, q.intent)
        if not ranked or "features" not in ranked[0].metadata:
            continue
        reply = knowledge._from_passages(q.text, ranked).text
        rows.append({"store": store_dir.resolve().name, "question": q.text, "answerable": q.answerable,
                     "label": bool(q.answerable and states(reply, q)), "features": ranked[0].metadata["features"]})
    return rows


def fit(rows: list[dict]) -> Model:
    """A logistic regression over standardised features (scikit-learn, L2, C=1)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r["features"][f] for f in FEATURES] for r in rows], dtype=float)
    y = np.array([r["label"] for r in rows])
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000).fit((x - means) / scales, y)
    return Model(tuple(round(float(v), 6) for v in means), tuple(round(float(v), 6) for v in scales),
                 tuple(round(float(v), 6) for v in model.coef_[0]), round(float(model.intercept_[0]), 6))


def auc(scores: list[float], labels: list[bool]) -> float | None:
    """Area under the ROC curve: the chance a right answer scores above a wrong one (ties count half)."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return None
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def tiers(rows: list[dict], likelihood: list[float], confident: float, tentative: float) -> dict:
    """What the shopper gets with these tiers: facts stated (confidently, or with "not sure"), answers that
    miss said confidently or tentatively, and "don't know", over the store's policy questions."""
    answerable = [i for i, r in enumerate(rows) if r["answerable"]]
    conf = [likelihood[i] >= confident for i in range(len(rows))]
    tent = [tentative <= likelihood[i] < confident for i in range(len(rows))]
    share = (lambda n, d: n / d if d else None)
    return {
        "stated": share(sum(rows[i]["label"] and (conf[i] or tent[i]) for i in answerable), len(answerable)),
        "stated_confidently": share(sum(rows[i]["label"] and conf[i] for i in answerable), len(answerable)),
        "confident_wrong": share(sum(conf[i] and not rows[i]["label"] for i in range(len(rows))), len(rows)),
        "tentative_wrong": share(sum(tent[i] and not rows[i]["label"] for i in range(len(rows))), len(rows)),
        "dont_know": share(sum(not conf[i] and not tent[i] for i in range(len(rows))), len(rows)),
    }


def held_out_by_store(rows: list[dict]) -> dict:
    """Each store scored by a scorer fitted on the other stores: AUC against the fused score alone."""
    out = {}
    for store in sorted({r["store"] for r in rows}):
        train = [r for r in rows if r["store"] != store]
        test = [r for r in rows if r["store"] == store]
        model = fit(train)
        likelihood = [model.probability(r["features"]) for r in test]
        labels = [r["label"] for r in test]
        out[store] = {"questions": len(test), "auc_scorer": auc(likelihood, labels),
                      "auc_fused_score": auc([r["features"]["score"] for r in test], labels),
                      "tiers": tiers(test, likelihood, *TIERS)}
    return out


def module_text(model: Model, stores: list[str], n: int) -> str:
    def numbers(values):
        return "(" + ", ".join(repr(v) for v in values) + ",)"

    today = datetime.date.today().isoformat()
    return (f'"""Generated by `python -m eval.answerability --write` on {today} from {n} labelled policy questions\n'
            f'of {", ".join(stores)}. Do not edit: run it again. Features: answerability.FEATURES."""\n'
            "from bot.knowledge.answerability import Model\n\n"
            f"MODEL = Model(\n    means={numbers(model.means)},\n    scales={numbers(model.scales)},\n"
            f"    weights={numbers(model.weights)},\n    intercept={model.intercept!r},\n)\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, action="append", required=True)
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    parser.add_argument("--write", type=Path, help="write the scorer fitted on all stores to this module")
    parser.add_argument("--out", type=Path, help="write <out>/parts/answerability.json for eval/report.py")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    rows = [r for store in args.store for r in labelled(store, args.index_dir)]
    result = {"stores": [s.resolve().name for s in args.store], "questions": len(rows),
              "confident": TIERS[0], "tentative": TIERS[1], "by_store": held_out_by_store(rows)}
    for store, r in result["by_store"].items():
        print(f"{store}: AUC scorer {r['auc_scorer']:.3f} vs fused {r['auc_fused_score']:.3f}; "
              + ", ".join(f"{k} {v:.1%}" for k, v in r["tiers"].items() if v is not None and not math.isnan(v)))
    if args.write:
        args.write.write_text(module_text(fit(rows), result["stores"], len(rows)))
        print(f"wrote {args.write}")
    if args.out:
        write_part(args.out, "answerability", result)


if __name__ == "__main__":
    main()
