"""Describe audio and video from their embedded tags (tinytag), reading only a bounded part of the file.

tinytag (MIT) reads ID3v1/ID3v2 (MP3), Vorbis comments (Ogg, Opus, FLAC), MP4/M4A atoms, RIFF
INFO (WAV), ASF (WMA/WMV) and AIFF. Its fields map to Dublin Core as follows, each value with
the provenance "audio tag: <field>":

- title → title; artist → creator; composer → contributor; album → relation (the larger work
  the recording is part of); year or date → date; comment → description; genre → subject;
  copyright → rights;
- language (ID3v2.4 §4.2.3 TLAN, Vorbis LANGUAGE, MP4 LANGUAGE, RIFF ILNG) → language: ISO
  639-2 codes become the ISO 639-1 code the schema takes where one exists, else a note;
- duration, sample rate and channels → a note.

Every read goes through :class:`BoundedFile`, which refuses a read past a byte, call or time
budget: a frame that lies about its size, or a scan for MPEG sync through gigabytes of zeros,
stops at the bound with a note. Tags and duration are read in two passes, so a duration scan
that reaches the bound keeps the tags.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any, BinaryIO

from preserve.describe.embedded import DEFAULT_LIMITS, Limits, clean, embedded_date, junk_creator, junk_title
from preserve.describe.text import Draft
from preserve.fixity import open_for_reading
from preserve.record import Value

#: reads one pass may make: tags and stream headers take tens; an MPEG duration estimate a few thousand
MAX_READS = 100_000
#: bytes one pass may read: tags and stream headers fit in KiBs; this leaves room for long lyrics
MAX_TAG_BYTES = 16 << 20

# ISO 639-2 (bibliographic and terminology codes) → ISO 639-1, for every language that has both
# (ISO 639-2 registration authority table). ID3v2.4 §4.2.3: TLAN holds ISO 639-2 codes.
_ISO639_2 = dict(pair.split(":") for pair in """
aar:aa abk:ab ave:ae afr:af aka:ak amh:am arg:an ara:ar asm:as ava:av aym:ay aze:az bak:ba bel:be
bul:bg bih:bh bis:bi bam:bm ben:bn tib:bo bod:bo bre:br bos:bs cat:ca che:ce cha:ch cos:co cre:cr
cze:cs ces:cs chu:cu chv:cv wel:cy cym:cy dan:da ger:de deu:de div:dv dzo:dz ewe:ee gre:el ell:el
eng:en epo:eo spa:es est:et baq:eu eus:eu per:fa fas:fa ful:ff fin:fi fij:fj fao:fo fre:fr fra:fr
fry:fy gle:ga gla:gd glg:gl grn:gn guj:gu glv:gv hau:ha heb:he hin:hi hmo:ho hrv:hr hat:ht hun:hu
arm:hy hye:hy her:hz ina:ia ind:id ile:ie ibo:ig iii:ii ipk:ik ido:io ice:is isl:is ita:it iku:iu
jpn:ja jav:jv geo:ka kat:ka kon:kg kik:ki kua:kj kaz:kk kal:kl khm:km kan:kn kor:ko kau:kr kas:ks
kur:ku kom:kv cor:kw kir:ky lat:la ltz:lb lug:lg lim:li lin:ln lao:lo lit:lt lub:lu lav:lv mlg:mg
mah:mh mao:mi mri:mi mac:mk mkd:mk mal:ml mon:mn mar:mr may:ms msa:ms mlt:mt bur:my mya:my nau:na
nob:nb nde:nd nep:ne ndo:ng dut:nl nld:nl nno:nn nor:no nbl:nr nav:nv nya:ny oci:oc oji:oj orm:om
ori:or oss:os pan:pa pli:pi pol:pl pus:ps por:pt que:qu roh:rm run:rn rum:ro ron:ro rus:ru kin:rw
san:sa srd:sc snd:sd sme:se sag:sg sin:si slo:sk slk:sk slv:sl smo:sm sna:sn som:so alb:sq sqi:sq
srp:sr ssw:ss sot:st sun:su swe:sv swa:sw tam:ta tel:te tgk:tg tha:th tir:ti tuk:tk tgl:tl tsn:tn
ton:to tur:tr tso:ts tat:tt twi:tw tah:ty uig:ug ukr:uk urd:ur uzb:uz ven:ve vie:vi vol:vo wln:wa
wol:wo xho:xh yid:yi yor:yo zha:za chi:zh zho:zh zul:zu zxx:zxx""".split())
_ISO639_1 = frozenset(_ISO639_2.values())
#: ISO 639-2 special codes the record cannot hold: multiple, uncoded languages ("und" and "zxx" it can)
_SPECIAL = {"mul": "multiple languages", "mis": "a language without a code"}
_ENCODER_COMMENT = re.compile(r"\b(encoded|encoder|lame|lavf|lavc|ffmpeg|itunes|audacity|garageband|"
                              r"sound forge|audition|reaper|cdex|exact audio copy)\b", re.I)
_JUNK_GENRE = re.compile(r"^(other|unknown|none|genre|\(\d+\)|\d+)$", re.I)


class ReadBound(Exception):
    """A read that would pass a :class:`BoundedFile`'s budget."""


class BoundedFile:
    """A read-only binary file object that refuses reads past a byte, call and time budget.

    A parser given one can ask for any size: a request larger than the bytes left in the
    budget raises :class:`ReadBound` before anything is allocated, so a size field that lies
    costs nothing. It offers read, readline, seek and tell only (no fileno: nothing maps it).
    """

    def __init__(self, raw: BinaryIO, *, max_bytes: int, max_reads: int = MAX_READS,
                 seconds: float = DEFAULT_LIMITS.max_seconds) -> None:
        self._raw = raw
        self._left = max_bytes
        self._reads_left = max_reads
        self._deadline = time.monotonic() + seconds
        self.max_bytes = max_bytes
        self.size = os.fstat(raw.fileno()).st_size

    def _charge(self, n: int) -> None:
        """Count one read of n bytes against the budget, or raise ReadBound."""
        self._reads_left -= 1
        if n > self._left:
            raise ReadBound(f"a read of {n} bytes would pass the bound of {self.max_bytes} bytes read")
        if self._reads_left < 0:
            raise ReadBound(f"the bound of {MAX_READS} reads was reached")
        if time.monotonic() > self._deadline:
            raise ReadBound("the time bound was reached")

    def read(self, n: int | None = -1) -> bytes:
        """At most n bytes (the rest of the file when n is None or negative), within the budget."""
        if n is None or n < 0:
            n = max(0, self.size - self._raw.tell())
        self._charge(n)
        data = self._raw.read(n)
        self._left -= len(data)
        return data

    def readline(self, limit: int | None = -1) -> bytes:
        """One line, at most limit bytes and never more than the budget left."""
        cap = self._left if limit is None or limit < 0 else min(limit, self._left + 1)
        self._charge(min(cap, self._left))
        data = self._raw.readline(cap)
        self._left -= len(data)
        if self._left < 0:
            raise ReadBound(f"a line passed the bound of {self.max_bytes} bytes read")
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def __enter__(self) -> BoundedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_bounded(path: Path, max_bytes: int, limits: Limits = DEFAULT_LIMITS) -> BoundedFile:
    """A regular file opened read-only (no symlink, no FIFO) behind a read budget."""
    raw = os.fdopen(open_for_reading(path), "rb")
    try:
        return BoundedFile(raw, max_bytes=max_bytes, seconds=limits.max_seconds)
    except BaseException:
        raw.close()
        raise


def why(exc: BaseException) -> str:
    """A short reason for a parser's failure: the bound reached, or the error's type and message."""
    cause = exc
    while cause.__cause__ is not None and not isinstance(cause, ReadBound):
        cause = cause.__cause__
    if isinstance(cause, ReadBound):
        return f"stopped at a bound: {cause}"
    text = str(cause)[:160]
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def language_code(raw: str, notes: list[str]) -> str | None:
    """The ISO 639-1 code (or zxx) of a tagged language, else None with a note."""
    code = clean(raw).lower()
    if code in _ISO639_1 or code == "und":  # und: ISO 639-2 "undetermined", as the tag states
        return code
    if code in _ISO639_2:
        return _ISO639_2[code]
    if code in _SPECIAL:
        notes.append(f"language: the tag says {code!r} ({_SPECIAL[code]}); set dc.language in metadata.csv")
    else:
        notes.append(f"language: tagged {raw!r}, which is not an ISO 639 code with a two-letter form; "
                     "set dc.language in metadata.csv")
    return None


def _tags(path: Path, name: str, limits: Limits, *, tags: bool, duration: bool) -> Any:
    """One tinytag pass over the file behind a read budget: by its signature, else by its extension."""
    from tinytag import TinyTag, UnsupportedFormatError  # imported only when a release holds audio or video

    budget = min(limits.max_bytes, MAX_TAG_BYTES)
    try:
        with open_bounded(path, budget, limits) as f:
            return TinyTag.get(file_obj=f, tags=tags, duration=duration, image=False)
    except UnsupportedFormatError:
        if not TinyTag.is_supported(name):
            raise
    with open_bounded(path, budget, limits) as f:  # no known signature: the extension names the parser
        return TinyTag.get(name, file_obj=f, tags=tags, duration=duration, image=False)


def _duration_note(tag: Any) -> str | None:
    """Duration, sample rate and channels as one note, or None when tinytag found none."""
    parts = []
    if tag.duration:
        minutes, seconds = divmod(round(tag.duration), 60)
        parts.append(f"duration {minutes} min {seconds:02d} s" if minutes else f"duration {seconds} s")
    if tag.samplerate:
        parts.append(f"{tag.samplerate} Hz")
    if tag.channels:
        parts.append(f"{tag.channels} channel{'s' if tag.channels != 1 else ''}")
    return "media: " + ", ".join(parts) + " (from the stream headers)" if parts else None


def _values(raw: Any) -> list[str]:
    """The non-empty text values of one tag field (a value or a list of them)."""
    items = raw if isinstance(raw, list) else [raw]
    return [c for c in (clean(str(v)) for v in items if v is not None) if c]


def draft_from_tags(tag: Any, name: str, notes: list[str]) -> Draft:
    """A draft from one tinytag result (pure: no I/O)."""
    draft = Draft()
    other = dict(tag.other or {})

    def add(element: str, field: str, value: str, note: str | None = None) -> None:
        draft.add(element, Value(value, f"audio tag: {field}", note))

    def refuse(element: str, field: str, value: str, reason: str) -> None:
        notes.append(f"{element}: audio tag {field} {value!r} not used: {reason}")

    for title in _values(tag.title)[:1]:
        reason = junk_title(title, name)
        if reason:
            refuse("title", "title", title, reason)
        else:
            add("title", "title", title)
    for field, element in (("artist", "creator"), ("composer", "contributor")):
        for person in _values([getattr(tag, field)] + other.get(field, [])):
            reason = junk_creator(person)
            if reason:
                refuse(element, field, person, reason)
            else:
                add(element, field, person)
    for album in _values(tag.album):
        add("relation", "album", album, "the album or series the recording is part of")
    for raw in _values(tag.year)[:1]:
        date = embedded_date(raw, "audio tag: year", notes)
        if date is not None:
            draft.add("date", date)
    for comment in (_values(tag.comment) + _values(other.get("description", [])))[:1]:
        if _ENCODER_COMMENT.search(comment) and len(comment.split()) <= 8:
            refuse("description", "comment", comment, "it names the encoder")
        else:
            add("description", "comment", comment)
    for genre in _values(tag.genre):
        if _JUNK_GENRE.match(genre):
            refuse("subject", "genre", genre, "a placeholder")
        else:
            add("subject", "genre", genre)
    for rights in _values(other.get("copyright", [])):
        add("rights", "copyright", rights)
    if not draft.elements:
        notes.append("media: no title, artist, date or other tag found")
    _add_languages(draft, _values(other.get("language", [])), notes)
    return draft


def _add_languages(draft: Draft, tagged: list[str], notes: list[str]) -> None:
    """The tagged languages (a tag may hold several codes) as ISO 639-1 codes, or a note."""
    for raw in tagged:
        for part in filter(None, re.split(r"[/,;\s\x00]+", raw)):
            code = language_code(part, notes)
            if code and code not in [v.value for v in draft.elements.get("language", [])]:
                draft.add("language", Value(code, "audio tag: language", f"tagged {part!r}"))
    if "language" not in draft.elements:
        notes.append("language: no language tag; set dc.language in metadata.csv (zxx for music "
                     "without words)")


def describe_media(path: Path, name: str, *, limits: Limits = DEFAULT_LIMITS, **context: Any) -> Draft:
    """Draft of an audio or video file from its tags; every failure or bound reached is a note."""
    notes: list[str] = []
    try:
        draft = draft_from_tags(_tags(path, name, limits, tags=True, duration=False), name, notes)
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - hostile files: a note
        draft = Draft()
        notes.append(f"media: tags not read ({why(exc)}); the file is bagged as is")
    try:
        note = _duration_note(_tags(path, name, limits, tags=False, duration=True))
        notes.append(note or "media: no duration in the stream headers")
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001
        notes.append(f"media: duration not measured ({why(exc)})")
    draft.notes[:0] = notes
    return draft
