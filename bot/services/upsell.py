"""At most one complementary product after a product answer, phrased like any grounded answer."""
from __future__ import annotations

from bot.domain.catalogue import Catalogue
from bot.domain.facts import Answer, Fact, product_source, variant_fact
from bot.domain.prompts import without_opener
from bot.domain.upsell import rank_complements, upsell_allowed
from bot.services.phrasing import Phraser


class UpsellService:
    def __init__(self, catalogue: Catalogue, phraser: Phraser, enabled: bool = True):
        self.catalogue = catalogue
        self.phraser = phraser
        self.enabled = enabled

    def suggest(self, product_id: str | None, intents_so_far: list[str], declined: bool,
                already_offered: set[str] = frozenset(), pending: bool = False) -> Answer | None:
        product = self.catalogue.get(product_id)
        allowed = upsell_allowed(intents_so_far, declined, len(already_offered), pending)
        if not (self.enabled and product and allowed):
            return None
        ranked = rank_complements(self.catalogue, product, exclude=set(already_offered) | {product.product_id})
        if not ranked:
            return None
        pick = ranked[0]
        facts = [variant_fact(pick.product, pick.variant)]
        if pick.product.description:
            facts.insert(0, Fact(pick.product.description.split(". ")[0].rstrip(".") + ".", product_source(pick.product)))
        phrased = self.phraser.phrase("upsell", f"What goes well with the {product.name}?",
                                      [f.text for f in facts], max_facts=2)
        # The suggestion has its own lead-in; an opener such as "Good question!" after it reads oddly.
        body = without_opener(phrased.text)
        text = f"You might also like the {pick.product.name}. {body} Would you like to hear more about it?"
        sources = [product_source(pick.product), facts[-1].source]
        return Answer(text, "upsell", sources, product_id=pick.product.product_id, grounding=phrased.grounding)
