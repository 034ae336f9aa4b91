"""Real PostgreSQL and Redis (no mocks), started by scripts/servers.sh on free loopback ports into a
throwaway folder, once per test session, and stopped afterwards even when a test fails.

Without the server binaries the tests are skipped with the reason, except under CI (CI=true), where the
setup installs them (`make test-servers` runs scripts/install_servers.sh first): there they fail."""
from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.cluster_client import parse_exports
from bot.settings import Settings
from tests.conftest import ROOT, TAU_STORE

SERVERS_SCRIPT = ROOT / "scripts" / "servers.sh"
# Ports of their own, away from `make run` (5005/5055) and the e2e stacks (5105/5155, 5205/5255).
RASA_PORTS = (int(os.environ.get("SHOPBOT_SERVERS_RASA_PORT", "5305")),
              int(os.environ.get("SHOPBOT_SERVERS_RASA_PORT_2", "5306")))
ACTIONS_PORT = int(os.environ.get("SHOPBOT_SERVERS_ACTIONS_PORT", "5355"))
TOKEN = "servers-internal-token"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing_prerequisites() -> list[str]:
    missing = []
    if not glob.glob("/usr/lib/postgresql/*/bin/postgres") and not os.environ.get("SHOPBOT_PG_BIN"):
        missing.append("PostgreSQL (/usr/lib/postgresql/*/bin/postgres)")
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        missing.append("redis-server")
    return missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """The running PostgreSQL and Redis, and what scripts/servers.sh exported for them."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.env = env  # SHOPBOT_PG_* / SHOPBOT_REDIS_* / SHOPBOT_DATABASE_URL

    def url(self, database: str) -> str:
        e = self.env
        return (f"postgresql+psycopg2://{e['SHOPBOT_PG_USER']}:{e['SHOPBOT_PG_PASSWORD']}@{e['SHOPBOT_PG_HOST']}:"
                f"{e['SHOPBOT_PG_PORT']}/{database}")

    def sql(self, statement: str, database: str = "postgres") -> list[tuple]:
        """One statement in autocommit mode (CREATE DATABASE can't run in a transaction)."""
        import psycopg2

        e = self.env
        connection = psycopg2.connect(host=e["SHOPBOT_PG_HOST"], port=e["SHOPBOT_PG_PORT"], user=e["SHOPBOT_PG_USER"],
                                      password=e["SHOPBOT_PG_PASSWORD"], dbname=database)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def create_database(self, name: str, template: str | None = None) -> str:
        self.drop_database(name)
        self.sql(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Gone even while a test's pools still hold connections to it (FORCE ends them)."""
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def redis(self, *args: str) -> str:
        """A redis-cli command on the lock store's database (the actions venv has no Redis client)."""
        e = self.env
        done = subprocess.run(["redis-cli", "-h", e["SHOPBOT_REDIS_HOST"], "-p", e["SHOPBOT_REDIS_PORT"],
                               "-n", e["SHOPBOT_REDIS_DB"], *args], capture_output=True, text=True, timeout=30,
                              env={**os.environ, "REDISCLI_AUTH": e["SHOPBOT_REDIS_PASSWORD"]})
        assert done.returncode == 0, done.stderr
        return done.stdout

    def redis_calls(self, command: str) -> int:
        """How often Redis ran `command` since it started (INFO commandstats)."""
        for line in self.redis("INFO", "commandstats").splitlines():
            if line.startswith(f"cmdstat_{command}:"):
                return int(line.split("calls=")[1].split(",")[0])
        return 0


def _script(command: str, env: dict[str, str]) -> str:
    done = subprocess.run(["bash", str(SERVERS_SCRIPT), command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)
    if done.returncode != 0:
        pytest.fail(f"scripts/servers.sh {command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout




@pytest.fixture(scope="session")
def servers():
    missing = missing_prerequisites()
    if missing:
        reason = f"{' and '.join(missing)} not installed (bash scripts/install_servers.sh installs them)"
        if _in_ci():
            pytest.fail(reason + "; under CI the setup must install them")
        pytest.skip(reason)
    try:
        import psycopg2  # noqa: F401  the SQLAlchemy driver of the action server's venv
    except ImportError:
        pytest.fail("psycopg2 is missing in this venv: pip install psycopg2-binary==2.9.13")
    # Not under pytest's tmp folder: that one is private to its owner, and as root PostgreSQL runs as the
    # `postgres` user, which must reach its data folder.
    folder = Path(tempfile.mkdtemp(prefix="shopbot-servers-"))
    folder.chmod(0o755)
    env = {**os.environ, "SHOPBOT_SERVERS_DIR": str(folder), "SHOPBOT_PG_PORT": str(free_port()),
           "SHOPBOT_REDIS_PORT": str(free_port()), "SHOPBOT_PG_DB": "shopbot", "SHOPBOT_TRACKER_PG_DB": "rasa"}
    try:
        exported = parse_exports(_script("start", env))
        yield Servers(folder, exported)
    finally:
        subprocess.run(["bash", str(SERVERS_SCRIPT), "stop"], cwd=ROOT, env=env, capture_output=True, timeout=180)
        shutil.rmtree(folder, ignore_errors=True)


# --- Rasa + action server on the servers ---------------------------------------------------------------

def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (OSError, urllib.error.URLError):
        return False


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def newest_model() -> Path:
    """One model file for every Rasa instance of the session (a model trained meanwhile can't slip in)."""
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("no trained Rasa model in models/ (make train)")
    return models[-1]


class Stack:
    """An action server and up to two Rasa instances, all on PostgreSQL (tracker store, orders) and Redis
    (lock store) through endpoints.servers.yml."""

    def __init__(self, servers: Servers, folder: Path, model: Path):
        self.servers = servers
        self.folder = folder
        self.model = model
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {**os.environ, **servers.env, "PYTHONPATH": str(ROOT), "SHOPBOT_STORE_DIR": str(TAU_STORE),
                    "SHOPBOT_DATABASE_URL": servers.url(servers.env["SHOPBOT_PG_DB"]),
                    "SHOPBOT_INTERNAL_TOKEN": TOKEN, "ACTIONS_PORT": str(ACTIONS_PORT),
                    "RASA_TELEMETRY_ENABLED": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    "TF_CPP_MIN_LOG_LEVEL": "2", **Settings().rasa_thread_environment(),
                    # Order state is what these tests are about: no LLM phrasing, no upsell.
                    "SHOPBOT_LLM_ENABLED": "false", "SHOPBOT_UPSELL_ENABLED": "false"}
        self.commands = {
            "actions": [sys.executable, "-m", "bot.action_server", "--host", "127.0.0.1", "--port", str(ACTIONS_PORT)],
            **{f"rasa{i}": [str(ROOT / ".venv-rasa/bin/rasa"), "run", "--interface", "127.0.0.1", "--port", str(port),
                            "--enable-api", "--auth-token", TOKEN, "--model", str(model), "--credentials",
                            "credentials.yml", "--endpoints", "endpoints.servers.yml"]
               for i, port in enumerate(RASA_PORTS, start=1)},
        }
        self.ready = {"actions": f"http://127.0.0.1:{ACTIONS_PORT}/health",
                      **{f"rasa{i}": f"http://127.0.0.1:{port}/status?token={TOKEN}"
                         for i, port in enumerate(RASA_PORTS, start=1)}}
        self.ports = {"actions": ACTIONS_PORT, "rasa1": RASA_PORTS[0], "rasa2": RASA_PORTS[1]}

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start(self, name: str, seconds: int = 300) -> None:
        """Start (or restart) one process and wait until it answers; its log is appended across restarts."""
        if _port_taken(self.ports[name]):
            pytest.fail(f"port {self.ports[name]} for {name} is taken (another stack?)")
        with self.log(name).open("a") as log:
            proc = subprocess.Popen(self.commands[name], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        deadline = time.monotonic() + seconds
        while not _answers(self.ready[name]):
            if proc.poll() is not None:
                pytest.fail(f"{name} exited ({proc.returncode}):\n{self.log(name).read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"{name} not up after {seconds} s:\n{self.log(name).read_text()[-3000:]}")
            time.sleep(0.5)  # polling interval while waiting for the state, not a fixed wait

    def stop(self, name: str, kill: bool = False) -> None:
        proc = self.procs.get(name)
        if proc and proc.poll() is None:
            proc.kill() if kill else proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)

    def running(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def stop_all(self) -> None:
        for name in ("rasa2", "rasa1", "actions"):
            self.stop(name)


@pytest.fixture(scope="session")
def stack(servers, tmp_path_factory):
    if not (TAU_STORE / "products.json").exists():
        pytest.fail(f"tau-bench retail store not found at {TAU_STORE}")
    stack = Stack(servers, tmp_path_factory.mktemp("servers-stack"), newest_model())
    try:
        # The knowledge index the action server warms up with (incremental: quick when up to date).
        subprocess.run([sys.executable, "-m", "bot.knowledge.ingest"], cwd=ROOT, env=stack.env, check=True,
                       capture_output=True)
        stack.start("actions")  # seeds the orders database on PostgreSQL from the tau store
        stack.start("rasa1")
        yield stack
    finally:
        stack.stop_all()


def say(port: int, sender: str, message: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook", body,
                                     {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200
        return json.loads(response.read())


def tracker(port: int, sender: str) -> dict:
    # Rasa's HTTP API takes the token as a query parameter (a Bearer header would be read as a JWT).
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/conversations/{sender}/tracker?include_events=ALL&token={TOKEN}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)
