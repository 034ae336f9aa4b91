"""The bench's own stack: a seeded SQLite database, the tau store's index, the action server, Rasa and
the web app on ports of their own; how long each took to answer its health URL, and peak memory."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA_PORT = int(os.environ.get("SHOPBOT_BENCH_RASA_PORT", "5305"))
ACTIONS_PORT = int(os.environ.get("SHOPBOT_BENCH_ACTIONS_PORT", "5355"))
WEB_PORT = int(os.environ.get("SHOPBOT_BENCH_WEB_PORT", "5380"))
READY_TIMEOUT_S = 300


class StackError(RuntimeError):
    """A process of the stack did not come up; the message carries the tail of its log."""


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """VmHWM (peak resident set) of a live process in MiB, or None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children_of(pid: int) -> list[int]:
    """Live descendants of a process (Rasa or llama.cpp self-tests may fork)."""
    kids: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            kids += [child, *children_of(child)]
    return kids


def url_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Service:
    name: str
    health_url: str
    log: Path
    proc: subprocess.Popen
    spawned_at: float
    ready_s: float | None = None


@dataclass
class Stack:
    """Handles to the running processes. Use as a context manager: every process is stopped on exit."""

    workdir: Path
    store_dir: Path
    index_dir: Path
    with_web: bool = True
    services: list[Service] = field(default_factory=list)
    ingest_s: float | None = None
    seed_s: float | None = None

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/webhook"

    token = "bench-internal-token"

    def env(self) -> dict[str, str]:
        from bot.settings import Settings

        return {**os.environ, "SHOPBOT_STORE_DIR": str(self.store_dir), "PYTHONPATH": str(ROOT),
                "SHOPBOT_DATABASE_URL": f"sqlite:///{self.workdir / 'shop.db'}",
                "SHOPBOT_INDEX_DIR": str(self.index_dir),
                "SHOPBOT_RASA_URL": f"http://127.0.0.1:{RASA_PORT}", "SHOPBOT_INTERNAL_TOKEN": self.token,
                "ACTIONS_PORT": str(ACTIONS_PORT), "SHOPBOT_TRACKER_DB": str(self.workdir / "tracker.db"),
                "RASA_TELEMETRY_ENABLED": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                **Settings().rasa_thread_environment()}

    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        from bot.adapters.sql.store import SqlCommerceStore

        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        busy = [p for p in (RASA_PORT, ACTIONS_PORT, WEB_PORT) if port_in_use(p)]
        if busy:
            raise StackError(f"ports already in use: {busy} (set SHOPBOT_BENCH_*_PORT)")
        started = time.perf_counter()
        seeded = SqlCommerceStore(f"sqlite:///{self.workdir / 'shop.db'}")
        seeded.create_schema()
        seeded.seed_from_store_dir(self.store_dir)
        seeded.close()
        self.seed_s = time.perf_counter() - started
        env = self.env()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bot.knowledge.ingest"], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise StackError(f"ingest failed:\n{(done.stdout + done.stderr)[-3000:]}")
        self.ingest_s = time.perf_counter() - started
        # Spawned together, like scripts/run.sh (same credentials.yml and endpoints.yml): the ready times
        # include competing for the cores.
        self._spawn("actions", [sys.executable, "-m", "bot.action_server", "--host", "127.0.0.1", "--port",
                                str(ACTIONS_PORT)], f"http://127.0.0.1:{ACTIONS_PORT}/health", env)
        self._spawn("rasa", [str(ROOT / ".venv-rasa/bin/rasa"), "run", "--interface", "127.0.0.1", "--port",
                             str(RASA_PORT), "--enable-api", "--auth-token", self.token, "--model", "models",
                             "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
                    f"http://127.0.0.1:{RASA_PORT}/status?token={self.token}", env)
        if self.with_web:
            self._spawn("web", [sys.executable, "-m", "bot.web", "--port", str(WEB_PORT)],
                        f"http://localhost:{WEB_PORT}/health", env)
        self._wait_all()

    def _spawn(self, name: str, cmd: list[str], health_url: str, env: dict[str, str]) -> None:
        log = self.workdir / f"{name}.log"
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        self.services.append(Service(name, health_url, log, proc, time.perf_counter()))

    def _wait_all(self) -> None:
        deadline = time.perf_counter() + READY_TIMEOUT_S
        while any(s.ready_s is None for s in self.services):
            for service in self.services:
                if service.ready_s is not None:
                    continue
                if url_answers(service.health_url):
                    service.ready_s = time.perf_counter() - service.spawned_at
                elif service.proc.poll() is not None:
                    raise StackError(f"{service.name} exited (code {service.proc.returncode}):\n{_tail(service.log)}")
            if time.perf_counter() > deadline:
                late = [s for s in self.services if s.ready_s is None]
                raise StackError("\n".join(f"{s.name} not up after {READY_TIMEOUT_S} s:\n{_tail(s.log)}" for s in late))
            time.sleep(0.2)

    def ready_times(self) -> dict[str, float | None]:
        return {s.name: None if s.ready_s is None else round(s.ready_s, 2) for s in self.services}

    def peak_memory(self) -> dict[str, dict]:
        """VmHWM of each server process (and of any live children), read before they are stopped."""
        out = {}
        for service in self.services:
            kids = children_of(service.proc.pid)
            out[service.name] = {"pid": service.proc.pid, "vmhwm_mb": peak_rss_mb(service.proc.pid),
                                 "children_vmhwm_mb": [m for m in map(peak_rss_mb, kids) if m is not None]}
        return out

    def log_text(self, name: str) -> str:
        service = next((s for s in self.services if s.name == name), None)
        return service.log.read_text(errors="replace") if service and service.log.exists() else ""

    def stop(self) -> None:
        for service in self.services:
            if service.proc.poll() is None:
                service.proc.terminate()
        for service in self.services:
            try:
                service.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.proc.kill()
                service.proc.wait(timeout=10)


def _tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"
