"""Unit tests of the shared pieces: encoding, markup, titles, creators, places, language, formats."""
from __future__ import annotations

from pathlib import Path

from preserve.intake.config import CollectionConfig
from preserve.describe import choose_main, describe_bytes, describe_release
from preserve.describe.binary import sniff_mime
from preserve.describe.kinds import dcmi_type
from preserve.describe.encoding import decode
from preserve.describe.language import detect
from preserve.describe.lines import split_lines, strip_markup
from preserve.describe.markdown import split_front_matter
from preserve.describe.organisations import find_creators
from preserve.describe.places import covered, mentions
from preserve.describe.text import analyse, scan_header
from preserve.intake.releases import discover


def test_strip_markup():
    assert strip_markup("## **Press &amp; <u>Release</u>** [link](http://x)") == "Press & Release link"


def test_decode_kinds():
    assert decode(b"") .encoding == "utf-8"
    assert decode(b"\x00\x01\x02binary") is None
    assert decode("é".encode("utf-8")).encoding == "utf-8"
    assert decode(b"\xef\xbb\xbfhi").how == "byte order mark"
    assert decode("r\u00e9sum\u00e9 caf\u00e9 \u201cquoted\u201d text here".encode("cp1252")).encoding == "windows-1252"


def test_header_skips_labels_and_datelines():
    lines = split_lines("## **Press Release**\n\n04/11/2016\n\n## Real headline\n\nBody text here.")
    head = scan_header(lines)
    assert head.title.text == "Real headline" and head.date_found.raw == "04/11/2016"


def test_bracket_dateline():
    lines = split_lines("A short headline\n\n[3 May 2017, Paris] The body starts here and goes on.")
    draft = analyse(lines)
    assert draft.elements["date"][0].value == "2017-05-03"
    assert draft.elements["description"][0].value.startswith("The body")


def test_creators_rules():
    text = "Headline\n\nToday the Open Rivers Trust launched a plan.\n\nMore text.\n\n(Source: Open Rivers Trust)"
    names = [c.name for c in find_creators(split_lines(text))]
    assert names == ["Open Rivers Trust"]
    text = "Headline\n\nBody.\n\nMore body.\n\nAbout Green Future Foundation\n\nIt works."
    assert [c.name for c in find_creators(split_lines(text))] == ["Green Future Foundation"]


def test_places_need_locative_evidence():
    body = [(1, "Canada said it would help."), (2, "Canada agreed again."), (3, "Aid arrived in Kenya."),
            (4, "Schools in Kenya reopened.")]
    assert [m.place.name for m in covered(mentions(None, body))] == ["Kenya"]


def test_language():
    assert detect("short").code is None
    assert detect("This is a long enough English sentence about the weather today.").code == "en"


def test_front_matter_bad_yaml_is_a_note():
    data, body, first, problem = split_front_matter("---\ntitle: [unclosed\n---\nBody\n")
    assert data is None and "not valid YAML" in problem and first == 4


def test_sniff_and_types():
    assert sniff_mime(b"\x89PNG\r\n\x1a\nxxxx", "a.png")[0] == "image/png"
    assert sniff_mime(b"\x00\x01", "noext")[0] == "application/octet-stream"
    assert dcmi_type("image/png") == "StillImage" and dcmi_type("application/octet-stream") is None


def test_locale_from_config_address():
    draft, _, _ = describe_bytes(b"Headline\n\n04/11/2016\n\nSome body text about nothing much at all.\n",
                                 "x.txt", CollectionConfig(address="1 Main St, Springfield, United States"))
    assert draft.elements["date"][0].value == "2016-04-11"
    assert "United States" not in draft.elements["date"][0].note and "US" in draft.elements["date"][0].note


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    src = tmp_path / "src"
    rel = src / "rel"
    rel.mkdir(parents=True)
    for name, data in files.items():
        (rel / name).parent.mkdir(parents=True, exist_ok=True)
        (rel / name).write_bytes(data)
    return src


def test_folder_main_document(tmp_path):
    src = _folder(tmp_path, {"release.txt": b"Headline here\n\nBody of the release text.\n",
                             "photo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 20})
    release = discover(src).releases[0]
    rec = describe_release(release, CollectionConfig())
    assert rec.main_document == "release.txt"
    assert rec.first("title") == "Headline here"
    assert [f.path for f in rec.files] == ["photo.png", "release.txt"]
    assert "image/png" in rec.values("format")
    assert any("only text document" in n for n in rec.notes)


def test_folder_with_two_texts_needs_a_name(tmp_path):
    src = _folder(tmp_path, {"a.txt": b"One\n\nText a.\n", "b.md": b"# Two\n\nText b.\n"})
    release = discover(src).releases[0]
    main, how = choose_main(release, None)
    assert main is None and "name the main one" in how
    rec = describe_release(release, CollectionConfig(), {"preserve.main_document": ["b.md"]})
    assert rec.main_document == "b.md" and rec.first("title") == "Two"


def test_curator_values_win(tmp_path):
    (tmp_path / "r.txt").write_text("Headline\n\n12 January 2022\n\nBody text.\n")
    release = discover(tmp_path).releases[0]
    rec = describe_release(release, CollectionConfig(), {"title": ["Better title"], "date": ["2022-01-12"]})
    assert rec.elements["title"][0].provenance == "curator sheet"
    assert rec.elements["date"][0].provenance == "text line 3"  # same value: extraction provenance kept


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["a.txt", "a.md", "a.html", "a"]))
def test_any_bytes_never_raise(data, name):
    draft, fmt, _ = describe_bytes(data, name)
    assert fmt


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["a.txt", "a.md", "a.html"]))
def test_any_text_never_raises(text, name):
    describe_bytes(text.encode("utf-8"), name)


def test_large_documents_are_read_only_up_to_the_limit(tmp_path) -> None:
    from preserve.describe.files import read_document
    from preserve.intake.releases import ReleaseFile

    path = tmp_path / "big.txt"
    path.write_bytes(b"Headline\n" + b"line of text\n" * 1000)
    f = ReleaseFile("big.txt", str(path), path.stat().st_size, 0)
    data, note = read_document(f, limit=100)
    assert len(data) <= 100 and data.endswith(b"\n") and data.startswith(b"Headline\n")
    assert note and "first" in note and str(f.size) in note
    assert read_document(f) == (path.read_bytes(), None)


# --- rewritten hot paths against the definitions they replaced -------------------------------

import re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from preserve.describe import places as P  # noqa: E402
from preserve.describe.lines import _plain  # noqa: E402
from preserve.describe.text import _leading_sentences  # noqa: E402

_SENTENCE_TEXT = st.lists(st.sampled_from(["Word", "word", "a", ".", "!", "?", " ", "  ", "\n", "\u00a0", "x.y",
                                           "Kenya", "in", "the", "-", "×", "É", "é", "3"]),
                          max_size=80).map("".join)


def _reference_sentences(text: str, limit: int) -> str:
    out = ""
    for s in re.split(r"(?<=[.!?])\s+", text):
        if len(out) + len(s) + 1 > limit:
            break
        out = f"{out} {s}".strip()
    return out


@settings(max_examples=400, deadline=None)
@given(_SENTENCE_TEXT, st.integers(0, 60))
def test_leading_sentences_match_a_whole_split(text, limit):
    text = text.strip()
    assert _leading_sentences(text, limit) == _reference_sentences(text, limit)


_LONG_TEXT = st.lists(st.sampled_from(["in", "IN", "at", "across", "the", "The", "margin", "re-in", "(in", "x",
                                        "Kenya", "long-hyphenated-word", "naïve", "-", ".", ",", "3", "_"]),
                      max_size=120).flatmap(lambda words: st.lists(st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", ""]),
                                                                   min_size=len(words), max_size=len(words))
                                            .map(lambda gaps: "".join(w + g for w, g in zip(words, gaps))))


@settings(max_examples=500, deadline=None)
@given(_LONG_TEXT, st.integers(0, 2000))
def test_locative_window_matches_a_whole_prefix_search(text, start):
    start = min(start, len(text))
    assert P._after_locative(text, start) == bool(P._LOCATIVE.search(text[:start]))


@settings(max_examples=300, deadline=None)
@given(_SENTENCE_TEXT)
def test_capital_word_shortcuts_match_the_regex(text):
    old = re.compile(r"(?<![\w'’.-])[A-Z\u00c0-\u00de][\w'’.-]*")
    assert [m.span() for m in P._CAP_WORD.finditer(text)] == [m.span() for m in old.finditer(text)]
    if P._no_capitals(text):
        assert old.search(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_plain_text_needs_no_markup_stripping(text):
    if _plain(text):
        assert all(strip_markup(line) == line.strip() for line in text.splitlines())


def test_models_are_preloaded_only_where_a_text_may_be_analysed(tmp_path):
    from preserve.describe import MAIN_DOCUMENT_COLUMN, may_analyse_text

    def releases(*layout: str):
        root = tmp_path / f"src{len(list(tmp_path.iterdir()))}"
        for rel in layout:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(b"\x00\x01")
        return discover(root).releases

    data_only = releases("a/x.dat", "a/sub/y.bin", "b/z.png")
    assert not may_analyse_text(data_only, {})
    assert may_analyse_text(data_only, {"a": {MAIN_DOCUMENT_COLUMN: ["x.dat"]}})  # the curator's choice
    assert may_analyse_text(releases("a/x.dat", "b/notes.TXT"), {})
    assert may_analyse_text(releases("a/x.dat", "b/README"), {})  # no extension: sniffed
    assert may_analyse_text(releases("a/x.dat", "single.dat"), {})  # a single file is its own document


_NAMES = st.sampled_from(["x.dat", "y.TXT", "notes.md", "README", "img.png", "sub/z.txt", "sub/DATA",
                          "a.html", "b.bin"])


@settings(max_examples=80, deadline=None)
@given(layout=st.lists(st.tuples(_NAMES, st.sampled_from([b"plain words\n", b"\x00\x01\x02"])), min_size=1,
                       max_size=5, unique_by=lambda t: t[0].lower()),
       named=st.one_of(st.none(), _NAMES), single=st.booleans())
def test_no_text_hint_means_choose_main_reads_and_finds_nothing(tmp_path_factory, layout, named, single):
    """may_analyse_text is only a hint, but when it says no text, choose_main must pick none
    without reading a byte (single-file releases and the curator's choice included)."""
    from unittest import mock

    import preserve.describe.main_document as main_document
    from preserve.describe import MAIN_DOCUMENT_COLUMN, may_analyse_text

    root = tmp_path_factory.mktemp("src")
    if single:
        (root / "one.dat").write_bytes(layout[0][1])
    else:
        for name, data in layout:
            (root / "rel" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "rel" / name).write_bytes(data)
    releases = discover(root).releases
    sheet = {releases[0].name: {MAIN_DOCUMENT_COLUMN: [named]}} if named else {}
    if may_analyse_text(releases, sheet):
        return  # a hint of text only costs a preload
    with mock.patch.object(main_document, "file_format", side_effect=AssertionError("read a file's bytes")):
        main, how = choose_main(releases[0], named)
    assert main is None and how == "the folder holds no document (text, PDF, word processing or e-mail)"


def test_creator_rules_each_find_their_own_evidence():
    from preserve.describe.lines import paragraphs
    from preserve.describe.organisations import about_and_boilerplate, contact_block, opening, source_credits

    lines = split_lines("Headline\n\nThe River Council today announced a survey.\n\nBody text.\n\nMore body.\n\n"
                        "Green Valley Trust is a charity working on rivers.\n\n(Source: River Council)\n\n"
                        "Media contact:\nAnn Example, Blue Lake Association")
    paras = paragraphs(lines)
    assert [(c.name, c.how) for c in source_credits(lines)] == [("River Council", "source credit")]
    assert [(c.name, c.line) for c in opening(paras, body_start=3)] == [("River Council", 3)]
    assert opening(paras, body_start=4) == []  # the opening paragraph is the body's first
    assert [c.name for c in about_and_boilerplate(lines, paras)] == ["Green Valley Trust"]
    assert [(c.name, c.how) for c in contact_block(lines)] == [("Blue Lake Association", "contact block")]
    assert [c.name for c in find_creators(lines, 3)] == ["River Council", "Green Valley Trust",
                                                         "Blue Lake Association"]


def test_language_falls_back_to_the_collection_language_with_the_reason():
    from preserve.describe.text import Draft, _draft_language

    draft = Draft()
    assert _draft_language(draft, "Too short.", "fr") is None
    [value] = draft.elements["language"]
    assert (value.value, value.provenance) == ("fr", "collection config") and "too few" in value.note
    empty = Draft()
    _draft_language(empty, "  \n", "fr")  # no text: no language, no note
    assert empty.elements == {} and empty.notes == []


def test_collection_values_come_from_preserve_toml_or_are_noted():
    from preserve.describe import _add_collection_values
    from preserve.record import Record

    record = Record("r")
    _add_collection_values(record, CollectionConfig(organisation="Org", rights="CC0"))
    assert [(v.value, v.note) for v in record.elements["publisher"]] == \
           [("Org", "preserve.toml organisation (no publisher key)")]
    assert record.values("rights") == ["CC0"] and record.notes == []
    bare = Record("r")
    _add_collection_values(bare, CollectionConfig())
    assert bare.elements == {} and [n.split(":")[0] for n in bare.notes] == ["publisher", "rights"]
