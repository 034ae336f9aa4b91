"""Driving the cluster profile (scripts/cluster.sh) from Python: its ports, its processes (alive? how much CPU
have they used?), SIGKILL and restart, and a shopper on the widget's socket.io through nginx's shop door.
Shared by tests/servers/test_cluster.py and the bench's cluster section (bench/cluster.py)."""
from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLUSTER_SCRIPT = ROOT / "scripts" / "cluster.sh"
# Each port is the base + its offset (scripts/cluster.sh reads them as CLUSTER_<NAME>_PORT).
PORT_OFFSETS = {"SHOP": 0, "RASA": 1, "ACTIONS": 2, "CHROMA": 3, "RASA1": 11, "RASA2": 12, "ACTIONS1": 21,
                "ACTIONS2": 22, "CHROMA_SERVER": 31, "MODEL": 41, "WEB": 51}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cluster_ports(base: int) -> dict[str, int]:
    return {name: base + offset for name, offset in PORT_OFFSETS.items()}


def cluster_env(folder: Path, ports: dict[str, int], token: str, store_dir: Path, pg_port: int,
                redis_port: int, **extra: str) -> dict[str, str]:
    """The environment scripts/cluster.sh needs to run a cluster of its own in `folder`."""
    return {**os.environ, "SHOPBOT_CLUSTER_DIR": str(folder), "SHOPBOT_STORE_DIR": str(store_dir),
            "SHOPBOT_INTERNAL_TOKEN": token, "CLUSTER_PG_PORT": str(pg_port), "CLUSTER_REDIS_PORT": str(redis_port),
            **{f"CLUSTER_{name}_PORT": str(port) for name, port in ports.items()}, **extra}


def parse_exports(text: str) -> dict[str, str]:
    """`export A=1 B=2` lines (what `scripts/cluster.sh env` prints) as a dict."""
    values = {}
    for line in text.splitlines():
        if line.startswith("export "):
            for pair in line[len("export "):].split():
                name, _, value = pair.partition("=")
                values[name] = value
    return values


# -- processes -------------------------------------------------------------------------------------------
def _stat_fields(pid: int | str) -> list[str] | None:
    """/proc/PID/stat after "(comm)" (which may hold spaces): fields[0] is the state (field 3 of proc(5))."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"  # a zombie has ended; init reaps it


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def session_members(leaders: list[int]) -> list[int]:
    """Every process of the sessions those leaders started (cluster.sh runs each process in one of its own)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(stat.parent.name)
        if fields and int(fields[3]) in leaders:  # field 6 of /proc/PID/stat: the session id
            members.append(int(stat.parent.name))
    return members


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of live processes, with the children each one has already waited for
    (fields 14-17 of /proc/PID/stat)."""
    ticks = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            ticks += sum(int(v) for v in fields[11:15])
    return ticks / CLOCK_TICKS


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (/proc/stat's first line)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class ClusterError(RuntimeError):
    """scripts/cluster.sh failed; the message carries its output."""


class ClusterProcesses:
    """One cluster run by scripts/cluster.sh in `folder` with `env` (see cluster_env)."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.env = env
        self.exports: dict[str, str] = {}

    def script(self, *args: str, timeout: float = 900) -> str:
        done = subprocess.run(["bash", str(CLUSTER_SCRIPT), *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise ClusterError(f"scripts/cluster.sh {' '.join(args)} failed ({done.returncode}):\n"
                               f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def read_exports(self) -> dict[str, str]:
        self.exports = parse_exports(self.script("env", timeout=120))
        return self.exports

    def pid(self, name: str) -> int:
        return int((self.folder / "run" / f"{name}.pid").read_text().split()[0])

    def server_leaders(self) -> dict[str, int]:
        """PostgreSQL's and Redis's own PIDs (scripts/servers.sh starts them, not cluster.sh)."""
        servers = self.folder / "servers"
        return {"postgres": int((servers / "pg" / "postmaster.pid").read_text().split()[0]),
                "redis": int((servers / "redis" / "redis.pid").read_text().split()[0])}

    def leaders(self) -> dict[str, int]:
        """Every process of the cluster by name, PostgreSQL and Redis included; a name whose PID file is gone
        (stopped, or between a kill and its restart) is left out."""
        out = {}
        for file in sorted((self.folder / "run").glob("*.pid")):
            try:
                out[file.stem] = int(file.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
        try:
            out.update(self.server_leaders())
        except (OSError, ValueError, IndexError):
            pass
        return out

    def cpu_by_name(self) -> dict[str, tuple[int, float]]:
        """(PID, CPU seconds used so far by it and everything in its session) of each live named process."""
        leaders = self.leaders()
        members: dict[int, list[int]] = {pid: [] for pid in leaders.values()}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            fields = _stat_fields(stat.parent.name)
            if fields and int(fields[3]) in members:
                members[int(fields[3])].append(int(stat.parent.name))
        return {name: (pid, round(cpu_seconds(members[pid]), 2)) for name, pid in leaders.items() if alive(pid)}

    def kill(self, name: str, timeout_s: float = 30) -> None:
        """SIGKILL: nothing is flushed or handed over on the way out."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout_s
        while alive(pid):
            if time.monotonic() > deadline:
                raise ClusterError(f"{name} survived SIGKILL")
            time.sleep(0.05)  # polling for the state


# -- a shopper on the widget's socket.io ---------------------------------------------------------------------
class SocketShopper:
    """The widget's side of socket.io (WebSocket), through nginx's shop door: opens a session, sends messages,
    and queues each `bot_uttered` with the moment it arrived (time.perf_counter())."""

    def __init__(self, shop_url: str, connect_timeout_s: float = 20, confirm_timeout_s: float = 30):
        import socketio

        self.client = socketio.Client(reconnection=False)
        self.replies: queue.Queue = queue.Queue()
        self.session_id = ""
        confirmed = threading.Event()

        def session_confirm(session_id):
            self.session_id = session_id
            confirmed.set()

        self.client.on("session_confirm", session_confirm)
        self.client.on("bot_uttered", lambda message: self.replies.put((time.perf_counter(), message)))
        self.client.connect(shop_url, transports=["websocket"], wait_timeout=connect_timeout_s)
        self.client.emit("session_request", {})
        if not confirmed.wait(confirm_timeout_s):
            self.close()
            raise TimeoutError("no session_confirm")

    def send(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def next_reply(self, timeout_s: float) -> tuple[float, dict]:
        """(arrival time, message) of the next reply; queue.Empty after timeout_s."""
        return self.replies.get(timeout=timeout_s)

    def drain(self) -> list[dict]:
        out = []
        while not self.replies.empty():
            out.append(self.replies.get_nowait()[1])
        return out

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # already gone (the server went away): nothing to close
            pass


def reply_meta(message: dict) -> tuple[str, dict]:
    """(author, stored metadata) of a `bot_uttered` message (bot/web/app.py `outgoing`)."""
    shopbot = (message.get("metadata") or {}).get("shopbot") or {}
    return str(shopbot.get("author", "")), shopbot.get("metadata") or {}
