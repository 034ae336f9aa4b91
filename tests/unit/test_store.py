import json

import pytest

from bot.adapters.store_dir import StoreError, load_store
from bot.knowledge.documents import store_documents
from bot.knowledge.lookups import lookup_tables


def test_demo_store_is_complete(demo_store):
    catalogue = demo_store.catalogue
    assert len(catalogue.products) >= 30
    assert all(p.variants and p.description and p.specs for p in catalogue.products.values())
    titles = " ".join(p.title.lower() for p in demo_store.policies)
    for topic in ("shipping", "return", "exchange", "cancel", "warranty", "payment", "privacy"):
        assert topic in titles


def test_tau_store_uses_wiki_as_policy(tau_store):
    assert [p.file for p in tau_store.policies] == ["wiki.md"]
    assert len(tau_store.catalogue.products) == 50
    assert tau_store.catalogue.bought_together  # co-purchases from orders.json


def test_every_chunk_has_metadata(demo_store, tau_store):
    for store in (demo_store, tau_store):
        for doc in store_documents(store):
            meta = doc.metadata
            assert meta["doc_type"] in {"product", "policy"} and meta["source"] and meta["section"]
            assert meta["product_id"] or meta["doc_type"] == "policy"


def test_missing_or_broken_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        load_store(tmp_path / "nope")
    (tmp_path / "products.json").write_text("{broken")
    with pytest.raises(StoreError, match="not valid JSON"):
        load_store(tmp_path)


def test_lookup_tables_come_from_the_store(tmp_path):
    products = {"1": {"name": "Kayak Paddle", "variants": {"9": {"options": {"color": "teal", "size": "M",
                                                                               "blade": "carbon"},
                                                                   "available": True, "price": 80}}}}
    (tmp_path / "products.json").write_text(json.dumps(products))
    tables = lookup_tables(load_store(tmp_path).catalogue)
    assert "kayak paddle" in tables["product"] and tables["color"] == ["teal"]
    assert tables["option"] == ["carbon"]  # "M" is too short for a regex lookup


def test_plain_text_pages_and_pages_in_another_encoding_load(tmp_path):
    (tmp_path / "products.json").write_text("{}")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "returns.txt").write_text("Return window\nYou have 30 days to send things back.\n")
    (tmp_path / "policies" / "shipping.md").write_bytes("# Shipping\n\nWe ship to Montr\xe9al too.\n".encode("latin-1"))
    store = load_store(tmp_path)
    assert [p.file for p in store.policies] == ["policies/returns.txt", "policies/shipping.md"]
    assert store.policies[0].title == "Returns" and "Montr" in store.policies[1].text
