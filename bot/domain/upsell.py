"""Upsell ranking: which one complementary product to suggest, if any. Pure: no I/O."""
from __future__ import annotations

from dataclasses import dataclass

from bot.domain.catalogue import Catalogue, Product, Variant

# Conversations about these never get a sales suggestion.
NO_UPSELL_INTENTS = frozenset(
    {"complaint", "order_cancel", "order_return", "order_exchange", "order_modify", "human_handoff", "deny"}
)


@dataclass(frozen=True)
class Suggestion:
    product: Product
    variant: Variant  # the cheapest available variant, quoted in the suggestion
    reason: str  # "store" (the shop lists it as a complement) or "orders" (often bought together)


MAX_SUGGESTIONS_PER_CONVERSATION = 2


def upsell_allowed(intents_so_far: list[str], declined: bool, offered_so_far: int = 0, pending: bool = False) -> bool:
    """Never after a complaint, cancellation, return, exchange or a 'no'; never pushy."""
    if declined or pending or offered_so_far >= MAX_SUGGESTIONS_PER_CONVERSATION:
        return False
    return not NO_UPSELL_INTENTS.intersection(intents_so_far)


def rank_complements(catalogue: Catalogue, product: Product, exclude: set[str] = frozenset()) -> list[Suggestion]:
    """Shop-listed complements first (in the shop's order), then products most often bought together."""
    ranked: list[tuple[tuple, Suggestion]] = []
    together = catalogue.bought_together.get(product.product_id, {})
    for pid, other in catalogue.products.items():
        if pid == product.product_id or pid in exclude or not other.available_variants:
            continue
        cheapest = min(other.available_variants, key=lambda v: v.price)
        if pid in product.complements:
            key = (0, product.complements.index(pid), 0)
            ranked.append((key, Suggestion(other, cheapest, "store")))
        elif together.get(pid, 0) >= 2:
            key = (1, -together[pid], other.name)
            ranked.append((key, Suggestion(other, cheapest, "orders")))
    return [s for _, s in sorted(ranked, key=lambda pair: pair[0])]
