"""What the numbers were measured on: CPU, cores, memory, software versions, GPU offload support."""
from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def machine_info() -> dict:
    mem_kb = _proc_field("/proc/meminfo", "MemTotal")
    return {"cpu_model": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
            "cores": os.cpu_count(), "ram_gb": round(int(mem_kb.split()[0]) / 2**20, 1) if mem_kb else None,
            "python": platform.python_version(), "kernel": platform.release()}


def gpu_info() -> dict:
    import llama_cpp

    return {"llama_supports_gpu_offload": bool(llama_cpp.llama_supports_gpu_offload()),
            "llama_cpp_python": llama_cpp.__version__, "nvidia_smi_found": shutil.which("nvidia-smi") is not None,
            "measured": False}
