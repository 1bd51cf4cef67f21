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


def test_checkout_fallback_when_the_package_mapping_is_absent(monkeypatch, tmp_path: Path) -> None:
    def missing(name: str):
        raise ModuleNotFoundError(name)

    (tmp_path / "preserve").mkdir()
    monkeypatch.setattr(resources, "files", missing)
    monkeypatch.setattr(resources, "__file__", str(tmp_path / "preserve" / "resources.py"))
    resources.schemas_dir.cache_clear()
    try:
        with pytest.raises(ModuleNotFoundError):  # neither installed nor a checkout: say so
            resources.schemas_dir()
        resources.schemas_dir.cache_clear()
        (tmp_path / "schemas" / "xsd").mkdir(parents=True)
        assert Path(str(resources.schemas_dir())) == tmp_path / "schemas"
    finally:
        resources.schemas_dir.cache_clear()
