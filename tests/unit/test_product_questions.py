"""The held-out product question set: deterministic, built from the store, judged by structure."""
from bot.domain.facts import Answer, Source
from eval.product_questions import judge, load_shapes, questions_for_store


def test_shapes_are_many_and_distinct():
    spec = load_shapes()
    shapes = spec["shapes"]
    assert len({s["text"] for s in shapes}) == len(shapes) >= 25
    assert {s["kind"] for s in shapes} == {"variant", "partial", "attribute", "unknown"}


def test_questions_are_deterministic_and_grounded_in_the_store(tau_store):
    first = questions_for_store(tau_store.catalogue, "tau_retail")
    assert first == questions_for_store(tau_store.catalogue, "tau_retail")
    for q in first:
        if q.kind == "variant":
            product = tau_store.catalogue.get(q.gold_product)
            variant = product.variant(q.gold_items[0])
            # every value of the gold version is in the question
            assert all(v.lower() in q.text.lower() for v in variant.options.values()), q.text
        if q.kind == "unknown":
            assert not q.gold_product and not q.gold_items


def test_judge_counts_another_products_facts_as_wrong(tau_store):
    catalogue = tau_store.catalogue
    q = next(q for q in questions_for_store(catalogue, "tau_retail") if q.kind == "variant")
    other = next(p for p in catalogue.products.values() if p.product_id != q.gold_product)
    wrong = Answer("x", "product_fact", [Source("variant", other.variants[0].item_id, other.name)],
                   product_id=other.product_id)
    assert judge(wrong, q, catalogue, q.intent).outcome == "wrong_product"
    product = catalogue.get(q.gold_product)
    variant = product.variant(q.gold_items[0])
    from bot.domain.facts import variant_fact

    fact = variant_fact(product, variant)
    right = Answer(fact.text, "product_fact", [fact.source], product_id=product.product_id)
    assert judge(right, q, catalogue, q.intent).outcome == "right"
    unknown = next(q for q in questions_for_store(catalogue, "tau_retail") if q.kind == "unknown")
    assert judge(Answer("Sorry, we don't sell that.", "not_sold"), unknown, catalogue, "x").outcome == "not_sold"
    assert judge(wrong, unknown, catalogue, "x").outcome == "wrong_product"
