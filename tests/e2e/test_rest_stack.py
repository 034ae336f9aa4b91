"""End to end: the real stack (Rasa + action server with MiniLM, Chroma and SmolLM2) on the
tau-bench retail store, spoken to over the REST channel like any scripted client."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, TAU_STORE

RASA_PORT, ACTIONS_PORT = 5105, 5155


def _get(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def _wait(url: str, proc: subprocess.Popen, log: Path, seconds: int = 240) -> None:
    for _ in range(seconds):
        if _get(url):
            return
        if proc.poll() is not None:
            pytest.fail(f"process for {url} exited:\n{log.read_text()[-3000:]}")
        time.sleep(1)
    pytest.fail(f"{url} not up after {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not (TAU_STORE / "products.json").exists():
        pytest.fail(f"tau-bench retail store not found at {TAU_STORE}")
    tmp = tmp_path_factory.mktemp("stack")
    env = {**os.environ, "SHOPBOT_STORE_DIR": str(TAU_STORE), "PYTHONPATH": str(ROOT),
           "RASA_TELEMETRY_ENABLED": "false", "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "bot.knowledge.ingest"], cwd=ROOT, env=env, check=True)
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://localhost:{ACTIONS_PORT}/webhook"\n')
    logs = {name: tmp / f"{name}.log" for name in ("actions", "rasa")}
    actions = subprocess.Popen([sys.executable, "-m", "bot.action_server", "--port", str(ACTIONS_PORT)], cwd=ROOT,
                               env=env, stdout=logs["actions"].open("w"), stderr=subprocess.STDOUT)
    rasa = subprocess.Popen([str(ROOT / ".venv-rasa/bin/rasa"), "run", "--enable-api", "--port", str(RASA_PORT),
                             "--model", "models", "--credentials", "credentials.yml", "--endpoints", str(endpoints)],
                            cwd=ROOT, env=env, stdout=logs["rasa"].open("w"), stderr=subprocess.STDOUT)
    try:
        _wait(f"http://localhost:{ACTIONS_PORT}/health", actions, logs["actions"])
        _wait(f"http://localhost:{RASA_PORT}/status", rasa, logs["rasa"])
        yield logs
    finally:
        for proc in (rasa, actions):
            proc.terminate()
            proc.wait(timeout=30)


def say(message: str, sender: str = "e2e") -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"http://localhost:{RASA_PORT}/webhooks/rest/webhook", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200
        return json.loads(response.read())


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def sources(messages: list[dict]) -> list[dict]:
    return [s for m in messages for s in m.get("custom", {}).get("shopbot", {}).get("sources", [])]


def tau_variant(product_name: str, **options: str) -> tuple[str, dict]:
    products = json.loads((TAU_STORE / "products.json").read_text())
    product = next(p for p in products.values() if p["name"] == product_name)
    matches = [v for v in product["variants"].values() if all(v["options"].get(k) == o for k, o in options.items())]
    assert len(matches) == 1, matches
    return product["product_id"], matches[0]


def test_price_of_a_specific_variant_is_exact_and_cited(stack):
    _, variant = tau_variant("T-Shirt", color="blue", size="M", material="cotton", style="crew neck")
    replies = say("How much is the blue M cotton crew neck t-shirt?", sender="price")
    assert f"${variant['price']:.2f}" in replies[0]["text"]
    assert ("in stock" if variant["available"] else "out of stock") in replies[0]["text"]
    assert {"kind": "variant", "id": variant["item_id"], "title": "T-Shirt", "section": ""} in sources(replies)
    assert variant["item_id"] in replies[0]["text"]  # the visible citation


def test_descriptive_product_question_comes_from_the_catalogue(stack):
    product_id, _ = tau_variant("Office Chair", material="fabric", color="black", armrest="fixed",
                                **{"backrest height": "standard"})
    replies = say("Tell me about the office chair", sender="describe")
    answer = replies[0]["text"]
    assert "Office Chair" in answer and ("fabric" in answer or "in stock" in answer)
    assert any(s["id"] == product_id and s["kind"] == "product" for s in sources(replies))


def test_policy_question_is_answered_from_the_wiki_with_its_section(stack):
    replies = say("How long does a refund take after I cancel an order?", sender="policy")
    policy = [s for s in sources(replies) if s["kind"] == "policy"]
    assert policy and policy[0]["id"] == "wiki.md" and policy[0]["section"]
    assert "5 to 7 business days" in texts(replies) or "refund" in texts(replies).lower()
    assert "Source: Retail agent policy" in replies[0]["text"]


@pytest.mark.parametrize("message", ["", "   ", "x" * 20_000, "\x00\x01\x02\xfe\xff", "😀🎉🔥",
                                     "¿Cuánto cuesta la camiseta azul?", "How much is the helicopter 3000?"])
def test_bad_input_gets_a_polite_reply(stack, message):
    replies = say(message, sender=f"bad-{abs(hash(message))}")
    answer = texts(replies)
    assert answer.strip(), "the shopper must always get a reply"
    assert "Traceback" not in answer and "Exception" not in answer and "Error" not in answer


def test_the_action_server_logged_no_crash(stack):
    assert "Traceback" not in stack["actions"].read_text()
