"""The shop's catalogue as plain, immutable data (no I/O)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping


@dataclass(frozen=True)
class Variant:
    item_id: str
    options: Mapping[str, str]
    price: float
    available: bool

    def label(self) -> str:
        """Human form of the variant's options, e.g. 'blue, M, cotton'."""
        return ", ".join(str(v) for v in self.options.values())


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    variants: tuple[Variant, ...]
    description: str = ""
    specs: Mapping[str, str] = field(default_factory=dict)
    category: str = ""
    complements: tuple[str, ...] = ()

    @property
    def available_variants(self) -> list[Variant]:
        return [v for v in self.variants if v.available]

    def option_values(self) -> dict[str, list[str]]:
        """Option name -> its distinct values, in first-seen order."""
        values: dict[str, list[str]] = {}
        for variant in self.variants:
            for name, value in variant.options.items():
                seen = values.setdefault(name, [])
                if value not in seen:
                    seen.append(value)
        return values

    def price_range(self, only_available: bool = True) -> tuple[float, float] | None:
        pool = self.available_variants if only_available else list(self.variants)
        if not pool:
            return None
        prices = [v.price for v in pool]
        return min(prices), max(prices)

    def variant(self, item_id: str) -> Variant | None:
        return next((v for v in self.variants if v.item_id == item_id), None)


@dataclass(frozen=True)
class Catalogue:
    products: Mapping[str, Product]
    # product_id -> {other product_id: number of orders containing both}
    bought_together: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def get(self, product_id: str | None) -> Product | None:
        return self.products.get(product_id or "")

    def names(self) -> list[str]:
        return [p.name for p in self.products.values()]

    def find_variant(self, item_id: str) -> tuple[Product, Variant] | None:
        for product in self.products.values():
            variant = product.variant(item_id)
            if variant:
                return product, variant
        return None

    @classmethod
    def from_records(
        cls,
        products: Mapping[str, Mapping],
        descriptions: Mapping[str, Mapping] | None = None,
        orders: Iterable[Mapping] = (),
    ) -> "Catalogue":
        """Build from tau-bench style `products.json` (+ optional descriptions and orders)."""
        descriptions = descriptions or {}
        built = {}
        for pid, raw in products.items():
            extra = descriptions.get(pid, {})
            variants = tuple(
                Variant(
                    item_id=str(v.get("item_id", iid)),
                    options={str(k): str(val) for k, val in (v.get("options") or {}).items()},
                    price=float(v.get("price", 0.0)),
                    available=bool(v.get("available", False)),
                )
                for iid, v in (raw.get("variants") or {}).items()
            )
            built[str(pid)] = Product(
                product_id=str(pid),
                name=str(raw.get("name", pid)),
                variants=variants,
                description=str(extra.get("description", "")),
                specs={str(k): str(v) for k, v in (extra.get("specs") or {}).items()},
                category=str(extra.get("category", "")),
                complements=tuple(str(c) for c in extra.get("complements", ()) if str(c) in products),
            )
        return cls(products=built, bought_together=_co_purchases(orders, built))


def _co_purchases(orders: Iterable[Mapping], products: Mapping[str, Product]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for order in orders:
        ids = {str(i.get("product_id")) for i in order.get("items", ()) if str(i.get("product_id")) in products}
        for a in ids:
            for b in ids - {a}:
                counts.setdefault(a, {})[b] = counts.setdefault(a, {}).get(b, 0) + 1
    return counts


def money(amount: float) -> str:
    return f"${amount:,.2f}"
