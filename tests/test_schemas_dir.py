"""The schemas are found installed (preserve.schemas) and from a source checkout."""
from __future__ import annotations

from pathlib import Path

import preserve.resources as resources

REPO = Path(__file__).resolve().parents[1]


def test_installed_schemas_hold_the_json_schemas_and_xsds() -> None:
    resources.schemas_dir.cache_clear()
    folder = resources.schemas_dir()
    assert (folder / "dublin-core.schema.json").is_file()
    assert (folder / "verify-report.schema.json").is_file()
    assert (folder / "xsd" / "mets.xsd").is_file()


def test_checkout_fallback_when_the_package_mapping_is_absent(monkeypatch) -> None:
    def missing(name: str):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(resources, "files", missing)
    resources.schemas_dir.cache_clear()
    try:
        assert Path(str(resources.schemas_dir())) == Path(resources.__file__).resolve().parent.parent / "schemas"
    finally:
        resources.schemas_dir.cache_clear()
