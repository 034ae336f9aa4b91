from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bot.adapters.store_dir import load_store

ROOT = Path(__file__).resolve().parent.parent
DEMO_STORE = ROOT / "knowledge" / "demo_store"
TAU_STORE = Path(os.environ.get("SHOPBOT_TAU_STORE", ROOT.parent / "shared" / "datasets" / "tau_retail"))


@pytest.fixture(scope="session")
def demo_store():
    return load_store(DEMO_STORE)


@pytest.fixture(scope="session")
def tau_store():
    if not (TAU_STORE / "products.json").exists():
        pytest.fail(f"tau-bench retail store not found at {TAU_STORE} (set SHOPBOT_TAU_STORE)")
    return load_store(TAU_STORE)


def run_in_rasa_venv(script: str, *args: str, env: dict[str, str] | None = None) -> dict:
    """Runs `script` with Rasa's venv (code that imports Rasa) and returns the JSON its last line prints."""
    done = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-c", script, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env or {**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
