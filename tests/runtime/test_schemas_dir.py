"""The schemas are found installed (preserve.schemas) and from a source checkout."""
from __future__ import annotations

from pathlib import Path

import pytest

import preserve._runtime.resources as resources

REPO = Path(__file__).resolve().parents[2]


def test_installed_schemas_hold_the_json_schemas_and_xsds() -> None:
    resources.schemas_dir.cache_clear()
    folder = resources.schemas_dir()
    assert (folder / "dublin-core.schema.json").is_file()
    assert (folder / "verify-report.schema.json").is_file()
    assert (folder / "xsd" / "mets.xsd").is_file()


def test_a_checkout_run_without_the_installed_mapping_finds_the_schemas(tmp_path: Path) -> None:
    """`python -m preserve` in a checkout imports the checkout's package, which has no
    preserve.schemas: the schemas come from the checkout's folder."""
    import shutil
    import subprocess
    import sys

    shutil.copytree(REPO / "preserve", tmp_path / "preserve", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "schemas", tmp_path / "schemas", ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "import preserve._runtime.resources as r; print(r.schemas_dir())")
    # -I -S: no PYTHONPATH, no site-packages, so neither an installed nor an editable preserve
    # (nor its preserve.schemas) is seen: only the copy at sys.path[0], as in a bare checkout
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(tmp_path)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "schemas")


def test_checkout_fallback_when_the_package_mapping_is_absent(monkeypatch, tmp_path: Path) -> None:
    def missing(name: str):
        raise ModuleNotFoundError(name)

    (tmp_path / "preserve" / "_runtime").mkdir(parents=True)
    monkeypatch.setattr(resources, "files", missing)
    monkeypatch.setattr(resources, "__file__", str(tmp_path / "preserve" / "_runtime" / "resources.py"))
    resources.schemas_dir.cache_clear()
    try:
        with pytest.raises(ModuleNotFoundError):  # neither installed nor a checkout: say so
            resources.schemas_dir()
        resources.schemas_dir.cache_clear()
        (tmp_path / "schemas" / "xsd").mkdir(parents=True)
        assert Path(str(resources.schemas_dir())) == tmp_path / "schemas"
    finally:
        resources.schemas_dir.cache_clear()
