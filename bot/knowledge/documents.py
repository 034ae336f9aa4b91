"""Turns a store into LangChain documents with metadata on every chunk. No I/O beyond the loaded store."""
from __future__ import annotations

from langchain_core.documents import Document
from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from bot.adapters.store_dir import PolicyPage, StoreData
from bot.domain.catalogue import Product, money
from bot.knowledge.passages import marked_up, page_passages

PASSAGE = "policy_passage"  # doc_type of the answer-sized policy passages (policy answers search these)


def product_text(product: Product) -> str:
    lines = [f"Product: {product.name}."]
    if product.category:
        lines.append(f"Category: {product.category}.")
    if product.description:
        lines.append(product.description)
    options = "; ".join(f"{k}: {', '.join(v)}" for k, v in product.option_values().items())
    if options:
        lines.append(f"Options: {options}.")
    lines += [f"{k}: {v}." for k, v in product.specs.items()]
    price_range = product.price_range()
    lines.append(
        f"Price: {money(price_range[0])} to {money(price_range[1])}." if price_range else "Currently out of stock."
    )
    return "\n".join(lines)


def product_documents(store: StoreData) -> list[Document]:
    return [
        Document(
            page_content=product_text(p),
            metadata={
                "doc_type": "product",
                "product_id": p.product_id,
                "source": f"products.json#{p.product_id}",
                "section": p.name,
                "title": p.name,
            },
        )
        for p in store.catalogue.products.values()
    ]


def policy_documents(pages: list[PolicyPage], chunk_size: int = 800, chunk_overlap: int = 80) -> list[Document]:
    by_header = MarkdownHeaderTextSplitter(
        headers_to_split_on=[("#" * n, f"h{n}") for n in range(1, 7)], strip_headers=False
    )
    by_size = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    docs = []
    for page in pages:
        for piece in by_size.split_documents(by_header.split_text(marked_up(page.text))):  # FAQ titles too
            headers = [piece.metadata.get(f"h{n}") for n in range(1, 7) if piece.metadata.get(f"h{n}")]
            section = headers[-1] if len(headers) > 1 else (headers[0] if headers else page.title)
            docs.append(
                Document(
                    page_content=piece.page_content,
                    metadata={
                        "doc_type": "policy",
                        "product_id": "",
                        "source": page.file,
                        "section": section,
                        "title": page.title,
                    },
                )
            )
    return docs


def passage_documents(pages: list[PolicyPage]) -> list[Document]:
    """One document per answer-sized passage; it is embedded with its headings, and quoted without them."""
    return [
        Document(
            page_content=p.indexed_text(),
            metadata={
                "doc_type": PASSAGE,
                "product_id": "",
                "source": page.file,
                "section": p.section,
                "title": page.title,
                "text": p.text,
                "raw": p.raw,
                "position": i,
            },
        )
        for page in pages
        for i, p in enumerate(page_passages(page.title, page.text))
    ]


def store_documents(store: StoreData, chunk_size: int = 800, chunk_overlap: int = 80) -> list[Document]:
    """Product and policy chunks (the knowledge fallback searches these)."""
    return product_documents(store) + policy_documents(store.policies, chunk_size, chunk_overlap)


def index_documents(store: StoreData, chunk_size: int = 800, chunk_overlap: int = 80) -> list[Document]:
    """Everything the ingest job indexes: the chunks and the policy passages."""
    return store_documents(store, chunk_size, chunk_overlap) + passage_documents(store.policies)
