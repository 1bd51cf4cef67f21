"""Test helpers: generate a release, build its package with build_package, write it to disk.

Independent of the bag writer: content is copied and hashed with preserve.fixity, the
generated files are written under the package folder (what becomes a bag's data/).
``awkward_input`` and ``AWKWARD_RELEASE`` hold names and values that exercise escaping.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

from dataclasses import replace

from preserve.fixity import Fixity, copy_and_hash
from preserve.formats import FormatInfo, identify
from preserve.intake.config import CollectionConfig
from preserve.package.build import build_package
from preserve.package.model import ContentFile, PackageInput, PackageType, content_path

PRESS_RELEASE = (
    "Press Release\n\n04/11/2016\n\n## Concern mounts as the campaign intensifies\n\n"
    "Civilians and activists are gravely concerned about a renewed offensive. "
    "The organisation calls for an immediate ceasefire.\n\nContact: press@example.org\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17) + b"\x00\x00\x00\x00IEND\xaeB`\x82"
ALGORITHMS = ("sha256", "sha512")
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def write_release(root: Path, files: Mapping[str, bytes], empty_dirs: Sequence[str] = ()) -> Path:
    """Write a release folder (files by relative path) with a fixed mtime."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (1_600_000_000, 1_600_000_000))
    for rel in empty_dirs:
        (root / rel).mkdir(parents=True, exist_ok=True)
    return root


def make_input(pkg: Path, src: Path, relpaths: Sequence[str], *, package_type: PackageType = "SIP",
               empty_dirs: Sequence[str] = (), config: CollectionConfig | None = None,
               release_id: str = "release-1", problems: Sequence[str] = (),
               algorithms: Sequence[str] = ALGORITHMS, dc: Mapping | None = None) -> PackageInput:
    """Copy+hash the release's files into pkg (like the pipeline) and describe the package."""
    files = []
    for rel in relpaths:
        dest = pkg / content_path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fixity = copy_and_hash(src / rel, dest, algorithms, fsync=False)
        mtime = datetime.fromtimestamp((src / rel).stat().st_mtime, timezone.utc)
        files.append(ContentFile(rel, fixity, mtime, identify(dest)))
    for rel in empty_dirs:
        (pkg / content_path(rel)).mkdir(parents=True, exist_ok=True)
    title = "Concern mounts as the campaign intensifies"
    dc = dc if dc is not None else {
        "title": [title], "date": ["2016-11-04"], "language": ["en"], "type": ["Text"],
        "format": sorted({f.format.mime for f in files}), "identifier": [f"urn:preserve:{release_id}"],
        "publisher": ["Example Campaign"], "subject": ["ceasefire", "civilians"],
    }
    return PackageInput(
        release_id=release_id, identifier=f"urn:preserve:{release_id}", title=title, dc=dc,
        dc_json={"title": [{"value": title, "provenance": "first heading"}]},
        provenance=[("title", title, "first heading of the text"), ("date", "2016-11-04", "dateline")],
        validation_problems=list(problems), files=files, empty_dirs=list(empty_dirs),
        config=config if config is not None else CollectionConfig(
            organisation="Example Campaign", contact_email="press@example.org"),
        algorithms=list(algorithms), package_type=package_type, created=CREATED,
    )


def write_package(pkg: Path, generated: Mapping[str, bytes]) -> None:
    """Write the generated files under the package folder."""
    for rel, data in generated.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def build_sample(tmp: Path, files: Mapping[str, bytes] | None = None, *, name: str = "pkg",
                 empty_dirs: Sequence[str] = (), **kwargs) -> tuple[Path, dict[str, bytes], PackageInput]:
    """A whole package on disk: (package folder, generated files, input)."""
    files = files if files is not None else {"press-release.txt": PRESS_RELEASE.encode()}
    src = write_release(tmp / f"{name}-src", files, empty_dirs)
    pkg = tmp / name
    pkg.mkdir()
    inp = make_input(pkg, src, sorted(files), empty_dirs=empty_dirs, **kwargs)
    generated = build_package(inp)
    write_package(pkg, generated)
    return pkg, generated, inp


FOLDER_RELEASE: dict[str, bytes] = {
    "release.txt": PRESS_RELEASE.encode(),
    "notes/Überblick 100% (draft).md": "# Überblick\n\nNotes in *Markdown*.\n".encode(),
    "images/logo.png": PNG,
}


#: file names and values that exercise escaping, in a package on disk (see awkward_package)
AWKWARD_NAMES = ("a.txt", "cr\rname]]>.txt", "weird&<>\"'.txt", "tab\tname", "nl\nname.txt",
                 "bell\x07.dat", "ünï/cödé.png", "%20x.txt", "deep/er/f.bin")
AWKWARD_RELEASE: dict[str, bytes] = {name: f"file {n}: {name!r}\n".encode()
                                     for n, name in enumerate(AWKWARD_NAMES)}
AWKWARD_EMPTY_DIRS = ("e", "x/ y&z")
AWKWARD_CONFIG = CollectionConfig(organisation="Org & <Co>", contact_email="a@b.c", address="1 St\r\nTown",
                                  contact_name='"Ann" <ann>')
AWKWARD_DC = {"title": ["T & <t>\r", "]]>"], "description": ["x\x07y", "tab\there"], "creator": ['"Q" & \'A\''],
              "subject": ["  ", "ünï"], "date": ["2016-11-04"]}


def awkward_package(tmp: Path, **kwargs) -> tuple[Path, dict[str, bytes], PackageInput]:
    """A whole package on disk whose names and values need escaping everywhere (build_sample)."""
    defaults = dict(name="awkward", empty_dirs=AWKWARD_EMPTY_DIRS, config=AWKWARD_CONFIG, dc=AWKWARD_DC,
                    release_id="rel-1&<x>", problems=["bad & <x>\r"], algorithms=("md5", "sha256", "sha512"))
    return build_sample(tmp, AWKWARD_RELEASE, **{**defaults, **kwargs})


def awkward_input(n: int = 12, **kwargs) -> PackageInput:
    """Names and values that exercise escaping: markup characters, CR, tab, control characters.

    No name holds a line feed, so each PREMIS file object stays on its one line.
    """
    names = [name for name in AWKWARD_NAMES if "\n" not in name]
    fmts = [FormatInfo("x-fmt/111", "", "", "text/plain", "a\rb & <c>"),
            FormatInfo("fmt/276", "Acrobat PDF", "1.7", "application/pdf", "siegfried: byte match"),
            FormatInfo(None, "Unknown", None, "application/octet-stream", "no match\x01 ]]>")]
    files = [ContentFile(names[i % len(names)] + ("" if i < len(names) else f".{i}"),
                         Fixity(size=i * 37, digests={"sha256": f"{i:064x}", "sha512": f"{i:0128x}", "md5": f"{i:032x}"}),
                         datetime(2020, 1, 1, tzinfo=timezone.utc), fmts[i % len(fmts)]) for i in range(n)]
    inp = PackageInput(
        release_id="rel-1", identifier="urn:preserve:rel-1&x", title="T & <t>", dc={"title": ["T"]},
        dc_json={}, provenance=[("title", "T & <t>\r", "heading"), ("description", "x\x07y", "p (n)")],
        validation_problems=["bad & <x>\r"], files=files, empty_dirs=list(AWKWARD_EMPTY_DIRS), config=AWKWARD_CONFIG,
        algorithms=["md5", "sha256", "sha512"], package_type="AIP",
        created=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    return replace(inp, **kwargs)
