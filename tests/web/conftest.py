"""The web app served by uvicorn in a thread, with a fake assistant (no Rasa) and a SQLite file."""
from __future__ import annotations

import pytest

from bot.adapters.sql.conversations import SqlConversationStore
from bot.container import Container
from bot.services.conversations import ChatService
from bot.settings import Settings
from bot.web.app import create_app
from tests.conftest import DEMO_STORE
from tests.serving import served


class EchoAssistant:
    """Answers every message with a fixed shape, records calls."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    async def reply(self, sender_id, text):
        self.calls.append((sender_id, text))
        return [{"text": f"You said: {text}\n(Source: Test page)", "buttons": [{"title": "Yes", "payload": "/affirm"}],
                 "metadata": {"kind": "test", "sources": [{"kind": "policy", "id": "t", "title": "Test page",
                                                           "section": ""}]}}]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    settings = Settings(store_dir=DEMO_STORE, database_url=f"sqlite:///{tmp / 'shop.db'}", shop_name="Test Shop",
                        llm_enabled=False)
    container = Container(settings)
    assistant = EchoAssistant()
    container.__dict__["chat"] = ChatService(SqlConversationStore(settings.resolved_database_url()), assistant)
    with served(create_app(container)) as url:
        yield {"url": url, "assistant": assistant, "container": container}
