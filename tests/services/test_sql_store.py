"""The SQL store against the tau-bench oracle: seeding round-trips the store JSON exactly, and the
expected actions of the tau-bench tasks leave the same data in SQL as in tau-bench's own tools."""
from __future__ import annotations

import json
import shutil

import pytest

from bot.adapters.sql import SqlCommerceStore, canonical_hash
from bot.adapters.sql.store import read_store_dir
from bot.domain.orders import WRITE_OPERATIONS, Operation, OrderRuleError
from tests import tau_reference
from tests.conftest import DEMO_STORE, TAU_STORE


def _tasks() -> list:
    if not (TAU_STORE / "tasks_dev.json").exists():
        return []
    dev = json.loads((TAU_STORE / "tasks_dev.json").read_text())
    train = json.loads((TAU_STORE / "tasks_train.json").read_text())[:100]
    return [pytest.param(t, id=f"dev-{i}") for i, t in enumerate(dev)] + \
           [pytest.param(t, id=f"train-{i}") for i, t in enumerate(train)]


@pytest.fixture(scope="module")
def tau_json_text():
    if not (TAU_STORE / "products.json").exists():
        pytest.fail(f"tau-bench retail store not found at {TAU_STORE} (set SHOPBOT_TAU_STORE)")
    return json.dumps(read_store_dir(TAU_STORE))


@pytest.fixture(scope="module")
def tau_template(tmp_path_factory, tau_json_text):
    """The tau store seeded once; each task works on a copy of the file."""
    path = tmp_path_factory.mktemp("tau") / "template.db"
    store = SqlCommerceStore(f"sqlite:///{path}")
    store.seed_from_store_dir(TAU_STORE)
    store.close()
    return path


@pytest.mark.parametrize("store_dir", [TAU_STORE, DEMO_STORE], ids=["tau", "demo"])
def test_seeding_round_trips_the_store_json(tmp_path, store_dir):
    store = SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}")
    assert store.is_empty() is True
    assert store.seed_from_store_dir(store_dir) is True
    assert store.is_empty() is False
    source = read_store_dir(store_dir)
    assert store.dump() == source
    assert store.dump_hash() == canonical_hash(source)  # int balances stay ints, key for key
    assert store.seed_from_store_dir(store_dir) is False  # seeded already: left alone
    assert store.counts()["orders"] == len(source["orders"])


def test_reset_reseeds_from_scratch(tmp_path):
    store = SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}")
    store.seed_from_store_dir(DEMO_STORE)
    order_id = next(o for o, order in read_store_dir(DEMO_STORE)["orders"].items() if order["status"] == "pending")
    store.apply(Operation("cancel_pending_order", {"order_id": order_id, "reason": "no longer needed"}), "test", "c1")
    assert store.seed_from_store_dir(DEMO_STORE, reset=True) is True
    assert store.dump() == read_store_dir(DEMO_STORE)
    assert store.audit_entries() == []


def test_reads_return_tau_shaped_records(tmp_path, tau_json_text):
    store = SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}")
    store.seed_from_store_dir(TAU_STORE)
    source = json.loads(tau_json_text)
    user_id, user = next(iter(source["users"].items()))
    assert store.get_user(user_id) == user
    assert store.find_user_id_by_email(user["email"].upper()) == user_id
    name = user["name"]
    assert store.find_user_id_by_name_zip(name["first_name"].lower(), name["last_name"].upper(),
                                          user["address"]["zip"]) == user_id
    assert store.find_user_id_by_email("nobody@example.com") is None
    assert store.get_order(user["orders"][0]) == source["orders"][user["orders"][0]]
    assert store.get_order("#W0000000") is None
    product = next(iter(source["products"].values()))
    assert store.get_product(product["product_id"]) == product
    assert store.list_product_types() == {p["name"]: pid for pid, p in source["products"].items()}


@pytest.mark.parametrize("task", _tasks())
def test_task_actions_leave_the_same_data_as_tau_bench(tmp_path, tau_template, tau_json_text, task):
    shutil.copy(tau_template, tmp_path / "shop.db")
    store = SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}")
    expected = json.loads(tau_json_text)
    applied = 0
    for action in task["actions"]:
        if action["name"] not in WRITE_OPERATIONS:
            continue  # reads change nothing
        answer = tau_reference.step(expected, action["name"], action["kwargs"])
        try:
            result = store.apply(Operation(action["name"], action["kwargs"]), "tau-task", "task")
        except OrderRuleError as err:
            assert answer.startswith("Error"), f"store refused ({err}) where tau-bench answered {answer[:80]}"
            continue
        assert not answer.startswith("Error"), f"tau-bench answered {answer} where the store applied it"
        assert result == json.loads(answer)
        applied += 1
    dumped = store.dump()
    assert dumped == expected
    assert canonical_hash(dumped) == canonical_hash(expected)  # == alone would let 9 pass for 9.0
    assert len(store.audit_entries("task")) == applied
    store.close()
