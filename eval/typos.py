"""Policy answers to questions with a typo, or with small talk around them (action-server venv).

    python -m eval.typos --store knowledge/demo_store --store ../shared/datasets/tau_retail \
        --store knowledge/leaf_and_kettle --out reports

Each answerable policy question gets typos of the kinds people make (two neighbouring letters swapped, a
letter dropped, one doubled) in one of its longer words, from a fixed seed, and is answered without the
LLM twice: with the typo mended against the shop's words (bot/knowledge/spelling.py) and as typed. Each
also gets a greeting in front and thanks behind ("Hi, quick question: ... Thanks!"), answered with the
small talk trimmed (bot/knowledge/small_talk.py) and as sent.
Mending must not touch words that are no typos: the share of untouched questions it changes is reported
too, on the policy questions and the frozen held-out intent paraphrases (eval/heldout/intents.yml).
Writes <out>/parts/typos.json for eval/report.py.
"""
from __future__ import annotations

import argparse
import logging
import random
import re
from dataclasses import replace
from pathlib import Path

import yaml

from bot.settings import Settings
from eval.parts import write_part

HELDOUT_INTENTS = Path(__file__).resolve().parent / "heldout" / "intents.yml"
_STOP = frozenset("about after again before being could does doing either every other their there these "
                  "those through under until where which while would should".split())


def with_typo(text: str, rng: random.Random) -> str:
    """`text` with one typo in one of its words of five letters or more (unchanged when it has none)."""
    words = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) >= 5 and w.lower() not in _STOP]
    if not words:
        return text
    word = rng.choice(words)
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(("swap", "drop", "double"))
    typo = {"swap": word[:i] + word[i + 1] + word[i] + word[i + 2:], "drop": word[:i] + word[i + 1:],
            "double": word[:i] + word[i] + word[i:]}[kind]
    return re.sub(rf"\b{word}\b", typo, text, count=1)


GREETINGS = ["Hi there! ", "Hello, quick question: ", "hey ", "Good afternoon, ", "Sorry to trouble you, but ",
             "Hi, I've got a question. ", "hello! could you tell me "]
THANKS = ["", " Thanks!", " thank you", " Cheers.", " thanks in advance :)", " Please let me know.", " ty"]


def with_small_talk(text: str, rng: random.Random) -> str:
    return rng.choice(GREETINGS) + text + rng.choice(THANKS)


def evaluate_store(store_dir: Path, index_dir: Path, variants: int, seed: int) -> dict:
    from bot.adapters.store_dir import load_store
    from bot.knowledge.ingest import ingest
    from bot.services.knowledge import SHOP_WORDS
    from bot.knowledge.spelling import vocabulary
    from eval.answers import EvalContainer, answer
    from eval.questions import policy_questions, question_file_for

    settings = Settings(store_dir=store_dir, index_dir=index_dir, llm_enabled=False)
    ingest(settings, progress=False)
    store = load_store(store_dir)
    questions = [q for q in policy_questions(store, question_file_for(store)) if q.answerable and q.expect]
    rng = random.Random(seed)
    typed = [replace(q, text=t) for q in questions for t in {with_typo(q.text, rng) for _ in range(variants)}
             if t != q.text]
    chatty = [replace(q, text=with_small_talk(q.text, rng)) for q in questions]
    container = EvalContainer(settings)
    knowledge = container.knowledge
    speller = knowledge.speller
    stated = {"clean": share([answer(container, q).correct() for q in questions]),
              "typos_mended": share([answer(container, q).correct() for q in typed]),
              "small_talk_trimmed": share([answer(container, q).correct() for q in chatty])}
    knowledge.speller, knowledge.trim_small_talk = None, False
    stated["typos_as_typed"] = share([answer(container, q).correct() for q in typed])
    stated["small_talk_as_sent"] = share([answer(container, q).correct() for q in chatty])
    hits = container.retriever.search("policy", k=400, doc_type="policy_passage")
    words = vocabulary([*(h.text for h in hits), *SHOP_WORDS])
    changed = [q.text for q in questions if speller.mend_typos(q.text, words) != q.text]
    return {"store": store_dir.resolve().name, "questions": len(questions), "with_typos": len(typed),
            "stated": stated, "clean_changed": changed, "shop_words": words}


def share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def heldout_changes(speller, words) -> dict:
    """Intent paraphrases nobody tuned on, mended against a shop's words: how many would change."""
    utterances = [u for examples in yaml.safe_load(HELDOUT_INTENTS.read_text())["examples"].values() for u in examples]
    changed = [(u, m) for u in utterances if (m := speller.mend_typos(u, words)) != u]
    return {"utterances": len(utterances), "changed": changed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    parser.add_argument("--variants", type=int, default=2, help="typo variants tried per question")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from bot.adapters.english_words import english_words
    from bot.knowledge.spelling import Speller

    results = []
    for store_dir in args.store:
        print(f"eval: policy questions with typos on {store_dir}", flush=True)
        results.append(evaluate_store(store_dir, args.index_dir, args.variants, args.seed))
    heldout = heldout_changes(Speller(english_words()), results[0].pop("shop_words"))
    for r in results:
        r.pop("shop_words", None)
    print(f"eval: wrote {write_part(args.out, 'typos', {'stores': results, 'heldout_intents': heldout})}")


if __name__ == "__main__":
    main()
