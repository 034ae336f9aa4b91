from __future__ import annotations

import os
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
