"""Offline format identification (Siegfried via pygfried, or the built-in fallback)."""
from __future__ import annotations

import os
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def _without_opening(fifo, call, timeout: float = 60):
    """call()'s result, failing the test if call opened ``fifo``.

    The FIFO has no writer, so opening it for reading blocks: a call that opens it does not
    finish. The test then gives the FIFO a writer, which lets the call end, and fails.
    """
    result = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(timeout=timeout)
    if worker.is_alive():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        worker.join(timeout=10)
        pytest.fail(f"{fifo} was opened (the call blocked on it)")
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_not_opened(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    info = _without_opening(fifo, lambda: identify(fifo))
    assert info.puid is None and "not a regular file" in info.basis


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_the_fifo_check_catches_a_call_that_opens_the_fifo(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(pytest.fail.Exception, match="was opened"):
        _without_opening(fifo, lambda: open(fifo, "rb").close(), timeout=0.5)


def _bearing(signature: formats.Signature) -> bytes:
    """Sixteen bytes that bear ``signature`` and nothing else (zeros elsewhere: not text)."""
    head = bytearray(16)
    head[signature.offset:signature.offset + len(signature.magic)] = signature.magic
    if signature.then is not None:
        at, then = signature.then
        head[at:at + len(then)] = then
    return bytes(head)


@pytest.mark.parametrize("signature", formats.SIGNATURES, ids=lambda s: s.mime)
def test_one_signature_table_answers_describe_and_the_builtin_identifier(signature):
    from preserve.describe.binary import sniff_mime

    head = _bearing(signature)
    assert formats.match_signature(head) == signature
    assert sniff_mime(head, "file.bin") == (signature.mime, "file signature")
    info = formats.identify_head(head, "file.bin")
    if signature.puid is None:
        assert info.puid is None
    else:  # the built-in identifier tests only leading magic bytes
        assert (signature.offset, signature.then) == (0, None)
        assert (info.puid, info.name, info.version, info.mime) == \
               (signature.puid, signature.name, signature.version, signature.mime)


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


def _mixed_files(tmp_path):
    (tmp_path / "a.txt").write_text("hello\n")
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "big.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF\n")
    (tmp_path / "link.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "sub").mkdir()
    names = ["a.txt", "logo.png", "blob.bin", "empty.txt", "big.pdf", "link.txt", "sub", "missing.txt"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.txt")
        names.append("pipe.txt")
    return [tmp_path / n for n in names]


@pytest.mark.parametrize("backend", ["siegfried", "fallback"])
def test_identify_many_is_identify_per_file(tmp_path, monkeypatch, backend):
    if backend == "fallback":
        monkeypatch.setattr(formats, "_state", {"backend": None})
    elif formats._backend() is None:
        pytest.skip("siegfried (pygfried) is not installed on this Python")
    monkeypatch.setattr(formats, "WHOLE_FILE_LIMIT", 1024)  # big.pdf goes through the sample
    monkeypatch.setattr(formats, "SAMPLE_BYTES", 512)
    monkeypatch.setattr(formats, "BATCH_FILES", 3)  # several batches
    paths = _mixed_files(tmp_path)
    fifo = tmp_path / "pipe.txt"
    many = _without_opening(fifo, lambda: formats.identify_many(paths)) if fifo in paths \
        else formats.identify_many(paths)
    assert many == [identify(p) for p in paths]
    assert formats.identify_many([str(p) for p in paths], jobs=1) == many
    assert formats.identify_many([]) == []
    if backend == "siegfried":
        assert "first and last" in many[4].basis and many[0].basis.startswith("siegfried")


def test_identify_many_survives_a_failing_batch(tmp_path, monkeypatch):
    if formats._backend() is None:
        pytest.skip("siegfried (pygfried) is not installed on this Python")
    paths = _mixed_files(tmp_path)[:4]
    expected = [identify(p) for p in paths]

    class Broken:
        def __init__(self, real):
            self.real = real

        def identify(self, *args, **kwargs):
            return self.real.identify(*args, **kwargs)

        def identify_many(self, *args, **kwargs):
            raise RuntimeError("boom")

    monkeypatch.setattr(formats, "_state", {"backend": Broken(formats._backend())})
    assert formats.identify_many(paths) == expected


TRICKY_NAMES = ["a.txt", "A.TXT", "a.Pdf", "x.tar.gz", "x.TGZ", "x.tgz", "x.GZ", "x.gz", "x.bz2", "x.Z",
                "noext", ".hidden", "..", "...txt", "a.", "dir.d/file", "dir/.bashrc", "data:text/plain,x",
                "weird:name.pdf", "a/b:c.png", "r\u00e9sum\u00e9.PNG", "x.svgz", "x.json", "x.unknownext"]


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_guess_type_is_mimetypes_per_name(name):
    """The per-extension lookup gives what mimetypes gives for the whole name (strict=False)."""
    import mimetypes

    assert formats.guess_type(name) == mimetypes.guess_type(name, strict=False)[0]
    assert formats.guess_type(name) == formats.guess_type(name)  # the remembered answer too


@given(st.text(st.sampled_from("aZ.:/;,=-_ \u00e9"), max_size=12))
def test_guess_type_agrees_with_mimetypes_on_any_name(name):
    import mimetypes

    assert formats.guess_type(name) == mimetypes.guess_type(name, strict=False)[0]


@pytest.mark.parametrize("name", ["a.txt", "a.TXT", "a.", ".txt", "..txt", "a.b.md", "x", "dir.d/x"])
def test_builtin_sniff_of_bytes_names_the_suffix_as_pathlib_does(tmp_path, name):
    from pathlib import PurePosixPath

    path = tmp_path / name.replace("/", "_")
    path.write_bytes(b"plain text\n")
    info = formats._sniff(str(path))
    suffix = PurePosixPath(path.name).suffix.lower()
    assert info.basis == f"fallback: text (UTF-8) with extension {suffix or 'none'}"
    assert formats._sniff(path) == info


def test_signatures_load_once_from_a_temporary_file_that_is_removed(tmp_path, monkeypatch):
    import tempfile

    seen: list[str] = []

    class Backend:
        @staticmethod
        def identify(path: str) -> str:
            seen.append(path)
            assert os.path.isfile(path)
            return "x-fmt/111"

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(formats, "_backend", lambda: Backend)
    monkeypatch.setitem(formats._state, "signatures", False)
    formats.load_signatures("siegfried")
    formats.load_signatures("siegfried")
    assert len(seen) == 1 and seen[0].startswith(str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setitem(formats._state, "signatures", False)
    formats.load_signatures("builtin")  # no Siegfried asked for: nothing to load
    assert len(seen) == 1
