"""Dialogue pass rates from the runs that already exist: Rasa test stories (`rasa test core` output) and
tau-bench conformance (tests/e2e/test_order_conformance.py). Pure reading; no venv-specific imports.

    python -m eval.dialogues --stories tests/test_stories.yml --story-results var/eval/stories \
        --conformance reports/parts/conformance.json --out reports
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml


def story_names(path: Path) -> list[str]:
    """Names of the stories in a Rasa stories file (Rasa writes a comment-only file when none failed)."""
    data = yaml.safe_load(path.read_text()) if path.exists() else None
    return [s["story"] for s in (data or {}).get("stories", []) or []]


def story_results(stories_file: Path, results_dir: Path) -> dict:
    total = story_names(stories_file)
    if not (results_dir / "story_report.json").exists():
        return {"available": False}
    failed = story_names(results_dir / "failed_test_stories.yml")
    return {"available": True, "stories": len(total), "passed": len(total) - len(failed),
            "failed": [name.split(" (")[0] for name in failed]}


def conformance_results(path: Path) -> dict:
    return {"available": True, "splits": json.loads(path.read_text())} if path.exists() else {"available": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=Path, default=Path("tests/test_stories.yml"))
    parser.add_argument("--story-results", type=Path, required=True)
    parser.add_argument("--conformance", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = {"stories": story_results(args.stories, args.story_results),
              "conformance": conformance_results(args.conformance)}
    (args.out / "parts").mkdir(parents=True, exist_ok=True)
    (args.out / "parts" / "dialogues.json").write_text(json.dumps(result, indent=2))
    print(f"eval: wrote {args.out / 'parts' / 'dialogues.json'}")


if __name__ == "__main__":
    main()
