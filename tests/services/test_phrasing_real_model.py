"""The real SmolLM2 GGUF: in process, a generation past its deadline is stopped and the model answers the
next call; behind llama-cpp-python's own server (started here on a free loopback port, as
scripts/model_server.sh does), the select mode's grammar is enforced and the reply is grounded."""
from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from bench.serving import TOKEN, free_port, python_server_cmd, running_server
from bot.adapters.llama_cpp_model import LlamaCppChatModel, default_gguf_path
from bot.adapters.openai_model import OpenAIChatModel
from bot.domain.prompts import build_messages, parse_selection, select_grammar
from bot.ports import ModelBusy
from bot.services.phrasing import Phraser
from bot.services.turns import begin_turn, end_turn

FACTS = ["Refunds are issued within 5 business days after we receive the item.",
         "Items can be returned within 30 days of delivery.", "Gift cards cannot be returned."]
MESSAGES = build_messages("policy", FACTS, "how long does a refund take?", "select")
GRAMMAR = select_grammar(len(FACTS), 3, lead_with_first=True, lead=1)


def test_in_process_generation_stops_at_its_deadline_and_the_model_goes_on():
    model = LlamaCppChatModel(default_gguf_path(), n_threads=1)
    try:
        with pytest.raises(ModelBusy):
            model.complete_by(MESSAGES, None, 64, time.monotonic() - 1)  # already late: stopped at the first piece
        raw = model.complete_by(MESSAGES, GRAMMAR, 96, time.monotonic() + 600)
        assert parse_selection(raw, len(FACTS)) is not None
    finally:
        model.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_in_process_generations_run_at_the_low_priority_asked_for():
    model = LlamaCppChatModel(default_gguf_path(), n_threads=1, nice=19)
    seen = []
    try:
        llama = model.load()
        generate = llama.create_chat_completion

        def watched(*args, **kwargs):
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            return generate(*args, **kwargs)

        llama.create_chat_completion = watched
        assert model.complete(MESSAGES, GRAMMAR, 96) and model.complete_by(MESSAGES, GRAMMAR, 96, time.monotonic() + 600)
    finally:
        model.close()
    assert seen == [19, 19] and os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) != 19


@pytest.fixture(scope="module")
def model_server(tmp_path_factory):
    """llama-cpp-python's server as the bench and scripts/model_server.sh start it."""
    pytest.importorskip("fastapi", reason="llama-cpp-python's server extras are not installed")
    pytest.importorskip("sse_starlette", reason="llama-cpp-python's server extras are not installed")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("model-server") / "server.log"
    with running_server(python_server_cmd(port, default_gguf_path(), 1), url, log, timeout_s=120):
        yield url


def test_the_model_server_enforces_the_select_grammar(model_server):
    model = OpenAIChatModel(model_server, token=TOKEN)
    try:
        for _ in range(2):  # the second call reuses the cached prompt prefix
            raw = model.complete(MESSAGES, GRAMMAR, 96)
            parsed = parse_selection(raw, len(FACTS))
            assert parsed is not None, raw
            assert parsed[1][0] == 1  # ranked task: the grammar makes the reply lead with fact 1
        out = Phraser(model, []).phrase("policy", "how long does a refund take?", FACTS)
        assert out.grounding == "llm" and FACTS[0] in out.text
    finally:
        model.close()


def test_the_model_server_refuses_a_wrong_token_and_the_facts_answer(model_server):
    model = OpenAIChatModel(model_server, token="wrong")
    try:
        token = begin_turn(30.0)
        try:
            out = Phraser(model, []).phrase("policy", "q", FACTS, max_facts=1)
        finally:
            end_turn(token)
        assert (out.text, out.grounding) == (FACTS[0], "replaced")
    finally:
        model.close()


def test_concurrent_replies_through_the_server_are_each_complete(model_server):
    """llama-cpp-python's server cuts a stream short when another request arrives unless it runs with
    --interrupt_requests false (as scripts/model_server.sh starts it); the adapter refuses a cut-off reply."""
    from concurrent.futures import ThreadPoolExecutor

    model = OpenAIChatModel(model_server, token=TOKEN)
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            raws = list(pool.map(lambda _: model.complete(MESSAGES, GRAMMAR, 96), range(3)))
    finally:
        model.close()
    assert all(parse_selection(raw, len(FACTS)) is not None for raw in raws), raws
