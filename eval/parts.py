"""Where each evaluation step leaves its numbers for eval/report.py: <out>/parts/<name>.json."""
from __future__ import annotations

import json
from pathlib import Path


def write_part(out: Path, name: str, data) -> Path:
    parts = out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    path = parts / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    return path
