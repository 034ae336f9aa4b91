"""Rules and arithmetic of the seven write operations (bot.domain.orders), and the SQL store's
promise around them: a dry run writes nothing, a refused write writes nothing, a write is audited."""
from __future__ import annotations

import copy

import pytest

from bot.adapters.sql import SqlCommerceStore
from bot.adapters.sql.store import read_store_dir
from bot.domain.orders import (
    Operation,
    OrderRuleError,
    apply_operation,
    describe_payment_method,
    price_difference,
)
from tests.conftest import DEMO_STORE

ADDRESS = {"address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX", "country": "USA", "zip": "78701"}
PRODUCTS = {
    "p1": {"name": "T-Shirt", "product_id": "p1", "variants": {
        "i1": {"item_id": "i1", "options": {"size": "M"}, "available": True, "price": 10.0},
        "i2": {"item_id": "i2", "options": {"size": "L"}, "available": True, "price": 12.35},
        "i3": {"item_id": "i3", "options": {"size": "S"}, "available": False, "price": 9.0}}},
    "p2": {"name": "Mug", "product_id": "p2", "variants": {
        "m1": {"item_id": "m1", "options": {"color": "red"}, "available": True, "price": 5.0}}},
}


def make_user(gift_card_balance=20) -> dict:
    return {"name": {"first_name": "Ada", "last_name": "Lane"}, "address": dict(ADDRESS), "email": "ada@example.com",
            "payment_methods": {
                "gift_card_1": {"source": "gift_card", "balance": gift_card_balance, "id": "gift_card_1"},
                "credit_card_1": {"source": "credit_card", "brand": "visa", "last_four": "1234", "id": "credit_card_1"},
                "paypal_1": {"source": "paypal", "id": "paypal_1"}},
            "orders": ["#W1"]}


def make_order(status="pending", paid_with="credit_card_1") -> dict:
    items = [{"name": "T-Shirt", "product_id": "p1", "item_id": "i1", "price": 10.0, "options": {"size": "M"}},
             {"name": "T-Shirt", "product_id": "p1", "item_id": "i1", "price": 10.0, "options": {"size": "M"}},
             {"name": "Mug", "product_id": "p2", "item_id": "m1", "price": 5.0, "options": {"color": "red"}}]
    return {"order_id": "#W1", "user_id": "ada_1", "address": dict(ADDRESS), "items": items, "fulfillments": [],
            "status": status, "payment_history": [{"transaction_type": "payment", "amount": 25.0,
                                                   "payment_method_id": paid_with}]}


def items_op(name, item_ids, new_item_ids, method="credit_card_1"):
    return Operation(name, {"order_id": "#W1", "item_ids": item_ids, "new_item_ids": new_item_ids,
                            "payment_method_id": method})


def run(op, user=None, order=None):
    """apply_operation on copies it then checks were left unchanged."""
    user = make_user() if user is None else user
    order = make_order() if order is None else order
    user_before, order_before = copy.deepcopy(user), copy.deepcopy(order)
    try:
        return apply_operation(op, user, order, PRODUCTS)
    finally:
        assert (user, order) == (user_before, order_before)


CANCEL = Operation("cancel_pending_order", {"order_id": "#W1", "reason": "no longer needed"})


@pytest.mark.parametrize("op, order, user, code", [
    # a delivered order can't be cancelled
    (CANCEL, make_order("delivered"), None, "not_pending"),
    # only tau's two reasons are accepted
    (Operation("cancel_pending_order", {"order_id": "#W1", "reason": "too slow"}), None, None, "invalid_reason"),
    # an order's address can't change once it is processed
    (Operation("modify_pending_order_address", {"order_id": "#W1", **ADDRESS}), make_order("processed"), None,
     "not_pending"),
    # items changed once: the order is no longer plain "pending"
    (Operation("modify_pending_order_payment", {"order_id": "#W1", "payment_method_id": "paypal_1"}),
     make_order("pending (item modified)"), None, "not_pending"),
    # the payment method must be the user's
    (Operation("modify_pending_order_payment", {"order_id": "#W1", "payment_method_id": "paypal_9"}), None, None,
     "payment_method_not_found"),
    # and different from the current one
    (Operation("modify_pending_order_payment", {"order_id": "#W1", "payment_method_id": "credit_card_1"}), None,
     None, "same_payment_method"),
    # a gift card must cover the whole order (20 < 25)
    (Operation("modify_pending_order_payment", {"order_id": "#W1", "payment_method_id": "gift_card_1"}), None,
     None, "insufficient_gift_card_balance"),
    # an item that is not in the order
    (items_op("modify_pending_order_items", ["i9"], ["i2"]), None, None, "item_not_in_order"),
    # duplicates are counted: the order has i1 twice, not three times
    (items_op("modify_pending_order_items", ["i1"] * 3, ["i2"] * 3), None, None, "item_not_in_order"),
    # one new item per old item
    (items_op("modify_pending_order_items", ["i1", "i1"], ["i2"]), None, None, "item_count_mismatch"),
    # a T-shirt can't become a mug
    (items_op("modify_pending_order_items", ["i1"], ["m1"]), None, None, "new_item_wrong_product"),
    # out of stock
    (items_op("modify_pending_order_items", ["i1"], ["i3"]), None, None, "new_item_unavailable"),
    # gift card balance 1 < price difference 2.35
    (items_op("modify_pending_order_items", ["i1"], ["i2"], "gift_card_1"), None, make_user(1),
     "insufficient_gift_card_balance"),
    # returns only for delivered orders
    (Operation("return_delivered_order_items", {"order_id": "#W1", "item_ids": ["i1"],
                                                "payment_method_id": "credit_card_1"}), None, None, "not_delivered"),
    # a refund goes to the original method or a gift card, not to PayPal here
    (Operation("return_delivered_order_items", {"order_id": "#W1", "item_ids": ["i1"], "payment_method_id": "paypal_1"}),
     make_order("delivered"), None, "refund_method_not_allowed"),
    (Operation("return_delivered_order_items", {"order_id": "#W1", "item_ids": ["m1", "m1"],
                                                "payment_method_id": "credit_card_1"}),
     make_order("delivered"), None, "item_not_in_order"),
    # exchanges only for delivered orders, same product, gift card covering the difference
    (items_op("exchange_delivered_order_items", ["i1"], ["i2"]), None, None, "not_delivered"),
    (items_op("exchange_delivered_order_items", ["m1"], ["i2"]), make_order("delivered"), None,
     "new_item_wrong_product"),
    (items_op("exchange_delivered_order_items", ["i1"], ["i2"], "gift_card_1"), make_order("delivered"),
     make_user(2), "insufficient_gift_card_balance"),
])
def test_refused_operations_raise_a_polite_error_and_change_nothing(op, order, user, code):
    with pytest.raises(OrderRuleError) as err:
        run(op, user, order)
    assert err.value.code == code
    message = str(err.value)
    assert message[0].isupper() and message.endswith(".") and "Traceback" not in message and "Error" not in message


def test_status_message_reads_well():
    with pytest.raises(OrderRuleError, match="^That order is already delivered, so it can't be cancelled any more.$"):
        run(CANCEL, order=make_order("delivered"))


def test_missing_records_are_refused():
    with pytest.raises(OrderRuleError) as err:
        apply_operation(CANCEL, make_user(), None, PRODUCTS)
    assert err.value.code == "order_not_found"
    op = Operation("modify_user_address", {"user_id": "nobody", **ADDRESS})
    with pytest.raises(OrderRuleError) as err:
        apply_operation(op, None, None, PRODUCTS)
    assert err.value.code == "user_not_found"


def test_operations_need_tau_names_and_arguments():
    with pytest.raises(ValueError):
        Operation("delete_everything", {})
    with pytest.raises(ValueError):
        Operation("cancel_pending_order", {"order_id": "#W1"})


def test_cancel_refunds_a_gift_card_at_once():
    effect = run(CANCEL, order=make_order(paid_with="gift_card_1"))
    assert effect.order["status"] == "cancelled" and effect.order["cancel_reason"] == "no longer needed"
    assert effect.order["payment_history"][-1] == {"transaction_type": "refund", "amount": 25.0,
                                                   "payment_method_id": "gift_card_1"}
    assert effect.user["payment_methods"]["gift_card_1"]["balance"] == 45.0
    assert effect.result is effect.order


def test_cancel_paid_by_card_leaves_the_user_alone():
    assert run(CANCEL).user is None


def test_modify_payment_moves_gift_card_money_both_ways():
    effect = run(Operation("modify_pending_order_payment", {"order_id": "#W1", "payment_method_id": "gift_card_1"}),
                 user=make_user(30.1))
    assert effect.user["payment_methods"]["gift_card_1"]["balance"] == 5.1  # round(30.1 - 25.0, 2)
    assert [(p["transaction_type"], p["payment_method_id"]) for p in effect.order["payment_history"]] == [
        ("payment", "credit_card_1"), ("payment", "gift_card_1"), ("refund", "credit_card_1")]
    back = run(Operation("modify_pending_order_payment", {"order_id": "#W1", "payment_method_id": "paypal_1"}),
               order=make_order(paid_with="gift_card_1"))
    assert back.user["payment_methods"]["gift_card_1"]["balance"] == 45.0
    assert back.order["status"] == "pending"


def test_modify_items_pays_the_unrounded_difference_like_tau():
    effect = run(items_op("modify_pending_order_items", ["i1", "i1"], ["i2", "i2"], "gift_card_1"))
    difference = (0 + (12.35 - 10.0)) + (12.35 - 10.0)  # summed pair by pair, never rounded
    assert effect.order["payment_history"][-1] == {"transaction_type": "payment", "amount": difference,
                                                   "payment_method_id": "gift_card_1"}
    assert effect.user["payment_methods"]["gift_card_1"]["balance"] == round(20 - difference, 2) == 15.3
    assert [i["item_id"] for i in effect.order["items"]] == ["i2", "i2", "m1"]
    assert effect.order["items"][0]["options"] == {"size": "L"} and effect.order["items"][0]["price"] == 12.35
    assert effect.order["status"] == "pending (item modified)"


def test_modify_items_to_a_cheaper_one_is_a_refund():
    order = make_order()
    order["items"][0].update(item_id="i2", price=12.35, options={"size": "L"})
    effect = run(items_op("modify_pending_order_items", ["i2"], ["i1"], "gift_card_1"), order=order)
    refund = effect.order["payment_history"][-1]
    assert refund["transaction_type"] == "refund" and refund["amount"] == abs(10.0 - 12.35)
    assert effect.user["payment_methods"]["gift_card_1"]["balance"] == 22.35


def test_return_records_sorted_items_and_refund_method():
    op = Operation("return_delivered_order_items", {"order_id": "#W1", "item_ids": ["m1", "i1"],
                                                    "payment_method_id": "gift_card_1"})
    effect = run(op, order=make_order("delivered"))
    assert effect.order["status"] == "return requested"
    assert effect.order["return_items"] == ["i1", "m1"]
    assert effect.order["return_payment_method_id"] == "gift_card_1"
    assert effect.user is None  # the refund happens when the items arrive


def test_exchange_records_a_rounded_difference_and_moves_no_money():
    effect = run(items_op("exchange_delivered_order_items", ["i1"], ["i2"], "gift_card_1"), order=make_order("delivered"))
    assert effect.order["status"] == "exchange requested"
    assert effect.order["exchange_items"] == ["i1"] and effect.order["exchange_new_items"] == ["i2"]
    assert effect.order["exchange_payment_method_id"] == "gift_card_1"
    assert effect.order["exchange_price_difference"] == 2.35
    assert effect.user is None


def test_modify_user_address_returns_the_user():
    new_address = {**ADDRESS, "city": "Dallas"}
    effect = run(Operation("modify_user_address", {"user_id": "ada_1", **new_address}))
    assert effect.order is None and effect.result["address"] == new_address


def test_price_difference_and_payment_method_names():
    assert price_difference(make_order(), ["i1", "i1"], ["i2", "i2"], PRODUCTS) == 4.7
    with pytest.raises(OrderRuleError):
        price_difference(make_order(), ["i1"], ["m1"], PRODUCTS)
    methods = make_user(20)["payment_methods"]
    assert describe_payment_method(methods["gift_card_1"]) == "gift card (balance $20.00)"
    assert describe_payment_method(methods["paypal_1"]) == "PayPal"
    assert describe_payment_method(methods["credit_card_1"]) == "Visa credit card ending 1234"


# --- the SQL store around the rules ------------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    store = SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}")
    store.seed_from_store_dir(DEMO_STORE)
    yield store
    store.close()


def _demo_order(status: str) -> dict:
    return next(o for o in read_store_dir(DEMO_STORE)["orders"].values() if o["status"] == status)


def test_check_writes_nothing(store):
    before = store.dump_hash()
    op = Operation("cancel_pending_order", {"order_id": _demo_order("pending")["order_id"], "reason": "no longer needed"})
    store.check(op)
    with pytest.raises(OrderRuleError):
        store.check(Operation("cancel_pending_order", {"order_id": _demo_order("delivered")["order_id"],
                                                       "reason": "no longer needed"}))
    assert store.dump_hash() == before and store.audit_entries() == []


def test_refused_apply_writes_nothing(store):
    before = store.dump_hash()
    with pytest.raises(OrderRuleError):
        store.apply(Operation("cancel_pending_order", {"order_id": _demo_order("delivered")["order_id"],
                                                       "reason": "no longer needed"}), "bot", "conv-1")
    with pytest.raises(OrderRuleError):
        store.apply(Operation("cancel_pending_order", {"order_id": "#W404", "reason": "no longer needed"}), "bot", "c")
    assert store.dump_hash() == before and store.audit_entries() == []


def test_apply_writes_and_audits_once(store):
    order = _demo_order("pending")
    op = Operation("cancel_pending_order", {"order_id": order["order_id"], "reason": "ordered by mistake"})
    result = store.apply(op, "bot", "conv-1")
    assert result == store.get_order(order["order_id"]) and result["status"] == "cancelled"
    [entry] = store.audit_entries("conv-1")
    assert entry["actor"] == "bot" and entry["operation"] == "cancel_pending_order" and entry["arguments"] == op.kwargs
    assert entry["before"]["orders"] == {order["order_id"]: order}
    assert entry["after"]["orders"] == {order["order_id"]: result}
    assert entry["at"].endswith("+00:00")
    assert store.audit_entries("another conversation") == []


def test_gift_card_refund_is_audited_with_the_user(store):
    orders = read_store_dir(DEMO_STORE)["orders"]
    order = next((o for o in orders.values() if o["status"] == "pending"
                  and o["payment_history"][0]["payment_method_id"].startswith("gift_card")), None)
    if order is None:
        pytest.skip("the demo store has no pending order paid by gift card")
    user_before = store.get_user(order["user_id"])
    store.apply(Operation("cancel_pending_order", {"order_id": order["order_id"], "reason": "no longer needed"}),
                "bot", "conv-2")
    [entry] = store.audit_entries("conv-2")
    assert entry["before"]["users"] == {order["user_id"]: user_before}
    assert entry["after"]["users"] == {order["user_id"]: store.get_user(order["user_id"])}
