"""Reads a store directory (tau-bench retail layout) from disk.

    products.json        product types with variants (options, price, available)
    users.json           customers (optional for product questions)
    orders.json          orders (optional; used for "often bought together")
    descriptions.json    optional: {product_id: {description, specs, category, complements}}
    policies/*.md, *.txt policy pages; a store without that folder uses wiki.md (tau-bench)
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bot.domain.catalogue import Catalogue


@dataclass(frozen=True)
class PolicyPage:
    file: str  # path relative to the store directory, the source id of its chunks
    title: str
    text: str


@dataclass(frozen=True)
class StoreData:
    root: Path
    catalogue: Catalogue
    policies: list[PolicyPage]
    users: dict
    orders: dict


class StoreError(Exception):
    """The store directory is missing or malformed; the message says what to fix."""


def _read_json(path: Path, required: bool) -> dict:
    if not path.exists():
        if required:
            raise StoreError(f"{path} is missing: a store directory needs products.json")
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise StoreError(f"{path} is not valid JSON: {err}") from err


def policy_files(root: Path) -> list[Path]:
    folder = root / "policies"
    if folder.is_dir():  # Markdown, or plain text (its headings are found as a FAQ page's are)
        return sorted([*folder.glob("*.md"), *folder.glob("*.txt")])
    return [root / "wiki.md"] if (root / "wiki.md").exists() else []


def _title(path: Path, text: str) -> str:
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return heading.group(1).strip() if heading else path.stem.replace("-", " ").replace("_", " ").title()


def load_store(root: Path) -> StoreData:
    root = Path(root)
    if not root.is_dir():
        raise StoreError(f"store directory {root} does not exist")
    products = _read_json(root / "products.json", required=True)
    orders = _read_json(root / "orders.json", required=False)
    catalogue = Catalogue.from_records(
        products, _read_json(root / "descriptions.json", required=False), orders.values()
    )
    pages = []
    for path in policy_files(root):
        text = path.read_text(encoding="utf-8", errors="replace")  # a page saved in another encoding still loads
        pages.append(PolicyPage(str(path.relative_to(root)), _title(path, text), text))
    return StoreData(root, catalogue, pages, _read_json(root / "users.json", False), orders)
