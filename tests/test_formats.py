"""Offline format identification (Siegfried via pygfried, or the built-in fallback)."""
from __future__ import annotations

import os
import time

import pytest

from preserve import formats
from preserve.formats import FormatInfo, identify

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


@pytest.fixture
def fallback(monkeypatch):
    """Pretend pygfried is not installed."""
    monkeypatch.setattr(formats, "_state", {})
    monkeypatch.setattr(formats, "_load_siegfried", lambda: None)
    yield
    formats._state.clear()


def test_plain_text_is_x_fmt_111(tmp_path):
    path = tmp_path / "release.txt"
    path.write_text("Press release\n\nThe campaign said today that it welcomes the news.\n")
    info = identify(path)
    assert isinstance(info, FormatInfo)
    assert (info.puid, info.mime) == ("x-fmt/111", "text/plain")
    assert info.name and info.basis


def test_plain_text_fallback(tmp_path, fallback):
    path = tmp_path / "release.txt"
    path.write_text("Déclaration de presse\n", encoding="utf-8")
    info = identify(path)
    assert (info.puid, info.mime) == ("x-fmt/111", "text/plain")
    assert info.basis.startswith("fallback")
    assert formats.identifier().name.startswith("preserve built-in")


def test_png_both_ways(tmp_path, monkeypatch):
    path = tmp_path / "logo.png"
    path.write_bytes(PNG)
    assert identify(path).mime == "image/png"
    monkeypatch.setattr(formats, "_state", {"backend": None})
    assert identify(path).puid == "fmt/13"


def test_unknown_binary(tmp_path, fallback):
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 4)
    info = identify(path)
    assert info.puid is None and info.mime == "application/octet-stream"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    info = identify(path)
    assert info.mime == "text/plain"


def test_symlink_not_followed(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("text")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    info = identify(link)
    assert info.puid is None and "not a regular file" in info.basis


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_not_opened(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    start = time.monotonic()
    assert identify(fifo).puid is None
    assert time.monotonic() - start < 2


def test_identifier_is_described():
    tool = formats.identifier()
    assert tool.name and tool.version and tool.detail


def test_siegfried_used_when_installed(tmp_path):
    pytest.importorskip("pygfried")
    path = tmp_path / "a.txt"
    path.write_text("hello\n")
    assert identify(path).basis.startswith("siegfried")
    assert formats.identifier().name == "pygfried"


def test_large_files_are_identified_from_a_sample(tmp_path, monkeypatch) -> None:
    import preserve.formats as formats

    if formats._backend() is None:
        pytest.skip("siegfried (pygfried) is not installed on this Python")
    monkeypatch.setattr(formats, "WHOLE_FILE_LIMIT", 1024)
    monkeypatch.setattr(formats, "SAMPLE_BYTES", 512)
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF\n")
    info = formats.identify(path)
    assert info.puid and info.puid.startswith("fmt/") and info.mime == "application/pdf"
    assert "first and last" in info.basis
