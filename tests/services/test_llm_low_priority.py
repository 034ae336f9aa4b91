"""The in-process model on its low-priority worker: a turn stops waiting at its deadline even while a busy
CPU stretches the prompt's evaluation, and the worker frees the model as soon as the generation ends."""
from __future__ import annotations

import threading
import time

import pytest

from bot.adapters.llama_cpp_model import LlamaCppChatModel
from bot.ports import ModelBusy


class StarvedLlama:
    """llama-cpp-python's streaming call, whose first token waits until the test lets it come."""

    def __init__(self):
        self.first_token = threading.Event()
        self.closed = threading.Event()

    def create_chat_completion(self, messages, grammar, temperature, max_tokens, stream):
        def chunks():
            try:
                assert self.first_token.wait(30), "the test never let the first token come"
                for piece in ("Here", " it", " is"):
                    yield {"choices": [{"delta": {"content": piece}, "finish_reason": None}]}
                yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}
            finally:
                self.closed.set()
        return chunks()

    def close(self):
        pass


def model_with(llama) -> LlamaCppChatModel:
    model = LlamaCppChatModel("unused.gguf", n_threads=1, nice=19)
    model._llama = llama  # loaded: load() hands it out
    return model


def test_the_turn_stops_waiting_at_its_deadline_and_the_worker_frees_the_model():
    llama = StarvedLlama()
    model = model_with(llama)
    try:
        with pytest.raises(ModelBusy, match="no first token by the deadline"):
            model.complete_by([{"role": "user", "content": "hi"}], None, 8, time.monotonic() + 0.2)
        assert not llama.closed.is_set()  # the generation still runs on the worker, holding the model
        llama.first_token.set()
        assert llama.closed.wait(10)  # stopped at its first token: past the deadline
        assert model._lock.acquire(timeout=10)  # and the model is free again
        model._lock.release()
        llama = model._llama = StarvedLlama()
        llama.first_token.set()
        assert model.complete_by([{"role": "user", "content": "hi"}], None, 8, time.monotonic() + 30) == "Here it is"
    finally:
        llama.first_token.set()
        model.close()
