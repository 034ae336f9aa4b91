"""The real stack (Rasa + action server with MiniLM, Chroma, SmolLM2 and SQLite) on the tau-bench retail
store, started once per test session, spoken to over the REST channel like any scripted client."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bot.adapters.sql.attempts import AttemptBase
from bot.adapters.sql.conversations import ChatBase
from bot.adapters.sql.store import SqlCommerceStore
from bot.settings import Settings
from tests.conftest import ROOT, TAU_STORE
from tests.serving import served

# Ports of their own (not the 5005/5055 of `make run`); override to run two test stacks side by side.
RASA_PORT = int(os.environ.get("SHOPBOT_E2E_RASA_PORT", "5105"))
ACTIONS_PORT = int(os.environ.get("SHOPBOT_E2E_ACTIONS_PORT", "5155"))
TOKEN = "e2e-internal-token"


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


class Stack:
    """Handles to the running stack: logs, and the shop database it writes to."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.template = tmp / "template.db"
        self.live = tmp / "shop.db"
        self.logs = {name: tmp / f"{name}.log" for name in ("actions", "rasa")}
        self.store = SqlCommerceStore(f"sqlite:///{self.live}")

    def __getitem__(self, name: str) -> Path:
        return self.logs[name]

    COMMANDS = {
        "actions": [sys.executable, "-m", "bot.action_server", "--host", "127.0.0.1", "--port", str(ACTIONS_PORT)],
        "rasa": [str(ROOT / ".venv-rasa/bin/rasa"), "run", "--interface", "127.0.0.1", "--port", str(RASA_PORT),
                 "--enable-api", "--auth-token", TOKEN, "--model", "models", "--credentials", "credentials.yml",
                 "--endpoints", "endpoints.yml"],
    }
    READY = {"actions": f"http://127.0.0.1:{ACTIONS_PORT}/health",
             "rasa": f"http://127.0.0.1:{RASA_PORT}/status?token={TOKEN}"}

    def start(self, name: str) -> None:
        """Start (or restart) one server and wait until it answers; logs are appended across restarts."""
        self.procs = getattr(self, "procs", {})
        proc = subprocess.Popen(self.COMMANDS[name], cwd=ROOT, env=self.env, stdout=self.logs[name].open("a"),
                                stderr=subprocess.STDOUT)
        self.procs[name] = proc
        _wait(self.READY[name], proc, self.logs[name])

    def stop(self, name: str, kill: bool = False) -> None:
        proc = self.procs.get(name)
        if proc and proc.poll() is None:
            proc.kill() if kill else proc.terminate()
            proc.wait(timeout=30)

    def reset_database(self) -> None:
        """Back to the store's seed data, in place (SQLite's backup API copies under the proper locks)."""
        source, target = sqlite3.connect(self.template), sqlite3.connect(self.live)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not (TAU_STORE / "products.json").exists():
        pytest.fail(f"tau-bench retail store not found at {TAU_STORE}")
    stack = Stack(tmp_path_factory.mktemp("stack"))
    seeded = SqlCommerceStore(f"sqlite:///{stack.template}")
    seeded.create_schema()
    seeded.seed_from_store_dir(TAU_STORE)
    # The other tables sharing the database (attempt counts, conversations), so a reset keeps them.
    for base in (AttemptBase, ChatBase):
        base.metadata.create_all(seeded.engine)
    seeded.close()
    shutil.copy(stack.template, stack.live)
    # The project's own credentials.yml and endpoints.yml, filled from the environment as in `make run`.
    stack.env = {**os.environ, "SHOPBOT_STORE_DIR": str(TAU_STORE), "PYTHONPATH": str(ROOT),
                 "SHOPBOT_DATABASE_URL": f"sqlite:///{stack.live}", "RASA_TELEMETRY_ENABLED": "false",
                 "HF_HUB_OFFLINE": "1", "SHOPBOT_INTERNAL_TOKEN": TOKEN, "ACTIONS_PORT": str(ACTIONS_PORT),
                 "SHOPBOT_TRACKER_DB": str(stack.tmp / "tracker.db"), **Settings().rasa_thread_environment()}
    subprocess.run([sys.executable, "-m", "bot.knowledge.ingest"], cwd=ROOT, env=stack.env, check=True)
    stack.start("actions")
    stack.start("rasa")
    try:
        yield stack
    finally:
        stack.stop("rasa")
        stack.stop("actions")
        stack.store.close()


def say(message: str, sender: str = "e2e") -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/webhook", body,
                                     {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200
        return json.loads(response.read())


def run_async(scenario, *args):
    """Run an async scenario (e.g. a socket.io shopper) to completion in a thread with its own event loop:
    Playwright's sync API keeps a loop running in the main thread, so async tests can't share it."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = asyncio.run(scenario(*args))
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def sources(messages: list[dict]) -> list[dict]:
    return [s for m in messages for s in m.get("custom", {}).get("shopbot", {}).get("sources", [])]


def kinds(messages: list[dict]) -> list[str]:
    return [m["custom"]["shopbot"]["kind"] for m in messages if "shopbot" in (m.get("custom") or {})]


ARTIFACTS = ROOT / "var" / "test-artifacts"
STAFF_PASSWORD = "dana-test-password"
CHROMIUM = "/usr/lib/chromium/chromium" if Path("/usr/lib/chromium/chromium").exists() else "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (Playwright can't download browsers here), headless."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def shop(stack):
    """The web app (shop pages, widget, socket.io gateway) in front of the running Rasa, in a thread."""
    from bot.adapters.sql.conversations import SqlConversationStore
    from bot.container import Container
    from bot.settings import Settings
    from bot.web.app import create_app
    from bot.web.staff_users import hash_password

    settings = Settings(store_dir=TAU_STORE, database_url=f"sqlite:///{stack.live}", shop_name="Tau Retail",
                        rasa_url=f"http://127.0.0.1:{RASA_PORT}", handoff_minutes_per_conversation=3,
                        internal_token=TOKEN)
    SqlConversationStore(settings.resolved_database_url()).add_staff("dana", hash_password(STAFF_PASSWORD))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served(create_app(Container(settings))) as url:
        yield url
