"""Audio and video described from their tags (tinytag), bounded on hostile and huge files."""
from __future__ import annotations

import io
import json
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers.bounds import peak_memory, within
from helpers.media_files import id3_frame, id3v2_tag, sparse_file, write_flac, write_m4a, write_mp3, write_wav
from preserve.describe.embedded import Limits
from preserve.describe.media import _ISO639_2, BoundedFile, ReadBound, describe_media, language_code
from preserve.schemas import __file__ as _schemas

INTERVIEW = {"TIT2": "Interview on the new wells", "TPE1": "Community Water Network", "TDRC": "2016-02-15",
             "TLAN": "swa", "COMM": "The project lead talks about the wells", "TCON": "Speech",
             "TALB": "Water voices", "TCOP": "2016 Community Water Network", "TCOM": "Juma Odhiambo"}


def values(draft, element):
    return [v.value for v in draft.elements.get(element, [])]


def provenance(draft, element):
    return [v.provenance for v in draft.elements.get(element, [])]


def test_mp3_id3v2_tags_map_to_dublin_core(tmp_path):
    draft = describe_media(write_mp3(tmp_path / "interview.mp3", INTERVIEW), "interview.mp3")
    assert values(draft, "title") == ["Interview on the new wells"]
    assert provenance(draft, "title") == ["audio tag: title"]
    assert values(draft, "creator") == ["Community Water Network"]
    assert provenance(draft, "creator") == ["audio tag: artist"]
    assert values(draft, "contributor") == ["Juma Odhiambo"]
    assert values(draft, "date") == ["2016-02-15"]
    assert values(draft, "description") == ["The project lead talks about the wells"]
    assert values(draft, "subject") == ["Speech"]
    assert values(draft, "relation") == ["Water voices"]
    assert values(draft, "rights") == ["2016 Community Water Network"]
    assert values(draft, "language") == ["sw"]
    assert "type" not in draft.elements and "format" not in draft.elements
    assert any(n.startswith("media: duration 2 s, 44100 Hz") for n in draft.notes)


def test_flac_vorbis_comments(tmp_path):
    path = write_flac(tmp_path / "song.flac", {"TITLE": "Rain song of Kisumu", "ARTIST": "Lake Choir",
                                               "DATE": "2015", "LANGUAGE": "fra"}, seconds=3)
    draft = describe_media(path, "song.flac")
    assert values(draft, "title") == ["Rain song of Kisumu"]
    assert values(draft, "creator") == ["Lake Choir"]
    assert values(draft, "date") == ["2015"]
    assert values(draft, "language") == ["fr"]
    assert any("duration 3 s" in n for n in draft.notes)


def test_m4a_items_and_duration(tmp_path):
    path = write_m4a(tmp_path / "radio.m4a", {b"\xa9nam": "Radio report on water", b"\xa9ART": "Radio Kisumu",
                                              b"\xa9day": "2016-03-01", b"\xa9cmt": "Aired on the morning show"},
                     seconds=65)
    draft = describe_media(path, "radio.m4a")
    assert values(draft, "title") == ["Radio report on water"]
    assert values(draft, "creator") == ["Radio Kisumu"]
    assert values(draft, "date") == ["2016-03-01"]
    assert values(draft, "description") == ["Aired on the morning show"]
    assert any("duration 1 min 05 s" in n for n in draft.notes)
    assert any(n.startswith("language: no language tag") for n in draft.notes)


def test_wav_riff_info(tmp_path):
    path = write_wav(tmp_path / "field.wav", {"INAM": "Field recording at the well", "IART": "Field Team",
                                              "ICRD": "2016-01-05", "ILNG": "en"})
    draft = describe_media(path, "field.wav")
    assert values(draft, "title") == ["Field recording at the well"]
    assert values(draft, "date") == ["2016-01-05"]
    assert values(draft, "language") == ["en"]


def test_junk_tags_are_dropped_with_notes(tmp_path):
    frames = {"TIT2": "track01.mp3", "TPE1": "Administrator", "COMM": "Encoded by LAME 3.99", "TCON": "Other"}
    draft = describe_media(write_mp3(tmp_path / "track01.mp3", frames), "track01.mp3")
    for element in ("title", "creator", "description", "subject"):
        assert element not in draft.elements
    notes = "\n".join(draft.notes)
    assert "title: audio tag title 'track01.mp3' not used: looks like a file name" in notes
    assert "creator: audio tag artist 'Administrator' not used" in notes
    assert "it names the encoder" in notes and "genre 'Other'" in notes


@pytest.mark.parametrize("raw, code", [("eng", "en"), ("ger", "de"), ("deu", "de"), ("EN", "en"), ("zxx", "zxx"),
                                       ("chi", "zh"), ("und", "und"), ("mul", None),
                                       ("haw", None), ("english", None)])
def test_language_codes(raw, code):
    notes: list[str] = []
    assert language_code(raw, notes) == code
    assert bool(notes) == (code is None)


def test_iso639_table_matches_the_schema():
    schema = json.loads((Path(_schemas).parent / "dublin-core.schema.json").read_text())
    allowed = set(schema["properties"]["language"]["items"]["enum"])
    assert set(_ISO639_2.values()) <= allowed
    assert allowed - set(_ISO639_2.values()) <= {"und"}  # every code the schema takes has its ISO 639-2 form
    assert all(len(k) == 3 for k in _ISO639_2)


def test_several_languages_in_one_tag(tmp_path):
    draft = describe_media(write_mp3(tmp_path / "a.mp3", {"TIT2": "A bilingual interview", "TLAN": "eng/swa"}),
                           "a.mp3")
    assert values(draft, "language") == ["en", "sw"]


# --------------------------------------------------------------------------- the read budget
def test_bounded_file_refuses_a_read_past_its_budget():
    f = BoundedFile(open(__file__, "rb"), max_bytes=100)
    with f:
        assert len(f.read(60)) == 60
        with pytest.raises(ReadBound):
            f.read(50)  # refused before reading: 40 bytes are left
        assert f.tell() == 60
        assert len(f.read(40)) == 40


def test_bounded_file_counts_reads():
    f = BoundedFile(open(__file__, "rb"), max_bytes=1 << 20, max_reads=3)
    with f, pytest.raises(ReadBound):
        for _ in range(4):
            f.read(1)


# --------------------------------------------------------------------------- hostile files
def test_id3_frame_with_a_lying_size(tmp_path):
    tag = id3v2_tag([id3_frame("TIT2", "A real title here"), id3_frame("TPE1", "Liar", size=0x0FFFFFFF)])
    path = tmp_path / "liar.mp3"
    path.write_bytes(tag + b"\xff\xfb\x90\x64" + bytes(413) * 3)
    draft = within(60, describe_media, path, "liar.mp3")
    assert values(draft, "title") == ["A real title here"]  # the frames before the lie are kept
    assert "creator" not in draft.elements


def test_id3_tag_claiming_more_than_the_file(tmp_path):
    path = tmp_path / "short.mp3"
    path.write_bytes(id3v2_tag({"TIT2": "Short file with a big claim"}, size=200 << 20))
    draft = within(60, describe_media, path, "short.mp3")
    assert values(draft, "title") == ["Short file with a big claim"]
    assert "media: no duration in the stream headers" in draft.notes


def test_sparse_4gib_mp3_keeps_its_tags_and_stops_the_duration_scan(tmp_path):
    path = sparse_file(tmp_path / "huge.mp3", id3v2_tag({"TIT2": "A very long recording"}))
    draft, peak = within(120, peak_memory, describe_media, path, "huge.mp3")
    assert values(draft, "title") == ["A very long recording"]
    assert any(n.startswith("media: duration not measured (stopped at a bound") for n in draft.notes)
    assert peak < 64 << 20


def test_sparse_4gib_mp3_with_a_frame_claiming_2gib(tmp_path):
    tag = id3v2_tag([id3_frame("TIT2", "x", size=0x7FFFFFF)], size=0x0FFFFFFF)
    path = sparse_file(tmp_path / "claim.mp3", tag)
    draft, peak = within(120, peak_memory, describe_media, path, "claim.mp3")
    assert any("bound" in n for n in draft.notes)
    assert peak < 64 << 20


def _box(kind: bytes, size: int, body: bytes = b"") -> bytes:
    return struct.pack(">I", size) + kind + body


def test_sparse_4gib_mp4_with_atoms_that_lie(tmp_path):
    data = _box(b"data", 0x7FFFFFF0)
    nam = _box(b"\xa9nam", 0x7FFFFFF8, data)
    ilst = _box(b"ilst", 0x7FFFFFFF, nam)
    meta = _box(b"meta", 0x80000000, b"\x00\x00\x00\x00" + ilst)
    moov = _box(b"moov", 0xC0000000, _box(b"udta", 0xB0000000, meta))
    path = sparse_file(tmp_path / "huge.mp4", _box(b"ftyp", 16, b"mp42\x00\x00\x00\x00") + moov)
    draft, peak = within(120, peak_memory, describe_media, path, "huge.mp4")
    assert any(n.startswith("media: tags not read (stopped at a bound") for n in draft.notes)
    assert peak < 64 << 20


def test_a_small_byte_budget_is_a_note_not_an_error(tmp_path):
    path = write_mp3(tmp_path / "a.mp3", {"TIT2": "Some title of a talk", "COMM": "x" * 5000})
    draft = describe_media(path, "a.mp3", limits=Limits(max_bytes=1000))
    assert any("stopped at a bound" in n for n in draft.notes)


def test_unknown_bytes_and_symlinks(tmp_path):
    (tmp_path / "real.mp3").write_bytes(b"not audio at all" * 10)
    (tmp_path / "link.mp3").symlink_to(tmp_path / "real.mp3")
    draft = describe_media(tmp_path / "real.mp3", "real.mp3")
    assert draft.elements == {}
    assert "media: no title, artist, date or other tag found" in draft.notes
    draft = describe_media(tmp_path / "link.mp3", "link.mp3")  # never read through a symlink
    assert draft.elements == {}
    assert any(n.startswith("media: tags not read (OSError") for n in draft.notes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from([b"ID3\x04\x00\x00", b"ID3\x03\x00\x00", b"fLaC", b"\x00\x00\x00\x18ftypM4A ",
                               b"RIFF\x00\x01\x00\x00WAVE", b"OggS\x00", b"\xff\xfb\x90\x64"]),
       body=st.binary(max_size=600))
def test_any_bytes_after_a_signature_give_a_draft(prefix, body):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.bin"
        path.write_bytes(prefix + body)
        draft = describe_media(path, "fuzz.bin", limits=Limits(max_bytes=1 << 20, max_seconds=5))
    assert draft.notes  # a duration or a reason, always
    assert all(isinstance(v.value, str) and v.value for vs in draft.elements.values() for v in vs)


def test_bounded_file_reads_the_rest_within_its_budget():
    raw = io.BufferedReader(io.FileIO(__file__))
    with BoundedFile(raw, max_bytes=1 << 20) as f:
        assert f.read() == Path(__file__).read_bytes()
