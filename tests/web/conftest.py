"""The web app served by uvicorn in a thread, with a fake assistant (no Rasa) and a SQLite file."""
from __future__ import annotations

import pytest

from bot.adapters.sql.conversations import SqlConversationStore
from bot.container import Container
from bot.services.conversations import ChatService
from bot.settings import Settings
from bot.web.app import create_app
from tests.conftest import DEMO_STORE
from tests.fakes import EchoAssistant
from tests.serving import served


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
