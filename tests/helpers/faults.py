"""Bags to damage and the damage catalogue: makers, edits, and each fault with the codes it must raise.

PLAIN_FAULTS act on a bag of a generated collection, METS_FAULTS on an E-ARK package bag;
each maps a name to (fault, {(code, path or None)}).
"""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from lxml import etree

from preserve.bag.writer import BagBuilder
from preserve.formats import identify
from preserve.intake.config import CollectionConfig
from preserve.package import build as package
from preserve.package.model import in_payload
from preserve.pipeline import bag_collection, payload_path

NFC_NAME = unicodedata.normalize("NFC", "café.txt")
NFD_NAME = unicodedata.normalize("NFD", "café.txt")


# ---------------------------------------------------------------------------------- makers
def make_collection(src: Path) -> Path:
    """A release folder with sub-folders, an empty folder, '%' and non-ASCII names."""
    rel = src / "gamma"
    src.mkdir(parents=True)
    (src / "preserve.toml").write_text('organisation = "Example Org"\nrights = "CC-BY-4.0"\nlanguage = "en"\n')
    add_curator_sheet(src, ["gamma"])
    (rel / "attachments").mkdir(parents=True)
    (rel / "empty").mkdir()
    (rel / "main.txt").write_text("Gamma headline\n\nBody text.\n", encoding="utf-8")
    (rel / "notes.txt").write_text("Some notes\n", encoding="utf-8")
    (rel / "attachments" / "100% sure.txt").write_text("percent in name\n", encoding="utf-8")
    (rel / NFC_NAME).write_text("accented name\n", encoding="utf-8")
    (rel / "binary.bin").write_bytes(bytes(range(256)) * 4)
    return src


def add_curator_sheet(src: Path, names: list[str]) -> None:
    """A preserve.toml and a metadata.csv that make every release's record valid for deposit."""
    (src / "preserve.toml").write_text('organisation = "Example Org"\nrights = "CC-BY-4.0"\nlanguage = "en"\n')
    rows = ["filename,dc.title,dc.language,dc.type,dc.format,dc.rights,dc.date"]
    for name in names:
        binary = name.endswith(".bin") or name.startswith("beta")
        rows.append(f"{name},Title of {name},{'zxx' if binary else 'en'},{'Dataset' if binary else 'Text'},"
                    f"{'application/octet-stream' if binary else 'text/plain; charset=utf-8'},CC-BY-4.0,2017-03-03")
    (src / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def make_plain_bag(root: Path) -> Path:
    """A valid bag written by preserve's bagger; returns its folder."""
    src = make_collection(root / "src")
    result = bag_collection(src, root / "bags")
    assert result.exit_code == 0, result.as_dict()
    return root / "bags" / "gamma"


def make_mets_bag(dest: Path) -> Path:
    """A valid bag whose payload is an E-ARK package (METS, PREMIS, DC)."""
    src = dest.parent / (dest.name + "-src")
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("Hello\n", encoding="utf-8")
    (src / "sub" / "b.txt").write_text("World\n", encoding="utf-8")
    rels = ("a.txt", "sub/b.txt")
    algorithms = ("sha256", "sha512")
    dc_values = {"title": ["Hello"], "identifier": ["urn:preserve:rel"], "format": ["text/plain; charset=utf-8"],
                 "language": ["en"], "rights": ["CC-BY-4.0"], "type": ["Text"]}
    dc_json = {"release": "rel", "notes": [], "encoding": "utf-8", "main_document": "a.txt", "files": [],
               "elements": {k: [{"value": v, "provenance": "curator sheet"} for v in vals]
                            for k, vals in dc_values.items()}}
    with BagBuilder(dest, algorithms, fsync=False) as bag:
        added = bag.add_files([(in_payload("rel", package.content_path(r)), src / r) for r in rels])
        files = [package.ContentFile(r, added[in_payload("rel", package.content_path(r))], datetime.now(timezone.utc),
                                     identify(src / r)) for r in rels]
        inp = package.PackageInput(
            release_id="rel", identifier="urn:preserve:rel", title="Hello", dc=dc_values, dc_json=dc_json,
            provenance=[], validation_problems=[], files=files, empty_dirs=[], config=CollectionConfig(),
            algorithms=algorithms)
        for path, data in package.build_package(inp).items():
            bag.add_bytes(in_payload("rel", path), data)
        bag.finish([("Bagging-Date", "2024-01-01")])
    return dest


def rehash(bag: Path) -> None:
    """Rewrite every manifest and tag manifest to match the files now present (a consistent re-bag),
    so a fault inside the package is the only one left."""
    algs = [p.name[len("manifest-"):-4] for p in bag.glob("manifest-*.txt")]
    payload = sorted(p for p in (bag / "data").rglob("*") if p.is_file() and not p.is_symlink())
    for alg in algs:
        lines = [f"{hashlib.new(alg, p.read_bytes()).hexdigest()}  {p.relative_to(bag).as_posix()}\n"
                 for p in payload]
        (bag / f"manifest-{alg}.txt").write_text("".join(lines), encoding="utf-8")
    oxum_bytes = sum(p.stat().st_size for p in payload)
    info = [line for line in (bag / "bag-info.txt").read_text().splitlines() if not line.startswith("Payload-Oxum")]
    info.append(f"Payload-Oxum: {oxum_bytes}.{len(payload)}")
    (bag / "bag-info.txt").write_text("\n".join(info) + "\n", encoding="utf-8")
    tags = sorted(p for p in bag.iterdir() if p.is_file() and not p.name.startswith("tagmanifest-"))
    for alg in algs:
        lines = [f"{hashlib.new(alg, p.read_bytes()).hexdigest()}  {p.name}\n" for p in tags]
        (bag / f"tagmanifest-{alg}.txt").write_text("".join(lines), encoding="utf-8")


# ---------------------------------------------------------------------------------- helpers
def edit(path: Path, fn: Callable[[str], str]) -> None:
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


def manifest_line(bag: Path, name: str = "manifest-sha256.txt", containing: str = "main.txt") -> str:
    return next(line for line in (bag / name).read_text().splitlines() if containing in line)


def add_line(bag: Path, name: str, line: str) -> None:
    with open(bag / name, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def drop_lines(bag: Path, name: str, containing: str) -> None:
    edit(bag / name, lambda t: "".join(line + "\n" for line in t.splitlines() if containing not in line))


def flip_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def deny(monkeypatch, target: Path) -> None:
    """Simulate permission denied on one file (the suite runs as root, so chmod would not do)."""
    real = os.open

    def fake(path, flags, *args, **kwargs):
        if os.fspath(path) == os.fspath(target):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake)


D = "data/" + payload_path("gamma", "")  # where the release's files are in the payload
MAIN = D + "main.txt"


# ---------------------------------------------------------------------------------- catalogue
# name -> (fault(bag, monkeypatch), {(code, path or None)})
PLAIN_FAULTS: dict[str, tuple[Callable, set]] = {
    "bit-flip": (lambda b, m: flip_bit(b / MAIN), {("payload-checksum-mismatch", MAIN)}),
    "truncated": (lambda b, m: (b / MAIN).write_bytes((b / MAIN).read_bytes()[:5]),
                  {("payload-checksum-mismatch", MAIN), ("payload-oxum-mismatch", "bag-info.txt")}),
    "appended": (lambda b, m: (b / MAIN).write_bytes((b / MAIN).read_bytes() + b"more"),
                 {("payload-checksum-mismatch", MAIN), ("payload-oxum-mismatch", "bag-info.txt")}),
    "emptied": (lambda b, m: (b / MAIN).write_bytes(b""),
                {("payload-checksum-mismatch", MAIN), ("payload-oxum-mismatch", "bag-info.txt")}),
    "missing": (lambda b, m: (b / MAIN).unlink(), {("payload-missing", MAIN)}),
    "extra-file": (lambda b, m: (b / D / "extra.txt").write_text("x"), {("payload-unlisted", D + "extra.txt")}),
    "extra-hidden-file": (lambda b, m: (b / D / "attachments" / ".DS_Store").write_bytes(b"\0"),
                          {("payload-unlisted", D + "attachments/.DS_Store")}),
    "renamed": (lambda b, m: (b / MAIN).rename(b / D / "main-renamed.txt"), {("payload-renamed", MAIN)}),
    "moved": (lambda b, m: (b / MAIN).rename(b / D / "attachments" / "main.txt"), {("payload-renamed", MAIN)}),
    "case-changed": (lambda b, m: (b / MAIN).rename(b / D / "MAIN.txt"), {("payload-case-changed", MAIN)}),
    "unicode-normalisation": (lambda b, m: (b / D / NFC_NAME).rename(b / D / NFD_NAME),
                              {("payload-normalisation-changed", D + NFC_NAME)}),
    "symlink-replaces-file": (lambda b, m: ((b / MAIN).unlink(), (b / MAIN).symlink_to("/etc/hostname")),
                              {("symlink", MAIN)}),
    "fifo-replaces-file": (lambda b, m: ((b / MAIN).unlink(), os.mkfifo(b / MAIN)), {("special-file", MAIN)}),
    "unreadable-payload": (lambda b, m: deny(m, b / MAIN), {("file-unreadable", MAIN)}),
    "unreadable-tagfile": (lambda b, m: deny(m, b / "bag-info.txt"), {("tagfile-unreadable", "bag-info.txt")}),
    "manifest-line-malformed": (lambda b, m: add_line(b, "manifest-sha256.txt", "not-a-digest data/main.txt"),
                                {("manifest-malformed", None), ("tagfile-checksum-mismatch", "manifest-sha256.txt")}),
    "manifest-line-duplicated": (lambda b, m: add_line(b, "manifest-sha256.txt", manifest_line(b)),
                                 {("manifest-duplicate", None)}),
    "missing-from-one-manifest": (lambda b, m: drop_lines(b, "manifest-sha512.txt", "main.txt"),
                                  {("manifest-entry-missing", MAIN)}),
    "manifest-dotdot-path": (lambda b, m: add_line(b, "manifest-sha256.txt", "0" * 64 + "  data/../../etc/passwd"),
                             {("manifest-unsafe-path", None)}),
    "manifest-absolute-path": (lambda b, m: add_line(b, "manifest-sha256.txt", "0" * 64 + "  /etc/passwd"),
                               {("manifest-unsafe-path", None)}),
    "manifest-backslash-path": (lambda b, m: add_line(b, "manifest-sha256.txt", "0" * 64 + "  data\\main.txt"),
                                {("manifest-unsafe-path", None)}),
    "manifest-outside-data": (lambda b, m: add_line(b, "manifest-sha256.txt", "0" * 64 + "  bag-info.txt"),
                              {("manifest-unsafe-path", None)}),
    "manifests-all-missing": (lambda b, m: [p.unlink() for p in b.glob("manifest-*.txt")],
                              {("manifest-missing", "manifest-*.txt")}),
    "manifest-algorithm-unknown": (lambda b, m: (b / "manifest-foo.txt").write_text("abc  data/main.txt\n"),
                                   {("manifest-algorithm-unsupported", "manifest-foo.txt")}),
    "tagfile-changed": (lambda b, m: edit(b / "bag-info.txt", lambda t: t.replace("Bagging-Date", "Bagging-Date") + "X-Note: y\n"),
                        {("tagfile-checksum-mismatch", "bag-info.txt")}),
    "tagfile-missing": (lambda b, m: (b / "bag-info.txt").unlink(), {("tagfile-missing", "bag-info.txt")}),
    "tagfile-unlisted": (lambda b, m: (b / "notes.txt").write_text("x"), {("tagfile-unlisted", "notes.txt")}),
    "tagfile-unsafe-path": (lambda b, m: add_line(b, "tagmanifest-sha256.txt", "0" * 64 + "  ../outside.txt"),
                            {("manifest-unsafe-path", None)}),
    "tagmanifest-missing": (lambda b, m: [p.unlink() for p in b.glob("tagmanifest-*.txt")],
                            {("tagmanifest-missing", "tagmanifest-*.txt")}),
    "tagmanifest-lists-itself": (lambda b, m: add_line(b, "tagmanifest-sha256.txt", "0" * 64 + "  tagmanifest-sha256.txt"),
                                 {("tagmanifest-self-listed", "tagmanifest-sha256.txt")}),
    "tagfile-missing-from-one-tagmanifest": (lambda b, m: drop_lines(b, "tagmanifest-sha512.txt", "bag-info.txt"),
                                             {("tagmanifest-entry-missing", "bag-info.txt")}),
    "bagit-missing": (lambda b, m: (b / "bagit.txt").unlink(), {("bagit-missing", "bagit.txt")}),
    "bagit-malformed": (lambda b, m: (b / "bagit.txt").write_text("BagIt-Version 1.0\n"), {("bagit-malformed", "bagit.txt")}),
    "bagit-version-unsupported": (lambda b, m: edit(b / "bagit.txt", lambda t: t.replace("1.0", "2.0")),
                                  {("bagit-version-unsupported", "bagit.txt")}),
    "baginfo-malformed-line": (lambda b, m: edit(b / "bag-info.txt", lambda t: t + "no colon here\n"),
                               {("baginfo-malformed", None)}),
    "baginfo-not-utf8": (lambda b, m: (b / "bag-info.txt").write_bytes((b / "bag-info.txt").read_bytes() + b"X: \xff\xfe\n"),
                         {("tagfile-encoding", "bag-info.txt")}),
    "baginfo-oversized": (lambda b, m: (b / "bag-info.txt").write_bytes(b"X: " + b"y" * (2 << 20) + b"\n"),
                          {("tagfile-too-large", "bag-info.txt")}),
    "payload-oxum-wrong": (lambda b, m: edit(b / "bag-info.txt", lambda t: "\n".join(
        "Payload-Oxum: 1.1" if line.startswith("Payload-Oxum") else line for line in t.splitlines()) + "\n"),
                           {("payload-oxum-mismatch", "bag-info.txt")}),
    "payload-oxum-repeated": (lambda b, m: edit(b / "bag-info.txt", lambda t: t + "Payload-Oxum: 1.1\n"),
                              {("baginfo-malformed", "bag-info.txt")}),
    "fetch-txt-present": (lambda b, m: (b / "fetch.txt").write_text("http://example.invalid/x 5 data/x\n"),
                          {("fetch-unsupported", "fetch.txt")}),
    "empty-folder-removed": (lambda b, m: (b / D / "empty").rmdir(), {("empty-directory-missing", D + "empty")}),
    "payload-dir-removed": (lambda b, m: shutil.rmtree(b / "data"),
                            {("payload-dir-missing", "data"), ("payload-missing", MAIN)}),
    "payload-dir-replaced-by-file": (lambda b, m: (shutil.rmtree(b / "data"), (b / "data").write_text("x")),
                                     {("payload-dir-missing", "data")}),
    "payload-dir-emptied": (lambda b, m: (shutil.rmtree(b / "data"), (b / "data").mkdir()),
                            {("payload-missing", MAIN), ("payload-oxum-mismatch", "bag-info.txt")}),
}


# ---------------------------------------------------------------------------------- METS faults
def _set_attr(path: str, attr: str, value: str) -> Callable[[bytes], bytes]:
    """Change attr on the METS element whose FLocat/mdRef href is path."""
    def change(data: bytes) -> bytes:
        root = etree.fromstring(data)
        for el in root.iter():
            href = el.get("{http://www.w3.org/1999/xlink}href")
            if href == path:
                target = el if el.get(attr) is not None else el.getparent()
                target.set(attr, value)
                return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        raise AssertionError(f"{path} not in METS")
    return change


def _mets(bag: Path, change: Callable[[bytes], bytes], name: str = "METS.xml") -> None:
    p = bag / PKG / name
    p.write_bytes(change(p.read_bytes()))


def _rep_mets(bag: Path, change: Callable[[bytes], bytes]) -> None:
    """Change the representation METS (it lists the content files; the root METS lists it)."""
    _mets(bag, change, "representations/rep1/METS.xml")


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n<mets xmlns="http://www.loc.gov/METS/">&lol9;</mets>\n')


def xxe(secret: Path) -> bytes:
    return (b'<?xml version="1.0"?>\n<!DOCTYPE mets [<!ENTITY xxe SYSTEM "file://' + str(secret).encode()
            + b'">]>\n<mets xmlns="http://www.loc.gov/METS/"><metsHdr>&xxe;</metsHdr></mets>\n')


PKG = "data/rel/"  # the package root folder in make_mets_bag's bag
REP = PKG + "representations/rep1/"
METS_FAULTS: dict[str, tuple[Callable, set]] = {
    "mets-not-well-formed": (lambda b: (b / (PKG + "METS.xml")).write_bytes(b"<mets><unclosed></mets>"),
                             {("mets-malformed", PKG + "METS.xml")}),
    "mets-billion-laughs": (lambda b: (b / (PKG + "METS.xml")).write_bytes(BILLION_LAUGHS),
                            {("mets-malformed", PKG + "METS.xml")}),
    "mets-xxe": (lambda b: (b / (PKG + "METS.xml")).write_bytes(xxe(b.parent / "secret.txt")),
                 {("mets-malformed", PKG + "METS.xml")}),
    "mets-schema-invalid": (lambda b: _mets(b, lambda d: d.replace(b"<metsHdr", b"<bogus/><metsHdr", 1)),
                            {("mets-invalid", PKG + "METS.xml")}),
    "mets-checksum-disagrees": (lambda b: _rep_mets(b, _set_attr("data/a.txt", "CHECKSUM", "0" * 64)),
                                {("mets-checksum-mismatch", REP + "data/a.txt")}),
    "mets-size-disagrees": (lambda b: _rep_mets(b, _set_attr("data/a.txt", "SIZE", "999")),
                            {("mets-size-mismatch", REP + "data/a.txt")}),
    "root-mets-checksum-disagrees": (
        lambda b: _mets(b, _set_attr("representations/rep1/METS.xml", "CHECKSUM", "0" * 64)),
        {("mets-checksum-mismatch", REP + "METS.xml")}),
    "mets-content-changed": (lambda b: (b / REP / "data/a.txt").write_text("Changed\n"),
                             {("mets-checksum-mismatch", REP + "data/a.txt")}),
    "mets-listed-file-missing": (lambda b: (b / REP / "data/a.txt").unlink(),
                                 {("mets-file-missing", REP + "data/a.txt")}),
    "mets-content-unlisted": (lambda b: (b / REP / "data/new.txt").write_text("new\n"),
                              {("mets-file-unlisted", REP + "data/new.txt")}),
    "premis-not-well-formed": (lambda b: (b / (PKG + "metadata/preservation/premis.xml")).write_bytes(b"<premis"),
                               {("premis-malformed", PKG + "metadata/preservation/premis.xml")}),
    "premis-xxe": (lambda b: (b / (PKG + "metadata/preservation/premis.xml")).write_bytes(xxe(b.parent / "secret.txt")),
                   {("premis-malformed", PKG + "metadata/preservation/premis.xml")}),
    "dc-xml-not-well-formed": (lambda b: (b / (PKG + "metadata/descriptive/dc.xml")).write_bytes(b"<dc>"),
                               {("dc-malformed", PKG + "metadata/descriptive/dc.xml")}),
    "dc-json-not-json": (lambda b: (b / (PKG + "metadata/descriptive/dc.json")).write_text("{not json"),
                         {("dc-malformed", PKG + "metadata/descriptive/dc.json")}),
    "dc-json-invalid-record": (lambda b: edit(b / (PKG + "metadata/descriptive/dc.json"),
                                              lambda t: t.replace("urn:preserve:rel", "not a uri")),
                               {("dc-invalid", PKG + "metadata/descriptive/dc.json")}),
}
