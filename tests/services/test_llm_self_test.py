"""The LLM self-test runs the real model in a child process, so a broken build cannot crash us."""
from bot.adapters.llama_cpp_model import default_gguf_path, runs_safely


def test_installed_model_passes_the_self_test():
    assert runs_safely(default_gguf_path()) is True


def test_a_model_that_cannot_run_fails_it_without_taking_us_down(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    assert runs_safely(str(broken)) is False


def test_a_reply_does_not_wait_longer_than_allowed_for_a_busy_model():
    import time

    import pytest

    from bot.adapters.llama_cpp_model import LlamaCppChatModel
    from bot.ports import ModelBusy

    model = LlamaCppChatModel(default_gguf_path(), max_wait_s=0.2)
    model._llama = object()  # loaded; another shopper's generation holds the lock below
    with model._lock:
        started = time.perf_counter()
        with pytest.raises(ModelBusy):
            model.complete([{"role": "user", "content": "hi"}], None, 4)
    assert time.perf_counter() - started < 5
