"""Which Chroma the knowledge index lives in: on disk, or a Chroma server named by SHOPBOT_CHROMA_URL, each
with its own ingest record manager."""
from __future__ import annotations

from pathlib import Path

import chromadb
import pytest

from bot.adapters import chroma_store
from bot.adapters.chroma_store import ChromaServer, open_vector_store, server_collection
from bot.knowledge.ingest import forget_if_emptied, record_manager


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:5603", ChromaServer("127.0.0.1", 5603, False)),
    ("  http://127.0.0.1:5603/ ", ChromaServer("127.0.0.1", 5603, False)),  # spaces, a trailing slash
    ("https://chroma.internal", ChromaServer("chroma.internal", 443, True)),  # the scheme's own port
    ("http://Chroma.Internal:8000", ChromaServer("chroma.internal", 8000, False)),
    ("http://[::1]:5603", ChromaServer("::1", 5603, False)),
])
def test_a_server_url_names_host_port_and_tls(url, expected):
    assert ChromaServer.parse(url) == expected


@pytest.mark.parametrize("url", [
    "127.0.0.1:5603",  # no scheme
    "ftp://127.0.0.1:5603",
    "http://:5603",  # no host
    "http://127.0.0.1:99999",  # port out of range
    "http://127.0.0.1:port",
    "http://127.0.0.1:5603/api/v2",  # a path: the client adds its own
    "http://127.0.0.1:5603?tenant=x",
    "http://user:secret@127.0.0.1:5603",  # the token travels as a header, not in the URL
])
def test_anything_else_is_refused_with_the_url_named(url):
    with pytest.raises(ValueError, match="Chroma URL"):
        ChromaServer.parse(url)


def test_a_server_key_is_a_safe_file_name():
    assert ChromaServer.parse("http://127.0.0.1:5603").key() == "127.0.0.1_5603"
    assert ChromaServer.parse("http://[::1]:5603").key() == "__1_5603"


class RecordedClients:
    """chromadb.HttpClient standing in: records how it was built, makes no connection."""

    def __init__(self):
        self.calls: list[dict] = []
        self.client = chromadb.EphemeralClient()

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.client

    def collections(self) -> set[str]:
        return {c.name for c in self.client.list_collections()}


@pytest.fixture
def http_clients(monkeypatch):
    clients = RecordedClients()
    monkeypatch.setattr(chromadb, "HttpClient", clients)
    return clients


def test_a_url_opens_the_server_with_the_token_and_leaves_the_disk_alone(tmp_path, http_clients):
    open_vector_store(tmp_path / "demo_store_6b7b7161", embeddings=None, chroma_url="https://chroma.internal:8443",
                      token="t0k")
    (call,) = http_clients.calls
    assert (call["host"], call["port"], call["ssl"]) == ("chroma.internal", 8443, True)
    assert call["headers"] == {"Authorization": "Bearer t0k"}
    assert "shop_knowledge-demo_store_6b7b7161" in http_clients.collections()
    assert not (tmp_path / "demo_store_6b7b7161").exists()


@pytest.mark.parametrize("folder, name", [
    ("demo_store_6b7b7161", "shop_knowledge-demo_store_6b7b7161"),
    ("tau retail.x_20135569", "shop_knowledge-tau_retail_x_20135569"),  # only letters, digits, _ and -
    ("", "shop_knowledge-default"),
])
def test_each_store_has_its_own_collection_on_a_server(folder, name):
    assert server_collection(Path("/var/index") / folder if folder else Path("/")) == name


def test_no_url_opens_the_collection_on_disk(tmp_path, http_clients):
    store = open_vector_store(tmp_path / "index", embeddings=None, chroma_url="")
    assert http_clients.calls == []
    assert (tmp_path / "index" / "chroma").is_dir()
    assert chroma_store.is_empty(store)


def test_the_container_passes_the_configured_url_and_internal_token(tmp_path, http_clients):
    from bot.container import Container
    from bot.settings import Settings

    settings = Settings(chroma_url="http://127.0.0.1:5603", internal_token="configured-token", index_dir=tmp_path)
    container = Container(settings)
    container.__dict__["embeddings"] = None  # no model needed to open the collection
    container.retriever  # noqa: B018 - building it opens the client
    (call,) = http_clients.calls
    assert (call["host"], call["port"], call["headers"]) == ("127.0.0.1", 5603,
                                                              {"Authorization": "Bearer configured-token"})


def test_each_target_keeps_its_own_record_manager(tmp_path):
    on_disk = record_manager(tmp_path, "")
    on_server = record_manager(tmp_path, "http://127.0.0.1:5603")
    on_disk.update(["chunk-a"])
    assert on_server.list_keys() == []
    assert sorted(p.name for p in tmp_path.glob("records*.sqlite")) == ["records-127.0.0.1_5603.sqlite",
                                                                       "records.sqlite"]


class StoreHolding:
    def __init__(self, ids: list[str]):
        self.ids = ids

    def get(self, limit=None, include=None):
        return {"ids": self.ids[:limit]}


def test_records_of_an_emptied_collection_are_forgotten_so_everything_is_indexed_again(tmp_path):
    records = record_manager(tmp_path, "http://127.0.0.1:5603")
    records.update([f"chunk-{i}" for i in range(1500)])  # more than one batch of keys
    forget_if_emptied(records, StoreHolding(["chunk-0"]))
    assert len(records.list_keys()) == 1500  # the collection still holds chunks: the records stay
    forget_if_emptied(records, StoreHolding([]))  # a fresh server, or its data removed
    assert records.list_keys() == []
