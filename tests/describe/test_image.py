"""Images described from XMP, IPTC, EXIF and PNG text, never decoding pixels, bounded on hostile files."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers.bounds import peak_memory, within
from helpers.media_files import (exif_bytes, png_claiming_size, raw_exif, sparse_file, write_gif, write_jpeg,
                                 write_png, write_tiff, write_webp, xmp_packet)
from preserve.describe.embedded import Limits
from preserve.describe.image import describe_image

EXIF = dict(description="Volunteers dig the second well", artist="Amina Otieno",
            copyright="(c) 2016 Community Water Network", date_original="2016:02:15 10:30:00")
XMP = dict(title="The second well at Kisumu", creators=["Amina Otieno", "Peter Wafula"],
           description="Volunteers dig the second well", rights="CC BY 4.0", subjects=["wells", "water"],
           date_created="2016-02-14")
IPTC = {(2, 5): "Second well opening", (2, 80): "Amina Otieno", (2, 120): "The second well opens",
        (2, 55): "20160213", (2, 25): ["wells", "volunteers"], (2, 116): "Community Water Network"}
NO_LANGUAGE = ("language: not applicable to an image unless it holds text; set dc.language in metadata.csv "
               "if it does")


def pairs(draft, element):
    return [(v.value, v.provenance) for v in draft.elements.get(element, [])]


@pytest.fixture(autouse=True)
def never_decode(monkeypatch):
    """Every test fails if a describer decodes pixels."""
    from PIL import ImageFile

    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels decoded")
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_jpeg_exif_only(tmp_path):
    draft = describe_image(write_jpeg(tmp_path / "well.jpg", exif=exif_bytes(**EXIF)), "photos/well.jpg")
    assert pairs(draft, "description") == [("Volunteers dig the second well", "EXIF ImageDescription")]
    assert pairs(draft, "creator") == [("Amina Otieno", "EXIF Artist")]
    assert pairs(draft, "rights") == [("(c) 2016 Community Water Network", "EXIF Copyright")]
    assert pairs(draft, "date") == [("2016-02-15", "EXIF DateTimeOriginal")]
    assert "title" not in draft.elements and "language" not in draft.elements
    assert "image: JPEG, 32 × 24 pixels, mode RGB" in draft.notes
    assert NO_LANGUAGE in draft.notes


def test_xmp_wins_but_the_capture_date_comes_from_exif(tmp_path):
    path = write_jpeg(tmp_path / "well.jpg", exif=exif_bytes(**EXIF), xmp=xmp_packet(**XMP), iptc=IPTC)
    draft = describe_image(path, "well.jpg")
    assert pairs(draft, "title") == [("The second well at Kisumu", "XMP dc:title")]
    assert pairs(draft, "creator") == [("Amina Otieno", "XMP dc:creator"), ("Peter Wafula", "XMP dc:creator")]
    assert pairs(draft, "rights") == [("CC BY 4.0", "XMP dc:rights")]
    assert pairs(draft, "subject") == [("wells", "XMP dc:subject"), ("water", "XMP dc:subject")]
    assert pairs(draft, "date") == [("2016-02-15", "EXIF DateTimeOriginal")]
    notes = "\n".join(draft.notes)
    assert "title: IPTC 2:05 ObjectName 'Second well opening' differs; XMP dc:title was kept" in notes
    assert "date: XMP photoshop:DateCreated '2016-02-14' differs; EXIF DateTimeOriginal was kept" in notes


def test_jpeg_iptc_only(tmp_path):
    draft = describe_image(write_jpeg(tmp_path / "a.jpg", iptc=IPTC), "a.jpg")
    assert pairs(draft, "title") == [("Second well opening", "IPTC 2:05 ObjectName")]
    assert pairs(draft, "creator") == [("Amina Otieno", "IPTC 2:80 By-line")]
    assert pairs(draft, "description") == [("The second well opens", "IPTC 2:120 Caption")]
    assert pairs(draft, "date") == [("2016-02-13", "IPTC 2:55 DateCreated")]
    assert pairs(draft, "subject") == [("wells", "IPTC 2:25 Keywords"), ("volunteers", "IPTC 2:25 Keywords")]
    assert pairs(draft, "rights") == [("Community Water Network", "IPTC 2:116 CopyrightNotice")]


def test_png_text_chunks(tmp_path):
    path = write_png(tmp_path / "map.png", text={"Title": "Map of the new wells", "Author": "GIS Team of the Network"},
                     itxt={"Description": "Wells in Kisumu county, 2016",
                           "Creation Time": "Mon, 15 Feb 2016 10:00:00 GMT"})
    draft = describe_image(path, "map.png")
    assert pairs(draft, "title") == [("Map of the new wells", "PNG text chunk: Title")]
    assert pairs(draft, "creator") == [("GIS Team of the Network", "PNG text chunk: Author")]
    assert pairs(draft, "description") == [("Wells in Kisumu county, 2016", "PNG text chunk: Description")]
    assert pairs(draft, "date") == [("2016-02-15", "PNG text chunk: Creation Time")]


def test_tiff_tags_xmp_and_iptc(tmp_path):
    path = write_tiff(tmp_path / "scan.tif", description="Scan of the well permit", artist="County Water Office",
                      xmp=xmp_packet(title="Well permit 2016"), iptc={(2, 80): "County Water Office"})
    draft = describe_image(path, "scan.tif")
    assert pairs(draft, "title") == [("Well permit 2016", "XMP dc:title")]
    assert pairs(draft, "description") == [("Scan of the well permit", "EXIF ImageDescription")]
    assert pairs(draft, "creator") == [("County Water Office", "IPTC 2:80 By-line")]


def test_webp_exif_and_xmp(tmp_path):
    path = write_webp(tmp_path / "a.webp", exif=exif_bytes(**EXIF), xmp=xmp_packet(title="Well in WebP form"))
    draft = describe_image(path, "a.webp")
    assert pairs(draft, "title") == [("Well in WebP form", "XMP dc:title")]
    assert pairs(draft, "date") == [("2016-02-15", "EXIF DateTimeOriginal")]


def test_gif_without_metadata(tmp_path):
    draft = describe_image(write_gif(tmp_path / "logo.gif", comment="Made with an editor"), "logo.gif")
    assert draft.elements == {}
    assert "image: GIF, 8 × 8 pixels, mode P" in draft.notes
    assert "date: no capture or creation date in the image's metadata" in draft.notes


def test_windows_xp_tags(tmp_path):
    extra = {0x9C9B: "Well opening day".encode("utf-16-le"), 0x9C9E: "wells;water".encode("utf-16-le")}
    draft = describe_image(write_jpeg(tmp_path / "a.jpg", exif=exif_bytes(extra=extra)), "a.jpg")
    assert pairs(draft, "title") == [("Well opening day", "EXIF XPTitle")]
    assert pairs(draft, "subject") == [("wells", "EXIF XPKeywords"), ("water", "EXIF XPKeywords")]


def test_junk_is_dropped_with_notes(tmp_path):
    exif = exif_bytes(description="OLYMPUS DIGITAL CAMERA", artist="Administrator", make="Canon")
    path = write_jpeg(tmp_path / "IMG_1234.jpg", exif=exif, xmp=xmp_packet(title="IMG_1234.JPG"))
    draft = describe_image(path, "IMG_1234.jpg")
    assert draft.elements == {}
    notes = "\n".join(draft.notes)
    assert "description: EXIF ImageDescription 'OLYMPUS DIGITAL CAMERA' not used: a camera's default caption" in notes
    assert "creator: EXIF Artist 'Administrator' not used: a placeholder account name" in notes
    assert "title: XMP dc:title 'IMG_1234.JPG' not used: looks like a file name" in notes


def test_a_caption_that_names_the_camera_is_dropped(tmp_path):
    draft = describe_image(write_jpeg(tmp_path / "a.jpg", exif=exif_bytes(description="Canon EOS 5D", extra={
        0x0110: "Canon EOS 5D"})), "a.jpg")
    assert "description" not in draft.elements
    assert any("only names the camera" in n for n in draft.notes)


def test_placeholder_exif_date_is_ignored(tmp_path):
    draft = describe_image(write_jpeg(tmp_path / "a.jpg", exif=exif_bytes(date_original="0000:00:00 00:00:00")),
                           "a.jpg")
    assert "date" not in draft.elements
    assert any("placeholder" in n for n in draft.notes)


# --------------------------------------------------------------------------- hostile files
def test_truncated_jpeg_in_its_header(tmp_path):
    data = write_jpeg(tmp_path / "full.jpg", exif=exif_bytes(**EXIF)).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[:300])
    draft = within(60, describe_image, tmp_path / "cut.jpg", "cut.jpg")
    assert draft.elements == {}
    assert any(n.startswith("image: metadata not read (") for n in draft.notes)


def test_truncated_jpeg_in_its_image_data_keeps_its_metadata(tmp_path):
    data = write_jpeg(tmp_path / "full.jpg", size=(400, 300), exif=exif_bytes(**EXIF)).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: data.index(b"\xff\xda") + 40])
    draft = within(60, describe_image, tmp_path / "cut.jpg", "cut.jpg")
    assert pairs(draft, "creator") == [("Amina Otieno", "EXIF Artist")]


def test_header_claiming_100000_by_100000_pixels(tmp_path):
    path = png_claiming_size(tmp_path / "bomb.png", 100_000, 100_000, text={"Title": "County map of wells"})
    draft, peak = within(60, peak_memory, describe_image, path, "bomb.png")
    assert pairs(draft, "title") == [("County map of wells", "PNG text chunk: Title")]
    assert any("decompression bomb" in n and "never decoded" in n for n in draft.notes)
    assert "image: PNG, 100000 × 100000 pixels, mode RGB" in draft.notes
    assert peak < 32 << 20


def test_exif_with_garbage_types_counts_and_offsets(tmp_path):
    entries = [(0x010E, 0xFF, 0xFFFFFFFF, 0x7FFFFFFF),  # unknown type, absurd count
               (0x013B, 2, 0x10000000, 0x100),         # ASCII claiming 256 MiB
               (0x8298, 7, 5, 0x41414141),              # UNDEFINED at an offset past the end
               (0x8769, 4, 1, 8)]                       # the Exif IFD pointing back at IFD0: a loop
    path = write_jpeg(tmp_path / "g.jpg", exif=raw_exif(entries, next_ifd=8))
    draft = within(60, describe_image, path, "g.jpg")
    assert "creator" not in draft.elements and "description" not in draft.elements
    assert any(n.startswith("image: ") and "warning" in n for n in draft.notes)


def test_exif_text_tags_of_a_numeric_type(tmp_path):
    entries = [(0x010E, 3, 1, 7), (0x013B, 4, 1, 12345), (0x9C9B, 9, 1, 0xFFFFFFFF)]  # SHORT, LONG, SLONG
    draft = within(60, describe_image, write_jpeg(tmp_path / "t.jpg", exif=raw_exif(entries)), "t.jpg")
    assert not {"title", "creator", "description"} & set(draft.elements)
    for label in ("ImageDescription", "Artist", "XPTitle"):
        assert f"image: EXIF {label} holds a int, not text; ignored" in draft.notes


def test_malformed_xmp_is_a_note(tmp_path):
    bad = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>'
    draft = describe_image(write_jpeg(tmp_path / "x.jpg", xmp=bad, exif=exif_bytes(artist="Amina Otieno")), "x.jpg")
    assert pairs(draft, "creator") == [("Amina Otieno", "EXIF Artist")]
    assert any(n.startswith("image: XMP metadata not read") for n in draft.notes)


def test_sparse_4gib_file_after_a_whole_jpeg(tmp_path):
    head = write_jpeg(tmp_path / "h.jpg", exif=exif_bytes(artist="Amina Otieno")).read_bytes()
    draft, peak = within(120, peak_memory, describe_image, sparse_file(tmp_path / "huge.jpg", head), "huge.jpg")
    assert pairs(draft, "creator") == [("Amina Otieno", "EXIF Artist")]
    assert peak < 32 << 20


def test_sparse_4gib_of_zeros_where_jpeg_markers_should_be(tmp_path):
    head = write_jpeg(tmp_path / "h.jpg", exif=exif_bytes(artist="Amina Otieno")).read_bytes()
    path = sparse_file(tmp_path / "huge.jpg", head[: head.index(b"\xff\xda")])  # no scan: zeros follow
    draft, peak = within(120, peak_memory, describe_image, path, "huge.jpg")
    assert any(n.startswith("image: metadata not read (stopped at a bound") for n in draft.notes)
    assert peak < 32 << 20


def test_a_byte_budget_stops_a_large_webp(tmp_path):
    path = write_webp(tmp_path / "a.webp", xmp=xmp_packet(title="A title of a WebP"))
    draft = describe_image(path, "a.webp", limits=Limits(max_bytes=20))
    assert any("stopped at a bound" in n for n in draft.notes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=400),
       prefix=st.sampled_from([b"\xff\xd8\xff\xe1\x01\x00Exif\x00\x00II*\x00\x08\x00\x00\x00", b"\x89PNG\r\n\x1a\n",
                               b"II*\x00\x08\x00\x00\x00", b"RIFF\x00\x01\x00\x00WEBPVP8X", b"GIF89a"]))
def test_any_bytes_after_a_signature_give_a_draft(prefix, body):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.img"
        path.write_bytes(prefix + body)
        draft = describe_image(path, "fuzz.img", limits=Limits(max_seconds=5))
    assert NO_LANGUAGE in draft.notes
    assert all(isinstance(v.value, str) and v.value for vs in draft.elements.values() for v in vs)
