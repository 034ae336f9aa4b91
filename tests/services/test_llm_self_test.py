"""The LLM self-test runs the real model in a child process, so a broken build cannot crash us."""
from bot.adapters.llama_cpp_model import default_gguf_path, runs_safely


def test_installed_model_passes_the_self_test():
    assert runs_safely(default_gguf_path()) is True


def test_a_model_that_cannot_run_fails_it_without_taking_us_down(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    assert runs_safely(str(broken)) is False
