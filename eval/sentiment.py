"""Measures the sentiment scorer against people's ratings, and the frustration rule on Bitext (action-server venv).

    python -m eval.sentiment --out reports [--bitext DIR] [--cache var/cache/vader] [--no-download] [--limit N]

Ground truth: the sentences VADER's authors had people rate for their paper (Hutto & Gilbert, ICWSM 2014),
published inside the vaderSentiment sdist on PyPI (additional_resources/hutto_ICWSM_2014.tar.gz): tweets,
Amazon review snippets, movie review snippets and NYT editorial snippets, each with the mean of about 20
people's ratings on -4..4. pip fetches the sdist into the cache (checked against its hash); it is read in
memory, never copied into the repository. `--no-download` (the smoke) skips, exit 0, when it is not cached.

Mappings (fixed before measuring):
- three classes: the human mean divided by 4 is labelled with the scorer's own cut-offs (±0.05, so a mean
  within ±0.2 is neutral); accuracy and macro-F1 against bot.domain.sentiment.label(score);
- clearly polar: items with |mean| >= 0.5; right when the label has the mean's sign (neutral is a miss);
- strongly negative: people's mean <= -1.5. The scorer's cut-off (STRONGLY_NEGATIVE_AT) is chosen on the
  tweets alone (best F1, steps of 0.05, ties to the stricter); the other sets are held out.
Bitext (customer-support requests, tag W = offensive language) is only measured, never tuned on: how often
one message counts towards the frustration handoff, by the old rule (anger words, shouting) and with sentiment.
Writes <out>/parts/sentiment.json (for eval/report.py) and <out>/sentiment.md.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path

from bot.adapters.vader_sentiment import VaderSentiment
from bot.domain.handoff import frustrated, sounds_frustrated
from bot.domain.sentiment import STRONGLY_NEGATIVE_AT, label

SDIST = "vaderSentiment-3.3.2.tar.gz"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
RATINGS = "additional_resources/hutto_ICWSM_2014.tar.gz"
SETS = {"tweets": "tweets_GroundTruth.txt", "amazon": "amazonReviewSnippets_GroundTruth.txt",
        "movies": "movieReviewSnippets_GroundTruth.txt", "nyt": "nytEditorialSnippets_GroundTruth.txt"}
TUNING_SET = "tweets"
POLAR_AT = 0.5  # |human mean| for "clearly polar"
STRONGLY_NEGATIVE_HUMAN = -1.5  # people's mean on -4..4 that counts as strongly negative
CLASSES = ("positive", "neutral", "negative")
CANDIDATES = [round(-0.05 * i, 2) for i in range(1, 20)]  # -0.05 .. -0.95


# -- ground truth ---------------------------------------------------------------------------------------
def fetch_sdist(cache: Path, download: bool) -> Path | None:
    path = cache / SDIST
    if not path.exists() and download:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "vaderSentiment==3.3.2", "--no-deps",
                        "--no-binary", ":all:", "-d", str(cache)], check=False, timeout=600)
    if not path.exists():
        return None
    if hashlib.sha256(path.read_bytes()).hexdigest() != SDIST_SHA256:
        raise SystemExit(f"sentiment: {path} is not the published {SDIST} (hash differs); delete it and rerun")
    return path


def parse_ratings(text: str) -> list[tuple[float, str]]:
    """Lines of `id<TAB>mean rating<TAB>sentence`; anything else is skipped."""
    rows = []
    for line in text.splitlines():
        parts = line.split("\t", 2)
        if len(parts) != 3 or not parts[2].strip():
            continue
        try:
            rows.append((float(parts[1]), parts[2].strip()))
        except ValueError:
            continue
    return rows


def read_ground_truth(sdist: Path) -> dict[str, list[tuple[float, str]]]:
    with tarfile.open(sdist) as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith(RATINGS))
        inner_bytes = outer.extractfile(member).read()
    sets = {}
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        members = {Path(m.name).name: m for m in inner.getmembers() if m.isfile()}
        for name, filename in SETS.items():
            sets[name] = parse_ratings(inner.extractfile(members[filename]).read().decode("utf-8", "replace"))
    return sets


def read_bitext(directory: Path) -> list[tuple[str, str]]:
    """(utterance, tags) of each Bitext row."""
    with next(directory.glob("*.csv")).open(newline="", encoding="utf-8") as f:
        return [(row["instruction"], row["tags"]) for row in csv.DictReader(f)]


# -- metrics (pure) -------------------------------------------------------------------------------------
def human_label(mean: float) -> str:
    return label(mean / 4)


def macro_f1(gold: list[str], predicted: list[str], classes=CLASSES) -> float:
    f1s = []
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, predicted))
        fp = sum(g != c and p == c for g, p in zip(gold, predicted))
        fn = sum(g == c and p != c for g, p in zip(gold, predicted))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def detection(flagged: list[bool], truth: list[bool]) -> dict:
    tp = sum(f and t for f, t in zip(flagged, truth))
    precision = tp / sum(flagged) if any(flagged) else None
    recall = tp / sum(truth) if any(truth) else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "flagged": sum(flagged), "positives": sum(truth)}


def choose_threshold(scores: list[float], means: list[float]) -> tuple[float, list[dict]]:
    """The strongly-negative cut-off with the best F1 (ties: the stricter one), and the whole curve."""
    truth = [m <= STRONGLY_NEGATIVE_HUMAN for m in means]
    curve = [{"threshold": t, **detection([s <= t for s in scores], truth)} for t in CANDIDATES]
    best = max(curve, key=lambda row: (round(row["f1"], 6), -row["threshold"]))
    return best["threshold"], curve


def measure_set(items: list[tuple[float, str]], scores: list[float], threshold: float) -> dict:
    means = [m for m, _ in items]
    gold = [human_label(m) for m in means]
    predicted = [label(s) for s in scores]
    polar = [(m, s) for m, s in zip(means, scores) if abs(m) >= POLAR_AT]
    majority = max(CLASSES, key=gold.count) if gold else None
    return {
        "n": len(items),
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(items) if items else None,
        "majority_accuracy": gold.count(majority) / len(items) if items else None,
        "macro_f1": macro_f1(gold, predicted),
        "n_polar": len(polar),
        "binary_accuracy": (sum(label(s) == ("positive" if m > 0 else "negative") for m, s in polar) / len(polar)
                            if polar else None),
        "pearson": statistics.correlation(scores, means) if len(items) > 2 else None,
        "strongly_negative": detection([s <= threshold for s in scores], [m <= STRONGLY_NEGATIVE_HUMAN for m in means]),
    }


def measure_bitext(rows: list[tuple[str, str]], scores: list[float], examples: int = 3) -> dict:
    out = {}
    for group, keep in (("offensive (W)", lambda tags: "W" in tags), ("the rest", lambda tags: "W" not in tags)):
        picked = [(text, score) for (text, tags), score in zip(rows, scores) if keep(tags)]
        old = [sounds_frustrated(text) for text, _ in picked]
        new = [frustrated(text, score) for text, score in picked]
        added = [text for (text, _), o, n in zip(picked, old, new) if n and not o]
        out[group] = {"n": len(picked), "old_rule": sum(old) / len(picked) if picked else None,
                      "with_sentiment": sum(new) / len(picked) if picked else None,
                      "sentiment_adds": added[:examples]}
    return out


def sample(items: list, limit: int | None, seed: int = 7) -> list:
    if not limit or len(items) <= limit:
        return items
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


# -- report ---------------------------------------------------------------------------------------------
def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def render(part: dict) -> str:
    lines = ["# Sentiment of shopper messages", "",
             f"Scorer: VADER {part['scorer']} (rule-based lexicon), compound score in [-1, 1]. Ground truth: "
             "sentences people rated for the VADER paper (Hutto & Gilbert, ICWSM 2014; mean of about 20 ratings on "
             "-4..4), read from the vaderSentiment sdist on PyPI. VADER's authors built it on social-media text, so "
             "tweets are its home ground; reviews and editorials are further from it. Made by `eval/sentiment.py`"
             + (f" on a sample of {part['limit']} per set" if part.get("limit") else "") + ".", "",
             "*3-class*: people's mean / 4 labelled with the scorer's cut-offs (±0.05), against the scorer's label; "
             "*majority* is always answering the commonest class. *Polar*: items people rated |mean| >= "
             f"{POLAR_AT}; right when the label has their sign. *Strongly negative*: score <= "
             f"{part['threshold_in_code']} against people's mean <= {STRONGLY_NEGATIVE_HUMAN}.", "",
             "| set | items | 3-class accuracy | majority | macro-F1 | polar accuracy | Pearson r | "
             "strongly negative precision | recall |", "|---|---|---|---|---|---|---|---|---|"]
    for name, s in part["sets"].items():
        sn = s["strongly_negative"]
        tag = " (tuning)" if name == TUNING_SET else " (held out)" if name != "all" else ""
        lines.append(f"| {name}{tag} | {s['n']} | {pct(s['accuracy'])} | {pct(s['majority_accuracy'])} | "
                     f"{s['macro_f1']:.3f} | {pct(s['binary_accuracy'])} of {s['n_polar']} | "
                     f"{s['pearson']:.3f} | {pct(sn['precision'])} | {pct(sn['recall'])} of {sn['positives']} |")
    choice = part["threshold_choice"]
    agree = ("the same as" if choice["chosen"] == part["threshold_in_code"]
             else "**not** the same as")
    lines += ["", "## The strongly-negative cut-off", "",
              f"Chosen on {TUNING_SET} only: best F1 at finding people's mean <= {STRONGLY_NEGATIVE_HUMAN} is at "
              f"**{choice['chosen']}**, {agree} `STRONGLY_NEGATIVE_AT` = {part['threshold_in_code']} in "
              "bot/domain/sentiment.py.", "", "| cut-off | precision | recall | F1 |", "|---|---|---|---|"]
    for row in choice["curve"]:
        if -0.8 <= row["threshold"] <= -0.2:
            lines.append(f"| {row['threshold']} | {pct(row['precision'])} | {pct(row['recall'])} | {row['f1']:.3f} |")
    lines += ["", "## Frustration rule on Bitext customer-support requests (measured, never tuned on)", ""]
    bitext = part.get("bitext")
    if not bitext:
        return "\n".join(lines + ["Not run (no Bitext directory).", ""])
    lines += ["Share of single messages that count towards the frustration handoff (it needs two of the last "
              "three). W: Bitext's tag for offensive language (\"where is the damn invoice\").", "",
              "| messages | n | old rule (anger words, shouting) | old rule or strongly negative |", "|---|---|---|---|"]
    for group, g in bitext.items():
        lines.append(f"| {group} | {g['n']} | {pct(g['old_rule'])} | {pct(g['with_sentiment'])} |")
    for group, g in bitext.items():
        if g["sentiment_adds"]:
            lines.append(f"- Added by sentiment ({group}): " + "; ".join(f'"{t}"' for t in g["sentiment_adds"]) + ".")
    return "\n".join(lines + [""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bitext", type=Path, default=Path("../shared/datasets/bitext_customer_support"))
    parser.add_argument("--cache", type=Path, default=Path("var/cache/vader"))
    parser.add_argument("--no-download", action="store_true", help="use the cache only; skip when it is empty")
    parser.add_argument("--limit", type=int, help="at most this many items per set (the smoke)")
    args = parser.parse_args()

    sdist = fetch_sdist(args.cache, download=not args.no_download)
    if sdist is None:
        print(f"sentiment: skipped, {SDIST} is not in {args.cache} (run `make eval` once online to fetch it)")
        return
    scorer = VaderSentiment()
    sets = {name: sample(items, args.limit) for name, items in read_ground_truth(sdist).items()}
    scores = {name: [scorer.score(text) for _, text in items] for name, items in sets.items()}
    chosen, curve = choose_threshold(scores[TUNING_SET], [m for m, _ in sets[TUNING_SET]])
    measured = {name: measure_set(items, scores[name], STRONGLY_NEGATIVE_AT) for name, items in sets.items()}
    measured["all"] = measure_set([i for items in sets.values() for i in items],
                                  [s for name in sets for s in scores[name]], STRONGLY_NEGATIVE_AT)
    part = {"scorer": "3.3.2", "limit": args.limit, "threshold_in_code": STRONGLY_NEGATIVE_AT,
            "threshold_choice": {"set": TUNING_SET, "chosen": chosen, "curve": curve}, "sets": measured}
    if args.bitext.is_dir():
        rows = sample(read_bitext(args.bitext), args.limit and args.limit * 2)
        part["bitext"] = measure_bitext(rows, [scorer.score(text) for text, _ in rows])
    (args.out / "parts").mkdir(parents=True, exist_ok=True)
    (args.out / "parts" / "sentiment.json").write_text(json.dumps(part, indent=1))
    (args.out / "sentiment.md").write_text(render(part))
    print(f"sentiment: wrote {args.out / 'sentiment.md'}; all sets: 3-class accuracy {pct(measured['all']['accuracy'])}, "
          f"Pearson r {measured['all']['pearson']:.3f}; cut-off chosen on {TUNING_SET}: {chosen}")


if __name__ == "__main__":
    main()
