"""Writes Rasa lookup tables (product names, colours, other option values) from the configured
store, so entity extraction follows the store. Run at train time: python -m bot.knowledge.lookups"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.adapters.store_dir import load_store
from bot.domain.catalogue import Catalogue
from bot.settings import PROJECT_ROOT, get_settings

COLOUR_OPTIONS = {"color", "colour"}


def lookup_tables(catalogue: Catalogue) -> dict[str, list[str]]:
    products, colours, options = set(), set(), set()
    for product in catalogue.products.values():
        name = product.name.lower()
        products.update({name, name + "s" if not name.endswith("s") else name})
        for option, values in product.option_values().items():
            for value in values:
                value = value.lower().strip()
                # Short values ("m", "9") would match inside ordinary words; the action resolves those.
                if len(value) < 3 or re.fullmatch(r"[\d.]+", value):
                    continue
                (colours if option.lower() in COLOUR_OPTIONS else options).add(value)
    options -= products | colours
    return {"product": sorted(products), "color": sorted(colours), "option": sorted(options)}


def render(tables: dict[str, list[str]]) -> str:
    lines = ['version: "3.1"', "# Generated from the store by bot.knowledge.lookups: do not edit.", "nlu:"]
    for name, values in tables.items():
        if values:
            lines += [f"- lookup: {name}", "  examples: |"] + [f"    - {v}" for v in values]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate Rasa lookup tables from the store")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "generated" / "lookups.yml")
    args = parser.parse_args(argv)
    settings = get_settings()
    text = render(lookup_tables(load_store(settings.store_dir).catalogue))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not args.out.exists() or args.out.read_text() != text:  # unchanged file: no retraining
        args.out.write_text(text)
    print(f"lookups: {args.out} from {settings.store_dir}")


if __name__ == "__main__":
    main()
