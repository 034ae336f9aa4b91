"""Tables of the shop's state: customers and their payment methods, the catalogue, orders, and the
audit log of every write. Lists of the tau-bench JSON keep their order in a `position` column."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Double, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# SQLite ignores lengths; PostgreSQL enforces them (a longer value fails the whole write), MySQL needs them.
Code = String(64)  # ids and short codes
Line = String(255)  # names, address lines, e-mail; conversation ids (Rasa's sender ids are up to 255)


class _Address:
    address1: Mapped[str] = mapped_column(Line)
    address2: Mapped[str] = mapped_column(Line)
    city: Mapped[str] = mapped_column(Line)
    country: Mapped[str] = mapped_column(Line)
    state: Mapped[str] = mapped_column(Line)
    zip: Mapped[str] = mapped_column(Line)


class Customer(_Address, Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(Code, primary_key=True)  # tau's user_id
    position: Mapped[int] = mapped_column(Integer)
    first_name: Mapped[str] = mapped_column(Line)
    last_name: Mapped[str] = mapped_column(Line)
    email: Mapped[str] = mapped_column(Line, index=True)
    extra: Mapped[dict | None] = mapped_column(JSON)  # any further keys of the user record


class PaymentMethod(Base):
    __tablename__ = "payment_methods"
    id: Mapped[str] = mapped_column(Code, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Code)  # gift_card, paypal, credit_card
    brand: Mapped[str | None] = mapped_column(Code)
    last_four: Mapped[str | None] = mapped_column(Code)
    balance: Mapped[float | None] = mapped_column(Double)
    # JSON tells 67 from 67.0 (tau-bench's gift cards start as integers), a REAL column does not.
    balance_is_int: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[dict | None] = mapped_column(JSON)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[str] = mapped_column(Code, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Line, index=True)


class Variant(Base):
    __tablename__ = "variants"
    id: Mapped[str] = mapped_column(Code, primary_key=True)  # tau's item_id
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict] = mapped_column(JSON)
    available: Mapped[bool] = mapped_column(Boolean)
    price: Mapped[float] = mapped_column(Double)


class Order(_Address, Base):
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(Code, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # in the customer's list of orders
    status: Mapped[str] = mapped_column(Code)
    # Set by the write operations; null until then.
    cancel_reason: Mapped[str | None] = mapped_column(Code)
    return_items: Mapped[list | None] = mapped_column(JSON)
    return_payment_method_id: Mapped[str | None] = mapped_column(Code)
    exchange_items: Mapped[list | None] = mapped_column(JSON)
    exchange_new_items: Mapped[list | None] = mapped_column(JSON)
    exchange_payment_method_id: Mapped[str | None] = mapped_column(Code)
    exchange_price_difference: Mapped[float | None] = mapped_column(Double)
    extra: Mapped[dict | None] = mapped_column(JSON)


# Items, fulfilments and transactions are records of what happened, so they copy names, prices and
# payment method ids instead of referring to today's catalogue or wallet.
class OrderItem(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Line)
    product_id: Mapped[str] = mapped_column(Code)
    item_id: Mapped[str] = mapped_column(Code)
    price: Mapped[float] = mapped_column(Double)
    options: Mapped[dict] = mapped_column(JSON)


class Fulfilment(Base):
    __tablename__ = "fulfilments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    tracking_ids: Mapped[list] = mapped_column(JSON)
    item_ids: Mapped[list] = mapped_column(JSON)


class PaymentTransaction(Base):
    __tablename__ = "payment_transactions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    transaction_type: Mapped[str] = mapped_column(Code)  # payment, refund
    amount: Mapped[float] = mapped_column(Double)
    payment_method_id: Mapped[str] = mapped_column(Code)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # UTC
    actor: Mapped[str] = mapped_column(Line)
    conversation_id: Mapped[str] = mapped_column(Line, index=True)
    operation: Mapped[str] = mapped_column(Code)
    arguments: Mapped[dict] = mapped_column(JSON)
    before: Mapped[dict] = mapped_column(JSON)  # {"order": {...}, "user": {...}}: the records it touched
    after: Mapped[dict] = mapped_column(JSON)
