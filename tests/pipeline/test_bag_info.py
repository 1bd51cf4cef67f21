"""What a release's bag-info.txt says: standard fields, preserve's own fields, the fingerprint."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from preserve import SOFTWARE_NAME, __version__
from preserve.pipeline.bag_info import (bag_info_fields, existing_fingerprint, external_description, fingerprint,
                               preserve_fields, real_title)
from preserve.pipeline.options import BagOptions
from preserve.fixity import Fixity
from preserve.intake.config import CollectionConfig
from preserve.intake.releases import Release, ReleaseFile
from preserve.record import PLACEHOLDER_TITLE, Record, Value

FILES = (ReleaseFile("a.txt", "/x/a.txt", 3, 0), ReleaseFile("é/b.bin", "/x/é/b.bin", 5, 0))
RELEASE = Release("rel-1", "Rel 1", Path("/x"), True, FILES, ("empty", "100%"))
FIXITIES = [Fixity(3, {"sha512": "5" * 128, "sha256": "2" * 64}), Fixity(5, {"sha256": "3" * 64, "sha512": "6" * 128})]


def _record(**elements: str) -> Record:
    return Record("rel-1", {k: [Value(v, "document")] for k, v in elements.items()})


def test_fingerprints_do_not_change_between_versions() -> None:
    """A rerun skips a bag whose recorded fingerprint matches: the same inputs must always give
    the same fingerprint, whatever the code that computes it (values computed by earlier versions,
    recorded in bags already written)."""
    release = Release("rel-1", "Rel 1", Path("/x"), True, FILES, ("empty",))
    config = CollectionConfig(organisation="Org", rights="CC0")
    assert fingerprint(release, FIXITIES, config, BagOptions(), {"title": ["Ü"]}) == (
        "sha256:93f5c59f057e7009fac7133fc2acddce64c04741a9e8607272fa76ebf52f9731")
    assert fingerprint(release, FIXITIES, config, BagOptions(identify="builtin", package_type="AIP")) == (
        "sha256:65965ec64cfe2efa6d8ff8290a5b4af507f7e13d3789ea234d01f8230e10acfb")


def test_existing_fingerprint_is_read_from_bag_info(tmp_path: Path) -> None:
    (tmp_path / "bag-info.txt").write_text("Contact-Name: Ann\nPreserve-Fingerprint: sha256:abc\n")
    assert existing_fingerprint(tmp_path) == "sha256:abc"
    assert existing_fingerprint(tmp_path / "missing") is None


def test_bag_info_fields_in_order() -> None:
    created = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    config = CollectionConfig(organisation="Org", contact_email="a@example.org")
    record = _record(identifier="urn:x:1", title="Minutes", date="2017-03-04")
    assert bag_info_fields(RELEASE, config, created, record) == [
        ("Source-Organization", "Org"), ("Contact-Email", "a@example.org"),
        ("External-Identifier", "urn:x:1"), ("External-Description", "Minutes (2017-03-04)"),
        ("Internal-Sender-Identifier", "Rel 1"), ("Bagging-Date", "2026-11-22"),
        ("Bag-Software-Agent", f"{SOFTWARE_NAME} {__version__}")]
    assert bag_info_fields(RELEASE, CollectionConfig(), created)[0] == ("Internal-Sender-Identifier", "Rel 1")


def test_preserve_fields_name_empty_folders_percent_encoded_and_the_fingerprint() -> None:
    assert preserve_fields(RELEASE, "sha256:f") == [
        ("Preserve-Empty-Directory", "data/rel-1/representations/rep1/data/empty"),
        ("Preserve-Empty-Directory", "data/rel-1/representations/rep1/data/100%25"),
        ("Preserve-Fingerprint", "sha256:f")]


def test_external_description_skips_the_placeholder_title_and_is_one_short_line() -> None:
    untitled = Record("r", {"title": [Value(PLACEHOLDER_TITLE, "default")],
                            "description": [Value("A  long\ndescription " + "x" * 300, "document")]})
    assert real_title(untitled) is None
    text = external_description(untitled)
    assert text is not None and len(text) == 200 and text.endswith("…") and "\n" not in text
    assert text.startswith("A long description")
    assert external_description(Record("r")) is None
