"""Shared fixtures: collections generated in tmp_path, and a CLI runner that returns real exit codes."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.eark import require_validator
from helpers.paths import REPO, RIGHTS_CONFIG, SEEDS, network_blocked, tree_digest  # noqa: F401

@pytest.fixture
def no_network():
    """The test body runs with network_blocked()."""
    with network_blocked():
        yield


@pytest.fixture(name="tree_digest")
def tree_digest_fixture():
    """The tree_digest function, for tests that compare whole folders before and after."""
    return tree_digest


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    """A small SOURCE folder: two one-file releases and a folder release with a sub-folder."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "alpha.txt").write_text("Alpha release\n\nIssued 3 March 2017 by Example Org.\n", encoding="utf-8")
    (src / "beta.txt").write_bytes(b"Beta\n" + bytes(range(256)) * 10)
    folder = src / "gamma"
    (folder / "attachments").mkdir(parents=True)
    (folder / "empty").mkdir()
    (folder / "main.txt").write_text("Gamma headline\n\nBody text.\n", encoding="utf-8")
    (folder / "attachments" / "100% sure.txt").write_text("percent in name\n", encoding="utf-8")
    (src / "preserve.toml").write_text(RIGHTS_CONFIG, encoding="utf-8")
    # binary content has no language or type to extract: the curator supplies them
    (src / "metadata.csv").write_text("filename,dc.language,dc.type\nbeta.txt,zxx,Dataset\n", encoding="utf-8")
    return src


@pytest.fixture
def run_cli(monkeypatch):
    """Run `preserve ARGS` in-process with cwd set; returns (exit code, stdout, stderr)."""
    from preserve.cli import main

    def run(args: list[str], cwd: Path | None = None, capsys=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return code

    return run


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory):
    """The derived-data cache (preserve._runtime.cache) lives in a temporary folder, never the user's home.

    Set in os.environ, so CLI runs in subprocesses use it too; one folder per session, so the
    gazetteer is derived once and read back by every later process.
    """
    saved = os.environ.get("PRESERVE_CACHE_DIR")
    os.environ["PRESERVE_CACHE_DIR"] = str(tmp_path_factory.mktemp("preserve-cache"))
    yield
    if saved is None:
        os.environ.pop("PRESERVE_CACHE_DIR", None)
    else:
        os.environ["PRESERVE_CACHE_DIR"] = saved


@pytest.fixture(scope="session", autouse=True)
def sigint_delivered_to_children():
    """Programs started by the tests get SIGINT as Ctrl-C does, however pytest was started.

    A shell without job control starts a background command with SIGINT ignored, and an
    ignored signal stays ignored through exec: every preserve the tests start would then ignore
    Ctrl-C, as nohup intends, and the Ctrl-C tests would see runs finish instead of stop. A
    handled signal is reset to the default at exec, so handling it here is enough.
    """
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield


@pytest.fixture(scope="module")
def validator() -> Path:
    """The E-ARK judge's Python (eark-validator in .ci/eark-venv)."""
    return require_validator()
