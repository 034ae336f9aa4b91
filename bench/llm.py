"""The LLM inside the pipeline (the project's LlamaCppChatModel, as the container builds it) against raw
llama-cpp-python: same GGUF, context, threads, seed, prompt, temperature and token limit; alternating runs."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from bench.turns import _round

TOKEN_COUNTING = "generated text re-tokenized with the model's own tokenizer (no BOS)"


@dataclass
class Run:
    side: str  # "pipeline" or "raw"
    call: str  # "stream" or "grammar"
    total_s: float
    ttft_s: float | None  # first non-empty text piece (stream only)
    last_s: float | None  # last text piece (stream only)
    tokens: int
    chunks: int
    text: str

    @property
    def decode_tps(self) -> float | None:
        """Tokens after the first per second of generation (prompt processing excluded)."""
        if self.ttft_s is None or self.last_s is None or self.tokens < 2 or self.last_s <= self.ttft_s:
            return None
        return (self.tokens - 1) / (self.last_s - self.ttft_s)

    @property
    def end_to_end_tps(self) -> float | None:
        return self.tokens / self.total_s if self.total_s > 0 and self.tokens else None


def timed_stream(pieces: Callable[[], Iterator[str]], side: str, count: Callable[[str], int]) -> Run:
    started = time.perf_counter()
    first = last = None
    parts: list[str] = []
    for piece in pieces():
        if piece:
            now = time.perf_counter() - started
            first = now if first is None else first
            last = now
            parts.append(piece)
    total = time.perf_counter() - started
    text = "".join(parts)
    return Run(side, "stream", total, first, last, count(text), len(parts), text)


def timed_complete(complete: Callable[[], str], side: str, count: Callable[[str], int]) -> Run:
    started = time.perf_counter()
    text = complete()
    total = time.perf_counter() - started
    return Run(side, "grammar", total, None, None, count(text), 0, text)


def summarise_runs(runs: list[Run]) -> dict:
    """Medians per side and call, and the pipeline/raw ratios."""
    out: dict = {}
    for call in ("stream", "grammar"):
        sides = {}
        for side in ("pipeline", "raw"):
            mine = [r for r in runs if r.side == side and r.call == call]
            if not mine:
                continue
            sides[side] = {
                "runs": len(mine),
                "median_total_s": _round(statistics.median(r.total_s for r in mine), 4),
                "median_ttft_s": _median([r.ttft_s for r in mine]),
                "median_decode_tps": _median([r.decode_tps for r in mine], 2),
                "median_end_to_end_tps": _median([r.end_to_end_tps for r in mine], 2),
                "median_tokens": statistics.median(r.tokens for r in mine),
                "median_chunks": statistics.median(r.chunks for r in mine),
                "sample": mine[0].text[:200],
            }
        if len(sides) == 2:
            sides["ratio_pipeline_over_raw"] = {
                key: _ratio(sides["pipeline"][key], sides["raw"][key])
                for key in ("median_total_s", "median_ttft_s", "median_decode_tps", "median_end_to_end_tps")}
        out[call] = sides
    return out


def _median(values: list[float | None], digits: int = 4) -> float | None:
    present = [v for v in values if v is not None]
    return _round(statistics.median(present), digits) if present else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


# Three policy questions: each call's prompt differs from the previous call's in facts and question,
# so, as in production, only the fixed system + few-shot prefix is served from llama.cpp's KV cache.
PROMPT_QUESTIONS = (("what is your return policy?", "policy_returns"),
                    ("can I exchange an item for a different size?", "policy_exchanges"),
                    ("how do I cancel an order?", "policy_cancellation"))


@dataclass(frozen=True)
class Prompt:
    question: str
    facts: list[str]
    messages: list[dict]


def policy_prompts(container, questions=PROMPT_QUESTIONS) -> list[Prompt]:
    """Production prompts for real facts: sentences of the best policy chunks the retriever finds."""
    from bot.domain.prompts import build_messages
    from bot.services.knowledge import TOPICS, passage_sentences

    prompts = []
    for question, intent in questions:
        hits = container.retriever.search(f"{TOPICS[intent]}: {question}", k=container.settings.retrieval_k,
                                          doc_type="policy")
        facts = [s for hit in hits[:2] for s in passage_sentences(hit)][:6]
        if not facts:
            raise RuntimeError("no policy chunks retrieved: is the store ingested?")
        prompts.append(Prompt(question, facts, build_messages("policy", facts, question, container.settings.llm_mode)))
    return prompts


def compare(model, prompts: list[Prompt], max_tokens: int, reps: int) -> dict:
    """Alternates pipeline and raw runs after warming both; both RNGs are re-seeded before every call
    (same seed), so at a given prompt both sides sample the same tokens."""
    from llama_cpp import Llama, LlamaGrammar

    from bot.domain.prompts import select_grammar

    piped = model.load()  # the adapter's own Llama: read its real parameters, don't re-derive them
    seed = model.sampling[0]
    params = {"model_path": piped.model_path, "n_ctx": piped.context_params.n_ctx, "n_threads": piped.n_threads,
              "n_threads_batch": piped.n_threads_batch, "n_gpu_layers": piped.model_params.n_gpu_layers,
              "seed": seed}
    temperature = model.sampling[1]
    raw = Llama(**params, verbose=False)
    usage: dict = {}

    def count(text: str) -> int:
        return len(raw.tokenize(text.encode("utf-8"), add_bos=False, special=False)) if text else 0

    def call(side: str, kind: str, prompt: Prompt) -> Run:
        messages = prompt.messages
        grammar = select_grammar(len(prompt.facts), 3)
        (piped if side == "pipeline" else raw).set_seed(seed)
        if side == "pipeline" and kind == "stream":
            return timed_stream(lambda: model.stream(messages, max_tokens), side, count)
        if side == "pipeline":
            return timed_complete(lambda: model.complete(messages, grammar, max_tokens), side, count)
        if kind == "stream":
            def pieces() -> Iterator[str]:
                for chunk in raw.create_chat_completion(messages=messages, stream=True, temperature=temperature,
                                                        max_tokens=max_tokens):
                    yield chunk["choices"][0]["delta"].get("content") or ""
            return timed_stream(pieces, side, count)

        def complete() -> str:
            out = raw.create_chat_completion(messages=messages, grammar=LlamaGrammar.from_string(grammar, verbose=False),
                                             temperature=temperature, max_tokens=max_tokens)
            usage.setdefault(prompt.question, (out.get("usage") or {}).get("prompt_tokens"))
            return out["choices"][0]["message"]["content"] or ""
        return timed_complete(complete, side, count)

    # Call j of each side uses prompt j mod 3 (stream and grammar calls alternate), so no call finds its
    # whole prompt cached. Warm-up: every prompt once per side, both call kinds.
    sequence = [("stream" if j % 2 == 0 else "grammar", prompts[j % len(prompts)]) for j in range(2 * reps)]
    warm = [("grammar" if j % 2 else "stream", prompts[j % len(prompts)]) for j in range(len(prompts) * 2)]
    runs: list[Run] = []
    try:
        for side in ("pipeline", "raw"):
            for kind, prompt in warm:
                call(side, kind, prompt)
        for j, (kind, prompt) in enumerate(sequence):
            # Alternate which side goes first, so neither always follows the other.
            for side in (("pipeline", "raw") if j % 4 < 2 else ("raw", "pipeline")):
                runs.append(call(side, kind, prompt))
    finally:
        raw.close()
    summary = summarise_runs(runs)
    summary["params"] = {**{k: v for k, v in params.items() if k != "model_path"},
                         "model_file": str(params["model_path"]).rsplit("/", 1)[-1], "temperature": temperature,
                         "max_tokens": max_tokens, "reps": reps, "token_counting": TOKEN_COUNTING}
    summary["prompts"] = [{"question": p.question, "n_facts": len(p.facts), "facts": p.facts,
                           "prompt_tokens": usage.get(p.question)} for p in prompts]
    summary["runs"] = [{"side": r.side, "call": r.call, "total_s": round(r.total_s, 4),
                        "ttft_s": _round(r.ttft_s, 4), "tokens": r.tokens, "chunks": r.chunks} for r in runs]
    return summary
