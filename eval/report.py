"""Assembles reports/eval.md and its plots from the parts each evaluation step wrote (<out>/parts/*.json).

    python -m eval.report --out reports

A missing part is reported as "not run" rather than failing, so the smoke can skip slow steps.
"""
from __future__ import annotations

import argparse
import json
import platform
from datetime import datetime, timezone
from pathlib import Path

MODES = {"select": "select (default: the model picks an opener, and the facts of product answers; policy answers "
                   "quote the ranked passages)", "free": "free (model writes the text)",
         "off": "off (no LLM: the ranked facts alone)"}


def store_label(part: dict) -> str:
    return f"{part['store']} (held-out)" if part.get("held_out") else part["store"]


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def lowest(scores: dict[str, float], n: int) -> list[tuple[str, float]]:
    return sorted(scores.items(), key=lambda kv: kv[1])[:n]


def load_parts(folder: Path) -> dict:
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


# -- sections -------------------------------------------------------------------------------------------
def intents_section(part: dict | None) -> list[str]:
    lines = ["## Intent understanding (Bitext customer-support utterances)", ""]
    if not part:
        return lines + ["Not run.", ""]
    weakest = lowest(part["f1"], 3)
    return lines + [
        f"{part['n']} utterances of a third-party dataset, never trained on, mapped by "
        "`eval/bitext_intents.yml` to the intent whose flow serves each of its 27 request types.", "",
        f"- Accuracy **{pct(part['accuracy'])}**, macro-F1 **{part['macro_f1']:.3f}**, "
        f"{part['ms_per_utterance']:.0f} ms per utterance.",
        "- Weakest intents (F1): " + ", ".join(f"{k} {v:.2f}" for k, v in weakest) + ".",
        "- Most frequent confusions: " + "; ".join(f"{g} → {p} ({n})" for g, p, n in part["confusions"][:3]) + ".",
        *outcome_lines(part.get("outcomes")),
        "", "Per-intent table: [intents.md](intents.md). ![Bitext confusion matrix](intent_confusion.png)", "",
        *heldout_lines(part.get("heldout"))]


def outcome_lines(part: dict | None) -> list[str]:
    """Accuracy above counts a clarifying question as a miss; this says what the shopper actually met."""
    if not part:
        return []
    return [f"- The classifier's top intent is right for **{pct(part['top_right'])}**. What the shopper meets: a "
            f"direct answer to the right intent {pct(part['direct_right'])}, to a wrong one {pct(part['direct_wrong'])}; "
            f"a clarifying question offering the right reading {pct(part['clarified_right'])} (not offering it "
            f"{pct(part['clarified_wrong'])}); the knowledge fallback {pct(part['fallback_right'] + part['fallback_wrong'])}."]


def heldout_lines(part: dict | None) -> list[str]:
    if not part:
        return []
    return ["### Frozen held-out paraphrases", "",
            f"{part['n']} shopper messages written once, before tuning, by someone who never saw the training data "
            f"(`eval/heldout/intents.yml`, never trained on): accuracy **{pct(part['accuracy'])}**, macro-F1 "
            f"**{part['macro_f1']:.3f}**. Most frequent confusions: "
            + "; ".join(f"{g} → {p} ({n})" for g, p, n in part["confusions"][:3]) + ".", "",
            *outcome_lines(part.get("outcomes")), ""]


def candidates_section(rows: list | None) -> list[str]:
    lines = ["## Intent classifiers measured side by side", ""]
    if not rows:
        return lines + ["Not run (`make eval` runs eval/nlu_candidates.py).", ""]
    lines += ["Same training data, same test sets (`eval/nlu_candidates.py`). DIET is Rasa's default classifier "
              "on sparse word and character features; the others classify MiniLM sentence vectors.", "",
              "| candidate | CV accuracy | CV macro-F1 | held-out accuracy | held-out macro-F1 | Bitext accuracy | Bitext macro-F1 |",
              "|---|---|---|---|---|---|---|"]
    for row in rows:
        cells = [row["candidate"]]
        for key in ("cv", "held-out", "Bitext"):
            got = row.get(key)
            cells += [pct(got["accuracy"]), f"{got['macro_f1']:.3f}"] if got else ["n/a", "n/a"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def cross_validation_section(part: dict | None) -> list[str]:
    lines = ["## Rasa cross-validation on the project's own training data", ""]
    if not part:
        return lines + ["Not run (skipped in the smoke; `make eval` runs it).", ""]
    weakest = lowest(part["f1"], 4)
    return lines + [
        f"{part['folds']}-fold cross-validation over {part['examples']} examples ({part['seconds']:.0f} s): "
        f"accuracy **{pct(part['accuracy'])}**, macro-F1 **{part['macro_f1']:.3f}**, weighted F1 "
        f"{part['weighted_f1']:.3f}.", "",
        "Lowest F1: " + ", ".join(f"{k} {v:.2f} (n={part['support'][k]})" for k, v in weakest) + ".", "",
        "The gap between this and the Bitext score is the distance between our own examples' wording and "
        "real shoppers'.", "", "![Cross-validation F1 per intent](eval_cross_validation.png)", ""]


def retrieval_section(parts: list[dict]) -> list[str]:
    lines = ["## Retrieval", "",
             "Questions derived from each store (`eval/questions.py`): for every product a description "
             "question and a price/stock question about one variant, and hand-written policy questions from "
             "the policy pages (`eval/questions/<store>.yml`), each worded three ways (canonical + 2 "
             "paraphrases). A hit is the product's chunk, or a policy text containing the passage that "
             "answers. *raw*: the question alone over every chunk; *chunks*: the policy query before issue 11 "
             "(topic prefix, policy chunks of up to 800 characters); *bot*: what the answer services do "
             "(products: product chunks; policies: answer-sized passages ranked by the fused score of "
             "`bot/knowledge/ranking.py`, so a hit needs the very sentence, list or table row that answers). "
             "The held-out store's pages and questions were written once and frozen before any tuning; "
             "questions a store's pages do not answer are left out here.", "",
             "| store | query | questions | recall@1 | recall@3 | recall@5 | MRR@10 |", "|---|---|---|---|---|---|---|"]
    for part in parts:
        for form in ("raw", "chunks", "bot"):
            for key in ("all", "product/canonical", "product/paraphrase", "policy/canonical", "policy/paraphrase"):
                s = part["retrieval"].get(form, {}).get(key)
                if s:
                    lines.append(f"| {store_label(part)} | {form} {key} | {s['n']} | {pct(s['recall@1'])} | "
                                 f"{pct(s['recall@3'])} | {pct(s['recall@5'])} | {s['mrr']:.3f} |")
    lines += ["", "![Retrieval recall@k](eval_retrieval.png)", ""]
    for part in parts:
        misses = [m for m in part["retrieval"]["misses"] if m["rank"] is None][:5]
        if misses:
            lines.append(f"Not in the top 10 ({part['store']}, bot query): " +
                         "; ".join(f"\"{m['question']}\"" for m in misses) + ".")
    return lines + [""]


def answers_section(parts: list[dict]) -> list[str]:
    lines = ["## Grounded answers", "",
             "Every question above answered through the real services (catalogue lookups, retrieval, the "
             "LLM phraser and its grounding check), in each LLM phrasing mode measured. *Fact accuracy*: the reply "
             "states the expected price, stock state or policy number (questions that have one). "
             "*Unsupported*: share of replies with a number, price, product name or link found nowhere in "
             "the shop's data on the subject (the product's record, or the policy pages). *With check* is "
             "what the shopper gets; *without check* is the model's own draft.", "",
             "| store | mode | route | answers | fact accuracy (with check) | without check | "
             "unsupported (with check) | without check |", "|---|---|---|---|---|---|---|---|"]
    for part in parts:
        for mode, result in part["answers"].items():
            for route, s in [("all", result["all"])] + list(result["by_route"].items()):
                if not s["n"]:
                    continue
                w, wo = s["with_check"], s["without_check"]
                graded = f" of {s['n_graded']}" if s["n_graded"] else ""
                lines.append(f"| {store_label(part)} | {mode} | {route} | {s['n']} | {pct(w['fact_accuracy'])}{graded} | "
                             f"{pct(wo['fact_accuracy'])} | {pct(w['unsupported_rate'])} | {pct(wo['unsupported_rate'])} |")
    lines += ["", "![Grounded answers](eval_answers.png)", "",
              "Routes: *fact* = price/stock from the catalogue (no LLM); *describe* = product description "
              "(LLM); *policy* = policy question (retrieval + LLM). Modes: " +
              "; ".join(f"*{k}* = {v}" for k, v in MODES.items()) + ".", ""]
    lines += policy_answers_lines(parts)
    for part in parts:
        for mode, result in part["answers"].items():
            examples = result["all"]["without_check"]["unsupported_examples"][:2]
            for ex in examples:
                lines.append(f"- Stopped by the check ({part['store']}, {mode}): \"{ex['question']}\" → model "
                             f"wrote \"{ex['reply'][:160]}…\" (unsupported: {', '.join(ex['unsupported'])})")
            wrong = result["all"]["wrong"][:2]
            for ex in wrong:
                lines.append(f"- Missed fact ({part['store']}, {mode}): \"{ex['question']}\" expected "
                             f"{', '.join(ex['expected'])}; replied \"{ex['reply'][:160]}\"")
    return lines + [""]


def policy_answers_lines(parts: list[dict]) -> list[str]:
    """Policy answers: right, "don't know" and confidently wrong kept apart, per store and mode."""
    rows = [(part, mode, result["by_route"]["policy"]) for part in parts for mode, result in part["answers"].items()
            if "policy" in result.get("by_route", {}) and "confident_wrong_rate" in result["by_route"]["policy"]]
    if not rows:
        return []
    lines = ["### Policy answers: right, \"don't know\", confidently wrong", "",
             "*Stated*: the reply states the fact asked for (answerable questions), *of which not sure*: in a "
             "reply that says the bot is not sure, quotes the closest passage and offers a person (the "
             "answerability scorer's middle tier). *Wrong answer*: it answers confidently but misses that fact. "
             "*Don't know*: it says so and offers a person. *Unanswerable declined / not sure*: questions the "
             "store's pages do not answer (price matching, loyalty points, pickup...), answered with \"don't "
             "know\" / with \"not sure\". *Confident wrong*: confident wrong answers plus confident answers to "
             "unanswerable questions, over all policy questions; *not sure, missed*: the same for \"not sure\" "
             "replies. *p95*: seconds per policy answer inside the action-server process (`make bench` measures "
             "the REST turn).", "",
             "| store | mode | stated | of which not sure | wrong answer | don't know | unanswerable declined | "
             "unanswerable not sure | confident wrong | not sure, missed | p95 s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for part, mode, s in rows:
        lines.append(f"| {store_label(part)} | {mode} | {pct(s['with_check']['fact_accuracy'])} of {s['n_graded']} | "
                     f"{pct(s.get('stated_tentatively_rate'))} | "
                     f"{pct(s['answered_wrong_rate'])} | {pct(s['dont_know_rate'])} | "
                     f"{pct(s['unanswerable_declined_rate'])} of {s['policy_unanswerable']} | "
                     f"{pct(s.get('unanswerable_tentative_rate'))} | "
                     f"{pct(s['confident_wrong_rate'])} | {pct(s.get('tentative_wrong_rate'))} | {s['p95_seconds']:.2f} |")
    for part in parts:
        answers = part["answers"]
        if "select" in answers and "off" in answers:
            on, off = (answers[m]["by_route"].get("policy", {}).get("with_check", {}).get("fact_accuracy")
                       for m in ("select", "off"))
            if on is not None and off is not None:
                lines.append(f"- With and without the LLM ({store_label(part)}): policy facts stated {pct(on)} in "
                             f"select mode vs {pct(off)} from the ranked facts alone.")
    return lines + [""]


def page_formats_section(rows: list | None) -> list[str]:
    """Policy answers with the same pages written in other layouts (eval/page_formats.py)."""
    if not rows:
        return []
    lines = ["### Page layouts", "",
             "The same policy pages rewritten mechanically (same words, other markup) and asked the store's policy "
             "questions without the LLM: *bold_faq* = headings as bold lines, *q_and_a* = question headings as "
             "\"Q: ...\" with \"A: \" before the answer and other headings as plain title lines, *wrapped* = "
             "paragraphs hard-wrapped at 72 columns.", "",
             "| store | layout | policy facts stated | don't know | confident wrong |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['store']} | {r['layout']} | {pct(r['stated'])} of {r.get('policy_answerable', '?')} | "
                     f"{pct(r.get('dont_know_rate'))} | {pct(r.get('confident_wrong_rate'))} |")
    return lines + [""]


def answerability_section(part: dict | None) -> list[str]:
    """The answerability scorer, each store judged by a scorer fitted on the other stores (eval/answerability.py)."""
    if not part:
        return []
    lines = ["### Answerability: answer, \"not sure\", or \"don't know\"", "",
             "Every policy question of the fitting stores, ranked by the service and answered from its best passages "
             "without the LLM; label: the answer states the expected fact. Each store is scored by a logistic "
             "regression fitted on the *other* stores only (so these are numbers on a store the scorer never saw), "
             "and compared with the fused ranking score alone as the likelihood (AUC: the chance a right answer "
             f"scores above a wrong one). Tiers: answer from {part['confident']}, \"not sure\" (closest passage "
             f"quoted, a person offered) from {part['tentative']}, else \"don't know\". The scorer the bot uses is "
             f"fitted on all {part['questions']} questions of {', '.join(part['stores'])}.", "",
             "| store | questions | AUC scorer | AUC fused score | stated | stated confidently | confident wrong | "
             "not sure, missed | don't know |", "|---|---|---|---|---|---|---|---|---|"]
    for store, r in part["by_store"].items():
        t = r["tiers"]
        lines.append(f"| {store} | {r['questions']} | {r['auc_scorer']:.3f} | {r['auc_fused_score']:.3f} | "
                     f"{pct(t['stated'])} | {pct(t['stated_confidently'])} | {pct(t['confident_wrong'])} | "
                     f"{pct(t['tentative_wrong'])} | {pct(t['dont_know'])} |")
    return lines + [""]


def typos_section(part: dict | None) -> list[str]:
    """Policy questions with a typo, mended and as typed (eval/typos.py)."""
    if not part:
        return []
    lines = ["### Typos and small talk", "",
             "Each answerable policy question with a typo in one of its longer words (two letters swapped, one "
             "dropped or doubled; fixed seed), answered without the LLM with the typo mended against the shop's "
             "words and as typed; and with a greeting in front and thanks behind (\"Hi, quick question: ... "
             "Thanks!\"), with the small talk trimmed and as sent. *Untouched questions changed*: clean questions "
             "whose words mending changed.", "",
             "| store | questions with a typo | stated, clean | typo as typed | typo mended | small talk as sent | "
             "small talk trimmed | untouched questions changed |", "|---|---|---|---|---|---|---|---|"]
    for r in part["stores"]:
        s = r["stated"]
        lines.append(f"| {r['store']} | {r['with_typos']} | {pct(s['clean'])} | {pct(s['typos_as_typed'])} | "
                     f"{pct(s['typos_mended'])} | {pct(s.get('small_talk_as_sent'))} | "
                     f"{pct(s.get('small_talk_trimmed'))} | {len(r['clean_changed'])} of {r['questions']} |")
    h = part.get("heldout_intents") or {}
    if h:
        shown = "; ".join(f"\"{a}\" -> \"{b}\"" for a, b in h["changed"][:5])
        lines.append(f"\nFrozen held-out intent paraphrases mended against the demo store's words: {len(h['changed'])} of "
                     f"{h['utterances']} changed{': ' + shown if shown else ''}.")
    return lines + [""]


def dialogues_section(part: dict | None) -> list[str]:
    lines = ["## Dialogues", ""]
    if not part:
        return lines + ["Not run.", ""]
    stories = part["stories"]
    if stories.get("available"):
        lines.append(f"- Rasa test stories (`tests/test_stories.yml`): **{stories['passed']} of "
                     f"{stories['stories']}** pass" + (f"; failing: {', '.join(stories['failed'])}" if stories["failed"] else "") + ".")
    else:
        lines.append("- Rasa test stories: no results found.")
    conformance = part["conformance"]
    if conformance.get("available"):
        for split, s in conformance["splits"].items():
            lines.append(f"- tau-bench retail conformance, {split}: **{s['passed']} of {s['tasks']}** tasks pass; "
                         f"writes without a yes: {s['writes_without_yes']} (details: [conformance.md](conformance.md)).")
    else:
        lines.append("- tau-bench conformance: no results found.")
    return lines + [""]


def sentiment_section(part: dict | None) -> list[str]:
    lines = ["## Sentiment of shopper messages", ""]
    if not part:
        return lines + ["Not run (`eval/sentiment.py` needs the vaderSentiment sdist, fetched once online).", ""]
    every, sn = part["sets"]["all"], part["sets"]["all"]["strongly_negative"]
    lines += [f"VADER's compound score against people's ratings of {every['n']} sentences (tweets, Amazon, movie "
              f"and NYT snippets): 3-class accuracy **{pct(every['accuracy'])}** (always-the-commonest-class "
              f"{pct(every['majority_accuracy'])}), macro-F1 {every['macro_f1']:.3f}, Pearson r {every['pearson']:.3f}; "
              "per set: " + ", ".join(f"{name} {pct(s['accuracy'])} (r {s['pearson']:.2f})"
                                      for name, s in part["sets"].items() if name != "all") + ".",
              f"- Strongly negative (score <= {part['threshold_in_code']}, chosen on tweets) against people's "
              f"mean <= -1.5: precision {pct(sn['precision'])}, recall {pct(sn['recall'])} over all sets."]
    for group, g in (part.get("bitext") or {}).items():
        lines.append(f"- Bitext, {group}: one message counts towards the frustration handoff {pct(g['old_rule'])} "
                     f"of the time by words alone, {pct(g['with_sentiment'])} with sentiment.")
    return lines + ["", "Details: [sentiment.md](sentiment.md).", ""]


# -- plots ----------------------------------------------------------------------------------------------
def topics_section(part: dict | None) -> list[str]:
    lines = ["## Topic grouping of unanswered questions (insights page)", ""]
    if not part:
        return lines + ["Not run.", ""]
    tuned = part["chosen_on_tuning_set"]
    lines.append(f"Average-linkage grouping of MiniLM vectors at cosine distance {part['distance']}, chosen on our "
                 f"held-out paraphrases: ARI {tuned['ari']:.3f}, V-measure {tuned['v_measure']:.3f}, purity "
                 f"{pct(tuned['purity'])} ({tuned['groups']} groups for {tuned['topics']} topics).")
    if b := part.get("bitext"):
        lines.append(f"Bitext, held out ({b['questions']} questions, {b['topics']} intents): ARI {b['ari']:.3f}, "
                     f"V-measure {b['v_measure']:.3f}, purity {pct(b['purity'])} ({b['groups']} groups).")
    return lines + ["", "Details: [topics.md](topics.md).", ""]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_retrieval(parts: list[dict], path: Path) -> None:
    plt = _pyplot()
    keys = ["product/canonical", "product/paraphrase", "policy/canonical", "policy/paraphrase"]
    fig, axes = plt.subplots(1, len(parts), figsize=(5.5 * len(parts), 4), squeeze=False)
    for ax, part in zip(axes[0], parts):
        width = 0.2
        for i, k in enumerate((1, 3, 5)):
            values = [part["retrieval"]["bot"].get(key, {}).get(f"recall@{k}", 0) for key in keys]
            ax.bar([x + i * width for x in range(len(keys))], values, width, label=f"recall@{k}")
        ax.set_xticks([x + width for x in range(len(keys))], [k.replace("/", "\n") for k in keys], fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{part['store']} (bot query)")
        ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_answers(parts: list[dict], path: Path) -> None:
    plt = _pyplot()
    labels, acc_on, acc_off, uns_on, uns_off = [], [], [], [], []
    for part in parts:
        for mode, result in part["answers"].items():
            s = result["all"]
            # Catalogue facts are composed without the model (and right every time here): the policy
            # route is where phrasing decides whether the expected fact is stated.
            policy = result["by_route"].get("policy", s)
            labels.append(f"{part['store']}\n{mode}")
            acc_on.append(policy["with_check"]["fact_accuracy"] or 0)
            acc_off.append(policy["without_check"]["fact_accuracy"] or 0)
            uns_on.append(s["with_check"]["unsupported_rate"] or 0)
            uns_off.append(s["without_check"]["unsupported_rate"] or 0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    xs = range(len(labels))
    for ax, on, off, title in ((left, acc_on, acc_off, "policy questions: fact accuracy (higher is better)"),
                               (right, uns_on, uns_off, "replies with unsupported claims (lower is better)")):
        ax.bar([x - 0.2 for x in xs], on, 0.4, label="with grounding check")
        ax.bar([x + 0.2 for x in xs], off, 0.4, label="without (model draft)")
        ax.set_xticks(list(xs), labels, fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_cross_validation(part: dict, path: Path) -> None:
    plt = _pyplot()
    items = lowest(part["f1"], len(part["f1"]))
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set_xlim(0, 1)
    ax.set_xlabel("F1 (held-out folds)")
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- assembly -------------------------------------------------------------------------------------------
def headline(parts: dict) -> list[str]:
    rows = ["| what | result |", "|---|---|"]
    if i := parts.get("intents"):
        served = ""
        if o := i.get("outcomes"):
            served = (f"; top intent right {pct(o['top_right'])}; answered right or asked with the right reading "
                      f"offered {pct(o['direct_right'] + o['clarified_right'])}, answered wrong {pct(o['direct_wrong'])}")
        rows.append(f"| Bitext intents ({i['n']} utterances) | accuracy {pct(i['accuracy'])} (a clarifying question "
                    f"counts as a miss), macro-F1 {i['macro_f1']:.3f}{served} |")
    if i and (h := i.get("heldout")):
        o = h.get("outcomes") or {}
        extra = f"; top intent right {pct(o['top_right'])}, answered wrong {pct(o['direct_wrong'])}" if o else ""
        rows.append(f"| Frozen held-out paraphrases ({h['n']}) | accuracy {pct(h['accuracy'])}, macro-F1 {h['macro_f1']:.3f}{extra} |")
    if cv := parts.get("cross_validation"):
        rows.append(f"| Rasa {cv['folds']}-fold cross-validation | accuracy {pct(cv['accuracy'])}, macro-F1 {cv['macro_f1']:.3f} |")
    for part in parts.get("knowledge", []):
        bot = part["retrieval"]["bot"]["all"]
        rows.append(f"| Retrieval, {store_label(part)} ({bot['n']} questions) | recall@1 {pct(bot['recall@1'])}, "
                    f"recall@5 {pct(bot['recall@5'])}, MRR {bot['mrr']:.3f} |")
        policy = part["retrieval"]["bot"].get("policy/paraphrase")
        if policy:
            rows.append(f"| Policy passage ranked first, {store_label(part)}, paraphrases ({policy['n']}) | "
                        f"recall@1 {pct(policy['recall@1'])} (answering sentence, list or row; 800-character "
                        f"chunks: {pct(part['retrieval'].get('chunks', {}).get('policy/paraphrase', {}).get('recall@1'))}) |")
        for mode, result in part["answers"].items():
            s, routes = result["all"], result["by_route"]
            accuracy = "; ".join(f"{label} stated {pct(routes[route]['with_check']['fact_accuracy'])}"
                                 for route, label in (("fact", "catalogue facts"), ("policy", "policy facts"))
                                 if route in routes)
            policy = routes.get("policy", {})
            honesty = (f"; confident wrong policy answers {pct(policy['confident_wrong_rate'])}"
                       if policy.get("confident_wrong_rate") is not None else "")
            rows.append(f"| Answers, {store_label(part)}, {mode} mode ({s['n']}) | {accuracy}; replies with unsupported "
                        f"claims {pct(s['with_check']['unsupported_rate'])} with the check, "
                        f"{pct(s['without_check']['unsupported_rate'])} without{honesty} |")
    if layouts := parts.get("page_formats"):
        stores = sorted({r["store"] for r in layouts})
        cells = "; ".join(
            f"{store} {pct(next(r['stated'] for r in layouts if r['store'] == store and r['layout'] == 'markdown'))} "
            f"as written, at worst {pct(min(r['stated'] or 0 for r in layouts if r['store'] == store))} rewritten"
            for store in stores)
        rows.append(f"| Policy pages rewritten as FAQs, title lines, wrapped text | policy facts stated: {cells} |")
    if typos := parts.get("typos"):
        cells = "; ".join(f"{r['store']} {pct(r['stated']['typos_as_typed'])} as typed, "
                          f"{pct(r['stated']['typos_mended'])} mended" for r in typos["stores"])
        rows.append(f"| Policy questions with a typo | policy facts stated: {cells} |")
    if d := parts.get("dialogues"):
        if d["stories"].get("available"):
            rows.append(f"| Rasa test stories | {d['stories']['passed']} of {d['stories']['stories']} pass |")
        for split, s in d["conformance"].get("splits", {}).items():
            rows.append(f"| tau-bench conformance, {split} | {s['passed']} of {s['tasks']} tasks pass |")
    return rows


def render(parts: dict, out: Path) -> str:
    knowledge = parts.get("knowledge", [])
    if knowledge:
        plot_retrieval(knowledge, out / "eval_retrieval.png")
        plot_answers(knowledge, out / "eval_answers.png")
    if parts.get("cross_validation"):
        plot_cross_validation(parts["cross_validation"], out / "eval_cross_validation.png")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Evaluation", "",
             f"Generated by `make eval` on {when} ({platform.machine()}, {platform.python_version()}). Data nobody "
             "on this project wrote: Bitext utterances, the tau-bench retail store, its tasks.", ""]
    lines += headline(parts) + [""]
    lines += intents_section(parts.get("intents")) + candidates_section(parts.get("nlu_candidates")) \
        + cross_validation_section(parts.get("cross_validation"))
    if knowledge:
        lines += retrieval_section(knowledge) + answers_section(knowledge)
    else:
        lines += ["## Retrieval and grounded answers", "", "Not run.", ""]
    lines += answerability_section(parts.get("answerability"))
    lines += page_formats_section(parts.get("page_formats")) + typos_section(parts.get("typos"))
    lines += dialogues_section(parts.get("dialogues"))
    lines += sentiment_section(parts.get("sentiment"))
    lines += topics_section(parts.get("topics"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    parts = load_parts(args.out / "parts")
    (args.out / "eval.md").write_text(render(parts, args.out))
    print(f"eval: wrote {args.out / 'eval.md'}")


if __name__ == "__main__":
    main()
