"""The shop's state in SQL (SQLite by default, any SQLAlchemy URL), seeded from a store directory in
the tau-bench retail layout. Reads return tau-bench shaped dicts; every write goes through
`bot.domain.orders` and is stored in one transaction together with its audit log row."""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.adapters.sql.models import (
    AuditEntry,
    Base,
    Customer,
    Fulfilment,
    Order,
    OrderItem,
    PaymentMethod,
    PaymentTransaction,
    Product,
    Variant,
)
from bot.adapters.sql.reads import load_orders, load_products, load_users
from bot.adapters.sql.records import customer_rows, order_rows, product_rows
from bot.adapters.store_dir import StoreError
from bot.domain.orders import Effect, Operation, apply_operation

_COUNTED = {"customers": Customer, "payment_methods": PaymentMethod, "products": Product, "variants": Variant,
            "orders": Order, "order_items": OrderItem, "fulfilments": Fulfilment,
            "payment_transactions": PaymentTransaction, "audit_log": AuditEntry}


class SqlCommerceStore:
    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        # SQLite cannot lock rows: one writer at a time in this process keeps read-check-write atomic.
        # Across processes (several action servers on PostgreSQL) `apply` locks the order's and the
        # customer's rows (SELECT ... FOR UPDATE), always in that order.
        self._write_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_sql_engine(self.url)
        return self._engine

    def _session(self) -> Session:
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self._sessions()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = self._sessions = None

    # --- schema and seeding -------------------------------------------------------------------------

    def create_schema(self) -> None:
        with schema_lock(self.engine):
            Base.metadata.create_all(self.engine)

    def drop_schema(self) -> None:
        Base.metadata.drop_all(self.engine)

    def is_empty(self) -> bool:
        """True when there is no shop data yet (no schema counts as empty)."""
        if not inspect(self.engine).has_table(Customer.__tablename__):
            return True
        with self._session() as session:
            return not any(session.scalar(select(model.id).limit(1)) for model in (Customer, Product, Order))

    def seed_from_store_dir(self, path: str | Path, reset: bool = False) -> bool:
        """Loads users, orders and products of a store directory; True if it seeded. Without `reset`
        it leaves a store that already has data alone, so it is safe to run at every start."""
        # Several action servers may start at once on one empty PostgreSQL database: one seeds, the
        # others wait for it and then find the data there.
        with schema_lock(self.engine):
            if not reset and not self.is_empty():
                return False
            data = read_store_dir(Path(path))  # before dropping anything: a bad store dir keeps the old data
            if reset:
                self.drop_schema()
            Base.metadata.create_all(self.engine)
            with self._session() as session, session.begin():
                _insert_all(session, data)
        return True

    def counts(self) -> dict[str, int]:
        with self._session() as session:
            return {name: session.scalar(select(func.count()).select_from(model)) for name, model in _COUNTED.items()}

    # --- reads --------------------------------------------------------------------------------------

    def find_user_id_by_email(self, email: str) -> str | None:
        with self._session() as session:
            return session.scalar(select(Customer.id).where(func.lower(Customer.email) == email.strip().lower())
                                  .order_by(Customer.position).limit(1))

    def find_user_id_by_name_zip(self, first_name: str, last_name: str, zip: str) -> str | None:
        query = select(Customer.id).where(func.lower(Customer.first_name) == first_name.strip().lower(),
                                          func.lower(Customer.last_name) == last_name.strip().lower(),
                                          Customer.zip == zip.strip()).order_by(Customer.position)
        with self._session() as session:
            return session.scalars(query).first()

    def find_user_ids_by_name(self, first_name: str, last_name: str) -> list[str]:
        query = select(Customer.id).where(func.lower(Customer.first_name) == first_name.strip().lower(),
                                          func.lower(Customer.last_name) == last_name.strip().lower()) \
            .order_by(Customer.position)  # without an order PostgreSQL returns rows as they lie on disk
        with self._session() as session:
            return list(session.scalars(query))

    def get_user(self, user_id: str) -> dict | None:
        with self._session() as session:
            return load_users(session, [user_id]).get(user_id)

    def get_order(self, order_id: str) -> dict | None:
        with self._session() as session:
            return load_orders(session, [order_id]).get(order_id)

    def get_product(self, product_id: str) -> dict | None:
        with self._session() as session:
            return load_products(session, [product_id]).get(product_id)

    def list_product_types(self) -> dict[str, str]:
        with self._session() as session:
            return dict(session.execute(select(Product.name, Product.id).order_by(Product.position)).all())

    def dump(self) -> dict:
        """Everything in tau-bench's JSON shape: {"users": ..., "orders": ..., "products": ...}."""
        with self._session() as session:
            return {"users": load_users(session), "orders": load_orders(session), "products": load_products(session)}

    def dump_hash(self) -> str:
        return canonical_hash(self.dump())

    # --- writes -------------------------------------------------------------------------------------

    def check(self, op: Operation) -> None:
        """Dry run: raises OrderRuleError where `apply` would; writes nothing."""
        with self._session() as session:
            _evaluate(session, op)  # the session is never committed

    def apply(self, op: Operation, actor: str, conversation_id: str) -> dict:
        """Checks and writes `op` and its audit row in one transaction; returns the changed order (the
        user for modify_user_address). On OrderRuleError nothing is written."""
        with self._write_lock, self._session() as session, session.begin():
            user_id, before, effect = _evaluate(session, op, for_update=True)
            if effect.order is not None:
                _write_order(session, effect.order)
            if effect.user is not None:
                _write_user(session, user_id, effect.user)
            session.add(AuditEntry(at=datetime.now(UTC), actor=actor, conversation_id=conversation_id,
                                   operation=op.name, arguments=op.kwargs,
                                   before=_snapshot(before, effect, user_id), after=_snapshot(effect, effect, user_id)))
        return effect.result

    def audit_entries(self, conversation_id: str | None = None) -> list[dict]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if conversation_id is not None:
            query = query.where(AuditEntry.conversation_id == conversation_id)
        with self._session() as session:
            return [_audit_dict(entry) for entry in session.scalars(query)]


def read_store_dir(root: Path) -> dict:
    """users.json, orders.json and products.json of a store directory (users and orders optional)."""
    if not (root / "products.json").exists():
        raise StoreError(f"{root / 'products.json'} is missing: a store directory needs products.json")
    data = {}
    for name in ("users", "orders", "products"):
        path = root / f"{name}.json"
        try:
            data[name] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except json.JSONDecodeError as err:
            raise StoreError(f"{path} is not valid JSON: {err}") from err
    return data


def canonical_hash(data: dict) -> str:
    """sha256 of canonical JSON (sorted keys, no spaces): equal data, equal hash."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SchemaSessions:
    """Sessions on a database whose tables (one declarative base's) are created on first use."""

    def __init__(self, url: str, metadata):
        self.url = url
        self.metadata = metadata
        self._factory: sessionmaker[Session] | None = None

    def __call__(self) -> Session:
        if self._factory is None:
            engine = create_sql_engine(self.url)
            with schema_lock(engine):
                self.metadata.create_all(engine)
            self._factory = sessionmaker(engine, expire_on_commit=False)
        return self._factory()


def create_sql_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url)
    in_memory = parsed.database in (None, "", ":memory:")
    if not in_memory:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # One shared connection for an in-memory database, or every session would see an empty one.
    engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False}) if in_memory \
        else create_engine(url)
    event.listen(engine, "connect", _enable_foreign_keys)
    return engine


# Any fixed 64-bit number: the PostgreSQL advisory lock that serialises schema creation and seeding.
_SCHEMA_LOCK_KEY = 0x73686F70626F74  # "shopbot"


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Held while tables are created or seeded. On PostgreSQL a session-level advisory lock, so that
    processes starting together don't race on CREATE TABLE or seed twice; SQLite serialises DDL itself."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _SCHEMA_LOCK_KEY})
            connection.commit()


def _enable_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _insert_all(session: Session, data: dict) -> None:
    positions = {oid: i for user in data["users"].values() for i, oid in enumerate(user.get("orders", []))}
    tables: dict[type, list[dict]] = {model: [] for model in
                                      (Customer, PaymentMethod, Product, Variant, Order, OrderItem, Fulfilment,
                                       PaymentTransaction)}
    for i, (user_id, user) in enumerate(data["users"].items()):
        customer, methods = customer_rows(user_id, user, i)
        tables[Customer].append(customer)
        tables[PaymentMethod].extend(methods)
    for i, product in enumerate(data["products"].values()):
        row, variants = product_rows(product, i)
        tables[Product].append(row)
        tables[Variant].extend(variants)
    for i, order in enumerate(data["orders"].values()):
        # An order missing from its user's list goes after the listed ones.
        row, *children = order_rows(order, positions.get(order["order_id"], len(positions) + i))
        tables[Order].append(row)
        for model, rows in zip((OrderItem, Fulfilment, PaymentTransaction), children):
            tables[model].extend(rows)
    for model, rows in tables.items():  # parents first, for the foreign keys
        if rows:
            session.execute(insert(model), rows)


def _evaluate(session: Session, op: Operation, for_update: bool = False) -> tuple[str | None, Effect, Effect]:
    """Loads what `op` touches and applies the rules: (user id, the records as they are, the effect)."""
    order = None
    if op.targets_user:
        user_id = op.kwargs["user_id"]
    else:
        order = load_orders(session, [op.kwargs["order_id"]], for_update=for_update).get(op.kwargs["order_id"])
        user_id = order["user_id"] if order else None
    user = load_users(session, [user_id], for_update=for_update).get(user_id) if user_id else None
    products = load_products(session, {item["product_id"] for item in order["items"]}) if order else {}
    return user_id, Effect(order=order, user=user), apply_operation(op, user, order, products)


def _write_order(session: Session, order: dict) -> None:
    row, *children = order_rows(order, position=0)
    order_id = row.pop("id")
    row.pop("position")  # stays where it was in the user's list
    session.execute(update(Order).where(Order.id == order_id).values(**row))
    for model, rows in zip((OrderItem, Fulfilment, PaymentTransaction), children):
        session.execute(delete(model).where(model.order_id == order_id))
        if rows:
            session.execute(insert(model), rows)


def _write_user(session: Session, user_id: str, user: dict) -> None:
    customer, methods = customer_rows(user_id, user, position=0)
    for model, row in [(Customer, customer), *((PaymentMethod, m) for m in methods)]:
        key = row.pop("id")
        row.pop("position")
        session.execute(update(model).where(model.id == key).values(**row))


def _snapshot(state: Effect, effect: Effect, user_id: str | None) -> dict:
    """`state`'s copies of the records `effect` changes, keyed like the dump: {"orders": {id: ...}, ...}."""
    snapshot = {}
    if effect.order is not None:
        snapshot["orders"] = {effect.order["order_id"]: state.order}
    if effect.user is not None:
        snapshot["users"] = {user_id: state.user}
    return snapshot


def _audit_dict(entry: AuditEntry) -> dict:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)  # SQLite drops the zone
    return {"id": entry.id, "at": at.isoformat(), "actor": entry.actor, "conversation_id": entry.conversation_id,
            "operation": entry.operation, "arguments": entry.arguments, "before": entry.before, "after": entry.after}
