"""SQL storage of the shop's state (customers, catalogue, orders, audit log)."""
from bot.adapters.sql.store import SqlCommerceStore, canonical_hash

__all__ = ["SqlCommerceStore", "canonical_hash"]
