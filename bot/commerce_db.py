"""Maintenance of the orders database: `python -m bot.commerce_db reset|seed|dump|audit`.

    reset   drop every table, recreate them and seed from the store directory
    seed    create the tables and seed them if the database is empty
    dump    print users, orders and products as tau-bench JSON
    audit   print the audit log (optionally of one conversation), one JSON object a line

--store and --url default to SHOPBOT_STORE_DIR and SHOPBOT_DATABASE_URL (see bot/settings.py).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.adapters.sql import SqlCommerceStore
from bot.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = get_settings()
    store_dir = Path(args.store) if args.store else settings.store_dir
    if args.url:
        url = args.url
    elif args.store:  # the default database belongs to the store it was seeded from
        url = settings.model_copy(update={"store_dir": store_dir}).resolved_database_url()
    else:
        url = settings.resolved_database_url()
    store = SqlCommerceStore(url)
    if args.command in ("reset", "seed"):
        seeded = store.seed_from_store_dir(store_dir, reset=args.command == "reset")
        print(f"{'seeded from ' + str(store_dir) if seeded else 'already seeded, left as it was'}: {url}")
        for table, count in store.counts().items():
            print(f"  {table:<22}{count:>7}")
    elif args.command == "dump":
        json.dump(store.dump(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for entry in store.audit_entries(args.conversation):
            print(json.dumps(entry, ensure_ascii=False))
    store.close()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.commerce_db", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("reset", "seed", "dump", "audit"))
    parser.add_argument("--store", help="store directory (tau-bench retail layout)")
    parser.add_argument("--url", help="SQLAlchemy database URL")
    parser.add_argument("--conversation", help="audit: only this conversation id")
    return parser


if __name__ == "__main__":
    sys.exit(main())
