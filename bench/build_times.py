"""Setup from nothing (both venvs built into a fresh directory) and a forced Rasa train, timed."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_timed(cmd: list[str], cwd: Path, env: dict[str, str], log: Path, timeout_s: int) -> dict:
    started = time.perf_counter()
    with log.open("w") as out:
        try:
            done = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  timeout=timeout_s)
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = None
    seconds = round(time.perf_counter() - started, 1)
    result = {"seconds": seconds, "exit_code": code, "log": str(log)}
    if code != 0:
        result["error"] = f"exit code {code}" if code is not None else f"timed out after {timeout_s} s"
        result["log_tail"] = log.read_text(errors="replace")[-2000:]
    return result


def time_train(log_dir: Path, timeout_s: int = 1800) -> dict:
    """`rasa train --force` into a temporary folder, with an empty component cache: a cold train."""
    with tempfile.TemporaryDirectory(prefix="shopbot-bench-train-") as tmp:
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": str(Path(tmp) / "cache")}
        cmd = [str(ROOT / ".venv-rasa/bin/rasa"), "train", "--force", "--quiet", "--out", str(Path(tmp) / "models")]
        result = _run_timed(cmd, ROOT, env, log_dir / "train.log", timeout_s)
    result["note"] = "rasa train --force into a temporary folder with an empty RASA_CACHE_DIRECTORY"
    return result


def time_setup(log_dir: Path, timeout_s: int = 3600) -> dict:
    """scripts/ and requirements/ copied into an empty temporary folder, then scripts/setup.sh there:
    both venvs built from the lock files. The pip download cache is whatever this machine has."""
    tmp = Path(tempfile.mkdtemp(prefix="shopbot-bench-setup-"))
    try:
        for name in ("scripts", "requirements"):
            shutil.copytree(ROOT / name, tmp / name)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
        result = _run_timed(["bash", str(tmp / "scripts" / "setup.sh")], tmp, env, log_dir / "setup.log", timeout_s)
        result["venv_mb"] = {name: _size_mb(tmp / name) for name in (".venv-rasa", ".venv-actions")}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["pip_cache"] = _pip_cache()
    result["note"] = ("bash scripts/setup.sh in a fresh temporary folder (scripts/ and requirements/ copied); both "
                      "venvs built side by side; llama-cpp-python compiled from source (setup.sh passes "
                      "--no-cache-dir for it); other packages from pip's download cache when present")
    return result


def _size_mb(path: Path) -> float | None:
    if not path.exists():
        return None
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 2**20, 1)


def _pip_cache() -> dict:
    """Where pip found packages: its download cache and any local wheel sources it is configured with."""
    import sys

    cache = Path(os.environ.get("PIP_CACHE_DIR", Path.home() / ".cache" / "pip"))
    try:
        config = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                                timeout=60).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        config = []
    sources = sorted({line.split("=", 1)[1].strip("'") for line in config
                      if "find-links" in line or "index-url" in line})
    return {"dir": str(cache), "present": cache.exists(), "mb": _size_mb(cache), "local_sources": sources}
