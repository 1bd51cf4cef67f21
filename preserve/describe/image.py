"""Describe an image (JPEG, PNG, TIFF, WebP, GIF) from its embedded metadata, never decoding pixels.

Pillow opens the file lazily (headers and metadata segments only) behind a read budget
(:class:`preserve.describe.media.BoundedFile`). Four sources are read, and for each element
the first source in this order that gives a usable value wins (the others that differ are
noted):

- XMP (Adobe XMP Part 1 §7, Dublin Core and Photoshop schemas): dc:title, dc:creator,
  dc:description, dc:rights, dc:subject, photoshop:DateCreated; parsed by preserve.xml.safe;
- IPTC IIM 4.2 record 2: 2:05 ObjectName, 2:80 By-line, 2:120 Caption/Abstract, 2:116
  Copyright Notice, 2:25 Keywords, 2:55 Date Created;
- EXIF 2.32: 0x010E ImageDescription, 0x013B Artist, 0x8298 Copyright, 0x9003
  DateTimeOriginal (Exif IFD), and the Windows XP tags 0x9C9B XPTitle, 0x9C9D XPAuthor,
  0x9C9E XPKeywords; for the date EXIF DateTimeOriginal comes first (the capture moment);
- PNG text chunks (PNG 1.2 §11.3.4.2 keywords): Title, Author, Description, Copyright,
  Creation Time.

A value that is junk (a camera's "OLYMPUS DIGITAL CAMERA" caption, a file name as title, a
login as artist) is dropped with a note. An image has no language unless it holds text: none
is set, with a note. A decompression bomb (a header claiming billions of pixels) is a note:
the pixels are never decoded, so its metadata is read all the same.
"""
from __future__ import annotations

import re
import struct
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

from preserve.describe.embedded import DEFAULT_LIMITS, Limits, clean, embedded_date, junk_creator, junk_title
from preserve.describe.media import BoundedFile, open_bounded, why
from preserve.describe.message import header_date
from preserve.describe.text import Draft
from preserve.describe.xmp import property_values
from preserve.record import Value

#: the elements an image's metadata can give, in the order they are settled
ELEMENTS = ("title", "creator", "description", "date", "rights", "subject")
_CAMERA_CAPTION = re.compile(r"^[A-Z0-9 ._-]*\b(DIGITAL CAMERA|CAMERA|DSC|DIGITAL STILL|IMAGE)\b[A-Z0-9 ._-]*$")
_HAS_WORD = re.compile(r"[^\W_]")
#: EXIF IFD0 tags (EXIF 2.32 §4.6.4, Table 4) and the Windows XP tags (UTF-16LE bytes)
_EXIF_IFD0 = {0x010E: ("description", "ImageDescription"), 0x013B: ("creator", "Artist"),
              0x8298: ("rights", "Copyright"), 0x9C9B: ("title", "XPTitle"), 0x9C9D: ("creator", "XPAuthor"),
              0x9C9E: ("subject", "XPKeywords")}
_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 0x9003
#: IPTC IIM 4.2 record 2 datasets
_IPTC = {(2, 5): ("title", "ObjectName"), (2, 80): ("creator", "By-line"), (2, 120): ("description", "Caption"),
         (2, 116): ("rights", "CopyrightNotice"), (2, 25): ("subject", "Keywords"), (2, 55): ("date", "DateCreated")}
_PNG_TEXT = {"Title": "title", "Author": "creator", "Description": "description", "Copyright": "rights",
             "Creation Time": "date"}
_XMP = (("dc", "title", "title"), ("dc", "creator", "creator"), ("dc", "description", "description"),
        ("dc", "rights", "rights"), ("dc", "subject", "subject"), ("photoshop", "DateCreated", "date"))

#: one source's values: (element, provenance, raw values)
Found = tuple[str, str, list[str]]


def describe_image(path: Path, name: str, *, limits: Limits = DEFAULT_LIMITS, **context: Any) -> Draft:
    """Draft of an image from its metadata; a failure or a bound reached is a note, never an error."""
    notes: list[str] = []
    found: list[Found] = []
    # Pillow warns (a UserWarning) of each oddity of a hostile file: the first becomes a note
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            with open_bounded(path, limits.max_bytes, limits) as f:
                im = _open(f, notes)
                try:
                    notes.append(_size_note(im))
                    found = read_metadata(im, notes, limits)
                finally:
                    im.close()
        except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - hostile files: a note
            notes.append(f"image: metadata not read ({why(exc)}); the file is bagged as is")
    warned = [w for w in warned if w.category.__name__ != "DecompressionBombWarning"]  # noted by _open
    if warned:
        first = str(warned[0].message)[:160]
        notes.append(f"image: {len(warned)} warning(s) from the image reader, first: {first}")
    draft = choose(found, name, notes)
    notes.append("language: not applicable to an image unless it holds text; set dc.language in "
                 "metadata.csv if it does")
    draft.notes[:0] = notes
    return draft


def _open(f: BoundedFile, notes: list[str]) -> Any:
    """The image's header and metadata, opened lazily; a decompression bomb is opened unchecked."""
    from PIL import Image  # imported only when a release holds an image

    try:
        im = Image.open(f)
    except Image.DecompressionBombError as exc:
        notes.append(f"image: {exc} Its pixels are never decoded: only its header and metadata are read")
    else:
        if Image.MAX_IMAGE_PIXELS and im.size[0] * im.size[1] > Image.MAX_IMAGE_PIXELS:
            notes.append("image: its size passes Pillow's decompression-bomb warning limit; its pixels are "
                         "never decoded")
        return im
    # Image.open refuses the size before returning the image; the format's own reader, which
    # reads headers only, gives the metadata (Pillow's plugin registry: Image.ID and Image.OPEN).
    Image.init()
    f.seek(0)
    prefix = f.read(16)
    for fmt in Image.ID:
        factory, accept = Image.OPEN[fmt]
        accepted = accept is None or accept(prefix)
        if accepted and not isinstance(accepted, str):
            f.seek(0)
            try:
                return factory(f, "")
            except (SyntaxError, IndexError, TypeError, struct.error):
                continue  # not this format after all: Image.open tries the next one too
    raise ValueError("no reader for this image format")


def _size_note(im: Any) -> str:
    """The pixel size, mode and format of an opened image."""
    width, height = im.size
    return f"image: {im.format or 'unknown format'}, {width} × {height} pixels, mode {im.mode}"


def read_metadata(im: Any, notes: list[str], limits: Limits = DEFAULT_LIMITS) -> list[Found]:
    """Every value the image's XMP, IPTC, EXIF and PNG text state, in the order of preference."""
    found: list[Found] = []
    for label, reader in (("XMP", _xmp), ("IPTC", _iptc), ("EXIF", _exif), ("PNG text", _png_text)):
        try:
            found.extend(reader(im, limits, notes))
        except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - one bad segment, one note
            notes.append(f"image: {label} metadata not read ({why(exc)})")
    return found


def _xmp(im: Any, limits: Limits, notes: list[str]) -> list[Found]:
    """dc: and photoshop: properties of the XMP packet, if the image has one."""
    packet = im.info.get("xmp")
    if not packet:
        return []
    from preserve.xml.safe import parse_xml

    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    root = parse_xml(bytes(packet).strip(b"\x00 \t\r\n"), max_bytes=limits.max_member_bytes).getroot()
    out: list[Found] = []
    for prefix, local, element in _XMP:
        values = [c for c in map(clean, property_values(root, f"{prefix}:{local}")) if c]
        if values:
            out.append((element, f"XMP {prefix}:{local}", values))
    return out


def _iptc(im: Any, limits: Limits, notes: list[str]) -> list[Found]:
    """IPTC IIM record 2 datasets (JPEG APP13 or TIFF tag 33723)."""
    from PIL import IptcImagePlugin

    info = IptcImagePlugin.getiptcinfo(im) or {}
    charset = info.get((1, 90))
    utf8 = isinstance(charset, bytes) and charset.startswith(b"\x1b%G")  # IIM 1:90, ISO 2022 escape for UTF-8
    out: list[Found] = []
    for key, (element, label) in _IPTC.items():
        raw = info.get(key)
        if raw is None:
            continue
        items = raw if isinstance(raw, list) else [raw]
        values = [_decode_text(v, "utf-8" if utf8 else None) for v in items]
        if element == "date":  # IIM DateCreated is CCYYMMDD
            values = [re.sub(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", v) for v in values]
        out.append((element, f"IPTC {key[0]}:{key[1]:02d} {label}", [v for v in values if v]))
    return out


def _exif(im: Any, limits: Limits, notes: list[str]) -> list[Found]:
    """EXIF IFD0 text tags and the Exif IFD's DateTimeOriginal."""
    if im.format == "PNG" and "exif" not in im.info:
        return []  # an eXIf chunk after the image data: Pillow would decode the pixels to reach it
    exif = im.getexif()
    out: list[Found] = []
    try:
        original = exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL)
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - a broken Exif IFD leaves IFD0
        original = None
        notes.append(f"image: EXIF Exif IFD not read ({why(exc)})")
    if original is not None:
        out.append(("date", "EXIF DateTimeOriginal", [_exif_text(original, "utf-8")]))
    make_model = {clean(_exif_text(exif.get(tag), "utf-8")).lower() for tag in (0x010F, 0x0110)} - {""}
    for tag, (element, label) in _EXIF_IFD0.items():
        raw = exif.get(tag)
        if raw is None:
            continue
        text = _exif_text(raw, "utf-16-le" if label.startswith("XP") else "utf-8")
        if not text:
            notes.append(f"image: EXIF {label} holds a {type(raw).__name__}, not text; ignored")
            continue
        if element == "description" and clean(text).lower() in make_model:
            notes.append(f"description: EXIF {label} {text!r} only names the camera; not used")
            continue
        values = [v.strip() for v in text.split(";")] if label == "XPKeywords" else [text]
        out.append((element, f"EXIF {label}", values))
    return out


def _png_text(im: Any, limits: Limits, notes: list[str]) -> list[Found]:
    """PNG tEXt, zTXt and iTXt chunks before the image data (Pillow's im.info: no decoding)."""
    if im.format != "PNG":
        return []
    out: list[Found] = []
    for key, element in _PNG_TEXT.items():
        value = im.info.get(key)
        if isinstance(value, str) and value.strip():
            out.append((element, f"PNG text chunk: {key}", [str(value)]))
    return out


def _decode_text(raw: Any, encoding: str | None) -> str:
    """Text of a metadata value given as str or bytes (UTF-8 when it decodes, else Latin-1)."""
    if isinstance(raw, str):
        return clean(raw)
    if not isinstance(raw, (bytes, bytearray)):
        return ""
    for codec in filter(None, (encoding, "utf-8")):
        try:
            return clean(bytes(raw).decode(codec))
        except UnicodeDecodeError:
            continue
    return clean(bytes(raw).decode("latin-1"))


def _exif_text(raw: Any, encoding: str) -> str:
    """Text of an EXIF value: str, bytes, or a tuple of byte values (XP tags); "" for any other type."""
    if isinstance(raw, tuple) and raw and all(isinstance(b, int) and 0 <= b < 256 for b in raw):
        raw = bytes(raw)
    if isinstance(raw, (bytes, bytearray)) and encoding == "utf-16-le":
        return clean(bytes(raw).decode("utf-16-le", "replace"))
    return _decode_text(raw, encoding)


def _junk(element: str, value: str, filename: str) -> str | None:
    """Why a metadata value cannot describe the image, or None when it can."""
    if not _HAS_WORD.search(value):
        return "no letter or digit"
    if element == "title":
        return junk_title(value, filename)
    if element == "creator":
        return junk_creator(value)
    if element == "description" and _CAMERA_CAPTION.match(value):
        return "a camera's default caption"
    if element == "subject" and len(value) > 80:
        return "too long for a keyword"
    return None


def choose(found: Sequence[Found], filename: str, notes: list[str]) -> Draft:
    """A draft from the sources' values: per element, the first source with a usable value."""
    draft = Draft()
    for element in ELEMENTS:
        kept: list[str] = []
        source = ""
        ordered = sorted(found, key=lambda f: f[1] != "EXIF DateTimeOriginal") if element == "date" else found
        for el, provenance, values in ordered:
            if el != element:
                continue
            usable = _usable(element, provenance, values, filename, notes)
            if not usable:
                continue
            if not kept:
                kept, source = [v.value for v in usable], provenance
                for v in usable:
                    draft.add(element, v)
            elif {v.value for v in usable} != set(kept):
                notes.append(f"{element}: {provenance} {usable[0].value!r} differs; {source} was kept")
    if "date" not in draft.elements:
        notes.append("date: no capture or creation date in the image's metadata")
    return draft


def _usable(element: str, provenance: str, values: list[str], filename: str, notes: list[str]) -> list[Value]:
    """The values of one source that are not junk, as Values; a note for each one dropped."""
    out: list[Value] = []
    convert: Callable[[str], Value | None] = (lambda raw: _date(raw, provenance, notes)) if element == "date" \
        else (lambda raw: Value(clean(raw), provenance))
    for raw in values[:1] if element in ("title", "description", "date") else values:
        reason = _junk(element, clean(raw), filename)
        if reason:
            notes.append(f"{element}: {provenance} {raw!r} not used: {reason}")
            continue
        value = convert(raw)
        if value is not None and value.value not in [v.value for v in out]:
            out.append(value)
    return out


def _date(raw: str, provenance: str, notes: list[str]) -> Value | None:
    """A metadata date: EXIF 'YYYY:MM:DD hh:mm:ss', ISO 8601, or RFC 1123 (PNG Creation Time)."""
    return header_date(raw, provenance, notes) if re.match(r"^[A-Za-z]{3},", raw.strip()) \
        else embedded_date(raw, provenance, notes)
