"""Do policy answers survive the way a shop writes its pages? (action-server venv)

    python -m eval.page_formats --store knowledge/leaf_and_kettle --store knowledge/demo_store --out reports

Shops paste their policies from wherever they keep them: FAQ pages with bold questions or "Q:" / "A:"
lines, titles without Markdown marks (a plain line of its own), paragraphs hard-wrapped at 72 columns. Each store's pages are
rewritten mechanically into each of those layouts (same words, other markup), ingested into an index of
their own, and asked the store's policy questions without the LLM (the ranked facts alone). Writes
<out>/parts/page_formats.json for eval/report.py.
"""
from __future__ import annotations

import argparse
import logging
import re
import shutil
import textwrap
from pathlib import Path

from bot.settings import Settings
from eval.parts import write_part

_HEADING = re.compile(r"^(#{2,6})\s+(.*?)\s*#*\s*$")
_PLAIN_LINE = re.compile(r"^(?![#|>\s]|[-*+]\s|\d+\.\s)\S")


def as_bold_faq(text: str) -> str:
    """Every heading below the page title becomes a bold line: "**Return Window**"."""
    return "\n".join(f"**{m.group(2)}**" if (m := _HEADING.match(line)) else line for line in text.splitlines())


def as_plain_titles(text: str) -> str:
    """Every heading below the page title becomes a plain line of its own: "Return Window"."""
    return "\n".join(m.group(2) if (m := _HEADING.match(line)) else line for line in text.splitlines())


def as_q_and_a(text: str) -> str:
    """Question headings become "Q: ..." with "A: " before the answer; other headings bold lines."""
    out: list[str] = []
    answer_next = False
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            name = heading.group(2)
            answer_next = name.rstrip().endswith("?")
            out.append(f"Q: {name}" if answer_next else f"**{name}**")
            continue
        if answer_next and line.strip():
            out.append(f"A: {line}" if _PLAIN_LINE.match(line) else line)
            answer_next = False
            continue
        out.append(line)
    return "\n".join(out)


def as_wrapped(text: str, width: int = 72) -> str:
    """Paragraphs hard-wrapped at `width` columns (list items, tables and headings left as they are)."""
    out: list[str] = []
    for line in text.splitlines():
        out += textwrap.wrap(line, width) if _PLAIN_LINE.match(line) and len(line) > width else [line]
    return "\n".join(out)


LAYOUTS = {
    "markdown": lambda text: text,  # as written
    "bold_faq": as_bold_faq,
    "q_and_a": as_q_and_a,
    "plain_titles": as_plain_titles,
    "wrapped": as_wrapped,
}


def rewrite_store(store_dir: Path, target: Path, layout: str) -> Path:
    """A copy of the store whose policy pages are in `layout` (catalogue and orders as they are)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(store_dir, target, ignore=shutil.ignore_patterns("policies"))
    (target / "policies").mkdir()
    for page in sorted((store_dir / "policies").glob("*.md")):
        (target / "policies" / page.name).write_text(LAYOUTS[layout](page.read_text()))
    return target


def evaluate_layout(store_dir: Path, work: Path, layout: str) -> dict:
    from bot.knowledge.ingest import ingest
    from bot.adapters.store_dir import load_store
    from eval.answers import EvalContainer, answer, honesty
    from eval.questions import policy_questions, question_file_for

    root = rewrite_store(store_dir, work / "stores" / f"{store_dir.resolve().name}-{layout}", layout)
    settings = Settings(store_dir=root, index_dir=work / "index", llm_enabled=False)
    ingest(settings, progress=False)
    questions = policy_questions(load_store(root), question_file_for(load_store(store_dir)))
    container = EvalContainer(settings)
    outcomes = [answer(container, q) for q in questions]
    graded = [o for o in outcomes if o.question.answerable and o.question.expect]
    stated = sum(o.correct() for o in graded) / len(graded) if graded else None
    missed = [o.question.text for o in graded if not o.correct()]
    return {"layout": layout, "stated": stated, "missed": missed, **honesty(outcomes)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, default=Path("var/page-formats"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    results = []
    for store_dir in args.store:
        for layout in LAYOUTS:
            print(f"eval: policy answers on {store_dir} written as {layout}", flush=True)
            results.append({"store": store_dir.resolve().name, **evaluate_layout(store_dir, args.work_dir, layout)})
    print(f"eval: wrote {write_part(args.out, 'page_formats', results)}")


if __name__ == "__main__":
    main()
