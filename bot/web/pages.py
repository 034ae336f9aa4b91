"""Template contexts of the demo shop pages, from the store's catalogue. Pure: no I/O."""
from __future__ import annotations


def shop_index(store, shop_name: str) -> dict:
    products = []
    for product in sorted(store.catalogue.products.values(), key=lambda p: p.name):
        prices = [v.price for v in product.variants] or [0.0]
        products.append({
            "product_id": product.product_id, "name": product.name, "url": f"/products/{product.product_id}",
            "min_price": min(prices), "max_price": max(prices),
            "available_count": len(product.available_variants), "variant_count": len(product.variants),
        })
    return {"shop_name": shop_name, "products": products}


def product_page(store, product_id: str, shop_name: str) -> dict | None:
    product = store.catalogue.get(product_id)
    if not product:
        return None
    variants = [{"item_id": v.item_id, "options": dict(v.options), "price": v.price, "available": v.available}
                for v in product.variants]
    return {"shop_name": shop_name, "product": {"product_id": product.product_id, "name": product.name,
                                                "description": product.description, "variants": variants}}
