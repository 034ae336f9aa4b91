"""Turn latency over REST against a running stack, LLM speed, and peak memory of each process.
Run with the stack up: python -m bench.turns [--n 20]  (make bench does both)."""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bot.chat import send

ROOT = Path(__file__).resolve().parent.parent
FACT_TURNS = ["how much is the blue M rain jacket?", "is the 750ml insulated water bottle in stock?",
              "price of the headlamp with 600 lumens", "what colors does the daypack come in?"]
LLM_TURNS = ["what is your return policy?", "how long does shipping take?", "tell me about the camping tent",
             "is the rain jacket waterproof?"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_turns(url: str, questions: list[str], n: int) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter()
        send(url, f"bench-{time.time_ns()}", questions[i % len(questions)])  # fresh sender: no upsell state
        out.append(time.perf_counter() - started)
    return out


def peak_rss_mb(pid_file: Path) -> float | None:
    try:
        pid = pid_file.read_text().strip()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def llm_speed() -> dict:
    from bot.adapters.llama_cpp_model import LlamaCppChatModel
    from bot.domain.prompts import build_messages

    model = LlamaCppChatModel()
    llama = model.load()
    messages = build_messages("policy", ["Items can be returned within 30 days of delivery."], "how long?", "free")
    llama.create_chat_completion(messages=messages, max_tokens=1)  # warm: prefix now cached
    started = time.perf_counter()
    first = None
    tokens = 0
    for chunk in llama.create_chat_completion(messages=messages, max_tokens=64, temperature=0.0, stream=True):
        if chunk["choices"][0]["delta"].get("content"):
            first = first or time.perf_counter()
            tokens += 1
    total = time.perf_counter() - started
    model.close()
    return {"ttft_s": round((first or started) - started, 3),
            "tokens_per_s": round(tokens / max(1e-6, total - ((first or started) - started)), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    args = parser.parse_args()
    time_turns(args.url, ["hello"], 2)  # warm the Rasa pipeline
    report = {}
    for name, questions in (("product_fact_turn", FACT_TURNS), ("llm_phrased_turn", LLM_TURNS)):
        lat = time_turns(args.url, questions, args.n)
        report[name] = {"p50_s": round(statistics.median(lat), 3), "p95_s": round(percentile(lat, 0.95), 3), "n": len(lat)}
    report["peak_rss_mb"] = {name: peak_rss_mb(ROOT / "var" / "run" / f"{name}.pid") for name in ("rasa", "actions")}
    report["llm_alone"] = llm_speed()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
