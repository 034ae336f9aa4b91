"""Loads tau-bench shaped records from the tables, for all rows (dump) or a few ids (one operation).
Whole tables are read with Core selects, which are several times faster than ORM objects here."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.sql.models import (
    Customer,
    Fulfilment,
    Order,
    OrderItem,
    PaymentMethod,
    PaymentTransaction,
    Product,
    Variant,
)
from bot.adapters.sql.records import order_record, product_record, user_record


def load_users(session: Session, user_ids: Collection[str] | None = None, for_update: bool = False) -> dict[str, dict]:
    customers = _rows(session, Customer, Customer.id, user_ids, Customer.position, for_update=for_update)
    methods = _grouped(session, PaymentMethod, PaymentMethod.customer_id, user_ids)
    orders = _grouped(session, Order, Order.customer_id, user_ids, columns=(Order.id, Order.customer_id))
    return {c.id: user_record(c, methods[c.id], [o.id for o in orders[c.id]]) for c in customers}


def load_orders(session: Session, order_ids: Collection[str] | None = None, for_update: bool = False) -> dict[str, dict]:
    orders = _rows(session, Order, Order.id, order_ids, Order.customer_id, Order.position, for_update=for_update)
    items = _grouped(session, OrderItem, OrderItem.order_id, order_ids)
    fulfilments = _grouped(session, Fulfilment, Fulfilment.order_id, order_ids)
    transactions = _grouped(session, PaymentTransaction, PaymentTransaction.order_id, order_ids)
    return {o.id: order_record(o, items[o.id], fulfilments[o.id], transactions[o.id]) for o in orders}


def load_products(session: Session, product_ids: Collection[str] | None = None) -> dict[str, dict]:
    products = _rows(session, Product, Product.id, product_ids, Product.position)
    variants = _grouped(session, Variant, Variant.product_id, product_ids)
    return {p.id: product_record(p, variants[p.id]) for p in products}


def _rows(session, model, key, ids, *order_by, for_update=False):
    query = select(model.__table__).order_by(*order_by)
    if ids is not None:
        query = query.where(key.in_(list(ids)))
    if for_update:  # row locks where the database has them; SQLite serialises writers anyway
        query = query.with_for_update()
    return session.execute(query).all()


def _grouped(session, model, parent_key, parent_ids, columns=None) -> defaultdict[str, list]:
    query = select(*(columns or [model.__table__])).order_by(parent_key, model.position)
    if parent_ids is not None:
        query = query.where(parent_key.in_(list(parent_ids)))
    groups = defaultdict(list)
    for row in session.execute(query):
        groups[getattr(row, parent_key.key)].append(row)
    return groups
