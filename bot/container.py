"""Builds the services once, lazily, from settings. The only place that knows the adapters."""
from __future__ import annotations

import logging
import threading
from functools import cached_property

from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)


class Container:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()

    @cached_property
    def store(self):
        from bot.adapters.store_dir import load_store

        return load_store(self.settings.store_dir)

    @cached_property
    def commerce(self):
        """Customers, orders and the audit log in SQL, seeded from the store directory on first use."""
        from bot.adapters.sql import SqlCommerceStore

        commerce = SqlCommerceStore(self.settings.resolved_database_url())
        commerce.seed_from_store_dir(self.settings.store_dir)  # creates the schema; seeds only an empty database
        return commerce

    @cached_property
    def embeddings(self):
        from bot.adapters.embeddings import build_embeddings, leave_a_core_free

        leave_a_core_free()  # serving: Rasa and llama.cpp run beside the embedder
        return build_embeddings(self.settings.embedding_model)

    @cached_property
    def reader(self):
        """The larger encoder that re-reads policy passages for the ranking (None: `SHOPBOT_READER_MODEL=off`)."""
        from bot.adapters.embeddings import build_reader

        self.embeddings  # noqa: B018 -- leaves a core free first
        try:
            return build_reader(self.settings.reader_model)
        except Exception:  # noqa: BLE001 -- a missing or broken reader: policy answers rank with MiniLM alone
            log.exception("passage reader %r could not be loaded; ranking with MiniLM alone",
                          self.settings.reader_model or "all-mpnet-base-v2")
            return None

    @cached_property
    def retriever(self):
        from bot.adapters.chroma_store import ChromaRetriever, open_vector_store

        settings = self.settings
        index_dir = settings.index_dir / settings.store_key()
        token = settings.internal_secret() if settings.chroma_url else ""
        return ChromaRetriever(open_vector_store(index_dir, self.embeddings, settings.chroma_url, token))

    @cached_property
    def llm(self):
        if not self.settings.llm_enabled:
            return None
        s = self.settings
        if s.llm_url:  # a model server (scripts/model_server.sh) instead of a model in this process
            from bot.adapters.openai_model import OpenAIChatModel

            return OpenAIChatModel(s.llm_url, model=s.llm_model_path, temperature=s.llm_temperature,
                                   token=s.internal_secret(), slots=s.llm_parallel)
        from bot.adapters.llama_cpp_model import LlamaCppChatModel, runs_safely

        model = LlamaCppChatModel(s.llm_model_path, s.llm_n_ctx, s.llm_n_threads, s.llm_n_gpu_layers, s.llm_temperature,
                                  max_wait_s=s.llm_max_wait_s, nice=s.llm_nice)
        if not runs_safely(model.model_path):
            log.error("LLM disabled: replies are composed from the facts (rebuild llama-cpp-python, see README)")
            return None
        return model

    @cached_property
    def metrics(self):
        """Prometheus metrics of this process (queue depth, phrased vs composed replies, turn latency)."""
        from bot.adapters.prometheus_metrics import PrometheusMetrics

        return PrometheusMetrics(self.settings.turn_budget_s)

    @cached_property
    def model_queue(self):
        from bot.services.model_queue import ModelQueue

        queue = ModelQueue(getattr(self.llm, "slots", 1), self.metrics, self.settings.llm_max_wait_s)
        self.metrics.set_slots(queue.slots)
        return queue

    @cached_property
    def phraser(self):
        from bot.services.phrasing import Phraser

        return Phraser(self.llm, self.store.catalogue.names(), self.settings.llm_mode, self.settings.llm_max_tokens,
                       queue=self.model_queue, metrics=self.metrics)

    @cached_property
    def products(self):
        from bot.services.products import ProductAnswers

        return ProductAnswers(self.store.catalogue, self.phraser, self.retriever, self.embeddings,
                              self.settings.relevance_threshold)

    @cached_property
    def knowledge(self):
        from bot.services.knowledge import KnowledgeAnswers

        from bot.adapters.english_words import english_words
        from bot.knowledge.spelling import Speller

        return KnowledgeAnswers(self.retriever, self.phraser, self.products, self.settings.relevance_threshold,
                                self.settings.retrieval_k, speller=Speller(english_words()), reader=self.reader)

    @cached_property
    def support(self):
        from bot.services.support import SupportAnswers

        return SupportAnswers(self.knowledge)

    @cached_property
    def orders(self):
        from bot.adapters.sql.attempts import SqlAttemptLog
        from bot.services.order_desk import OrderDesk
        from bot.services.resemblance import embedding_resemblance

        return OrderDesk(self.commerce, SqlAttemptLog(self.settings.resolved_database_url()),
                         resemble=embedding_resemblance(lambda: self.embeddings))

    @cached_property
    def conversations(self):
        from bot.adapters.sql.conversations import SqlConversationStore

        return SqlConversationStore(self.settings.resolved_database_url())

    @cached_property
    def sentiment(self):
        """Scores shopper messages with VADER's lexicon (read on the first message)."""
        from bot.adapters.vader_sentiment import VaderSentiment

        return VaderSentiment()

    @cached_property
    def chat(self):
        from bot.adapters.rasa_rest import RasaRestAssistant
        from bot.services.conversations import ChatService

        return ChatService(self.conversations, RasaRestAssistant(self.settings.rasa_url, self.settings.internal_secret()),
                           self.settings.handoff_minutes_per_conversation, sentiment=self.sentiment)

    @cached_property
    def insights(self):
        """The shop owner's figures, from the stored conversations (and staff's tags on them)."""
        from bot.adapters.sql.insights import SqlInsightsReader
        from bot.services.insights import InsightsService

        def product_name(product_id: str) -> str | None:
            product = self.store.catalogue.get(product_id)
            return product.name if product else None

        def embed(texts: list[str]) -> list[list[float]]:  # MiniLM, loaded on the first grouping
            return self.embeddings.embed_documents(texts)

        return InsightsService(SqlInsightsReader(self.settings.resolved_database_url()), product_name,
                               score=self.sentiment.score, embed=embed)

    @cached_property
    def staff_summaries(self):
        from bot.services.staff_summary import StaffSummaryWriter

        return StaffSummaryWriter(self.phraser)

    @cached_property
    def upsell(self):
        from bot.services.upsell import UpsellService

        return UpsellService(self.store.catalogue, self.phraser, self.settings.upsell_enabled)

    def warm_up(self) -> None:
        """Load every model now so the first shopper does not wait for it."""
        self.knowledge.policy("warm up")
        self.commerce.is_empty()  # opens (and on first run seeds) the orders database before serving
        if self.llm:
            self.llm.load()
            self.phraser.phrase("policy", "warm up", ["The shop is open."])
            self.phraser.stats.clear()
            self.model_queue.forget()  # the first calls also filled the prompt cache: not what a turn costs


_container: Container | None = None
_lock = threading.Lock()


def get_container() -> Container:
    global _container
    with _lock:
        if _container is None:
            _container = Container()
        return _container


def set_container(container: Container | None) -> None:
    """Tests inject a container built from fakes."""
    global _container
    with _lock:
        _container = container
