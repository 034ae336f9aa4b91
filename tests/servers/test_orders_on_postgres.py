"""The orders database on a real PostgreSQL gives the same canonical dump as on SQLite: seeded from the tau
store, and after each tau conformance dev script is replayed on the order desk (the same shopper lines as
`make conformance`, without Rasa), with the same audit log. Plus what only a server database has: several
processes writing at once (row locks) and starting at once (one of them seeds)."""
from __future__ import annotations

import copy
import shutil
import threading

import pytest
import yaml

from bot.adapters.sql import SqlCommerceStore, canonical_hash
from bot.adapters.sql.attempts import SqlAttemptLog
from bot.domain.orders import Operation, OrderRuleError
from bot.services.order_desk import OrderDesk
from tests import tau_reference
from tests.conformance.runner import SCRIPTS
from tests.conftest import TAU_STORE
from tests.services import test_order_script_replay as replay  # a module: its tests aren't collected twice

DEV_SCRIPTS = yaml.safe_load((SCRIPTS / "dev.yml").read_text()) or []
TEMPLATE_DB = "tau_template"


@pytest.fixture(scope="module")
def templates(servers, tmp_path_factory):
    """The tau store seeded once into a SQLite file and a PostgreSQL template database."""
    sqlite_path = tmp_path_factory.mktemp("orders") / "template.db"
    sqlite = SqlCommerceStore(f"sqlite:///{sqlite_path}")
    sqlite.seed_from_store_dir(TAU_STORE)
    seed = sqlite.dump()
    sqlite.close()
    postgres = SqlCommerceStore(servers.create_database(TEMPLATE_DB))
    assert postgres.seed_from_store_dir(TAU_STORE)
    postgres.close()  # a template database must have no connections when it is copied
    return sqlite_path, seed


def _fresh_postgres(servers, name: str) -> SqlCommerceStore:
    return SqlCommerceStore(servers.create_database(name, template=TEMPLATE_DB))


def _audit(store: SqlCommerceStore) -> list[dict]:
    entries = store.audit_entries()
    for entry in entries:
        assert entry["at"].endswith("+00:00")  # stored and read back in UTC on both databases
    return [{k: v for k, v in entry.items() if k not in ("id", "at")} for entry in entries]


def test_the_seeded_store_dumps_the_same_on_postgresql_and_sqlite(servers, templates):
    sqlite_path, seed = templates
    postgres = _fresh_postgres(servers, "seed_check")
    sqlite = SqlCommerceStore(f"sqlite:///{sqlite_path}")
    try:
        assert postgres.dump() == seed
        assert postgres.dump_hash() == sqlite.dump_hash() == canonical_hash(seed)
        assert postgres.counts() == sqlite.counts()
        assert not postgres.seed_from_store_dir(TAU_STORE)  # already seeded: left alone
    finally:
        postgres.close()
        sqlite.close()
        servers.drop_database("seed_check")


@pytest.mark.parametrize("script", DEV_SCRIPTS, ids=[f"dev-{s['task']}" for s in DEV_SCRIPTS])
def test_a_dev_task_replayed_on_postgresql_leaves_the_same_dump_as_on_sqlite(servers, templates, tmp_path, script):
    sqlite_path, seed = templates
    shutil.copy(sqlite_path, tmp_path / "shop.db")
    database = f"replay_{script['task']}"
    stores = {"sqlite": SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}"),
              "postgresql": _fresh_postgres(servers, database)}
    outcome = {}
    try:
        for name, store in stores.items():
            # Failed identity checks are counted in the same database, as the action server does.
            desk = OrderDesk(store, SqlAttemptLog(store.url))
            transcript = replay.play(desk, script, f"replay-dev-{script['task']}")
            outcome[name] = (transcript, store.dump(), _audit(store))
    finally:
        for store in stores.values():
            store.close()
        servers.drop_database(database)
    (sqlite_transcript, sqlite_dump, sqlite_audit), (pg_transcript, pg_dump, pg_audit) = outcome.values()
    assert pg_transcript == sqlite_transcript
    assert canonical_hash(pg_dump) == canonical_hash(sqlite_dump)
    assert pg_audit == sqlite_audit
    expected = copy.deepcopy(seed)  # and both are what tau-bench's judge expects
    for action in replay.tasks("dev")[script["task"]]["actions"]:
        tau_reference.step(expected, action["name"], action["kwargs"])
    assert pg_dump == expected, pg_transcript


def _pending_order(seed: dict) -> str:
    return next(oid for oid, order in seed["orders"].items() if order["status"] == "pending")


def test_two_processes_cancelling_one_order_at_once_write_it_once(servers, templates):
    """Two stores with engines and in-process locks of their own stand for two action servers: the
    order's row lock lets exactly one cancel through; the other sees it cancelled and is refused."""
    _, seed = templates
    order_id = _pending_order(seed)
    database = "race_cancel"
    first = _fresh_postgres(servers, database)
    second = SqlCommerceStore(first.url)
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def cancel(name: str, store: SqlCommerceStore) -> None:
        start.wait()
        try:
            results[name] = store.apply(Operation("cancel_pending_order",
                                                  {"order_id": order_id, "reason": "no longer needed"}),
                                        "test", f"race-{name}")
        except OrderRuleError as refused:
            results[name] = refused

    try:
        threads = [threading.Thread(target=cancel, args=(name, store)) for name, store in
                   (("a", first), ("b", second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        written = [r for r in results.values() if isinstance(r, dict)]
        refused = [r for r in results.values() if isinstance(r, OrderRuleError)]
        assert (len(written), len(refused)) == (1, 1), results
        assert first.get_order(order_id)["status"] == "cancelled"
        assert len(first.audit_entries()) == 1
        # The refund was written once: the payment history grew by exactly one refund.
        before = seed["orders"][order_id]["payment_history"]
        after = first.get_order(order_id)["payment_history"]
        assert len(after) == 2 * len(before)
    finally:
        first.close()
        second.close()
        servers.drop_database(database)


def test_action_servers_starting_together_on_an_empty_database_seed_it_once(servers, templates):
    _, seed = templates
    database = "race_seed"
    url = servers.create_database(database)
    stores = [SqlCommerceStore(url) for _ in range(3)]
    start = threading.Barrier(len(stores))
    seeded: list[bool] = []
    errors: list[BaseException] = []

    def seed_it(store: SqlCommerceStore) -> None:
        start.wait()
        try:
            seeded.append(store.seed_from_store_dir(TAU_STORE))
        except BaseException as error:  # reported below
            errors.append(error)

    try:
        threads = [threading.Thread(target=seed_it, args=(store,)) for store in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert sorted(seeded) == [False, False, True]
        assert stores[0].dump() == seed
    finally:
        for store in stores:
            store.close()
        servers.drop_database(database)


def test_a_long_conversation_id_is_stored_whole(servers, templates):
    """PostgreSQL enforces column lengths (SQLite does not): Rasa's sender ids go up to 255 characters."""
    _, seed = templates
    order_id = _pending_order(seed)
    database = "long_ids"
    store = _fresh_postgres(servers, database)
    conversation = "c" * 255
    try:
        store.apply(Operation("cancel_pending_order", {"order_id": order_id, "reason": "ordered by mistake"}),
                    "shopper", conversation)
        assert [e["conversation_id"] for e in store.audit_entries(conversation)] == [conversation]
        attempts = SqlAttemptLog(store.url)
        attempts.record_failure(f"conversation:{conversation}", 0.0)
        assert attempts.status(f"conversation:{conversation}")[0] == 1
    finally:
        store.close()
        servers.drop_database(database)
