"""Writers of real e-mail, image, audio and data files with known metadata, for describe and intake tests.

Every file is generated: the stdlib email package writes messages, Pillow writes images (with
EXIF, XMP, IPTC and PNG text), raw bytes write ID3v2.4, FLAC, MP4 and RIFF structures as their
specifications lay them out, and the csv and json modules write data. The documents are invented.
"""
from __future__ import annotations

import csv
import json
import struct
import wave
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, TypeVar

T = TypeVar("T")

BODY = ("Community Water Network opens three new wells in Kisumu\n\n"
        "Kisumu, 15 February 2016 - The Community Water Network opened three wells in Kisumu today, "
        "bringing clean water to four villages. The wells were dug with local volunteers over six months.\n\n"
        "About the Community Water Network: a Kenyan organisation that builds and maintains wells.\n")


# ------------------------------------------------------------------------------- e-mail
def make_message(*, subject: str | None = "Fwd: New wells open in Kisumu",
                 sender: str | None = "Community Water Network <press@water.example.org>",
                 date: str | datetime | None = datetime(2016, 2, 15, 10, 0, tzinfo=timezone(timedelta(hours=3))),
                 body: str = BODY, html: str | None = None, language: str | None = None,
                 attachments: Sequence[tuple[str, bytes, str]] = ()) -> EmailMessage:
    """An RFC 5322 message: headers as given, a text body (and an HTML alternative), attachments
    given as (file name, bytes, MIME type)."""
    msg = EmailMessage()
    if subject is not None:
        msg["Subject"] = subject
    if sender is not None:
        msg["From"] = sender
    msg["To"] = "Archive <archive@example.net>"
    msg["Cc"] = "Jane Recipient <jane@example.net>"
    if date is not None:
        msg["Date"] = format_datetime(date) if isinstance(date, datetime) else date
    msg["Message-ID"] = "<wells-2016@water.example.org>"
    msg.set_content(body)
    if language:  # after set_content, which clears the Content-* fields
        msg["Content-Language"] = language
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def write_eml(path: Path, **fields: Any) -> Path:
    """make_message(**fields) written as a .eml file."""
    path.write_bytes(make_message(**fields).as_bytes())
    return path


def write_mbox(path: Path, messages: Iterable[EmailMessage]) -> Path:
    """An mboxrd file (RFC 4155): each message after a "From " line, body "From " lines quoted."""
    out = bytearray()
    for msg in messages:
        out += b"From press@water.example.org Mon Feb 15 10:00:00 2016\n"
        for line in msg.as_bytes().splitlines(keepends=True):
            out += (b">" + line) if line.lstrip(b">").startswith(b"From ") else line
        out += b"\n"
    path.write_bytes(bytes(out))
    return path


# ------------------------------------------------------------------------------- images
def xmp_packet(*, title: str | None = None, creators: Sequence[str] = (), description: str | None = None,
               rights: str | None = None, subjects: Sequence[str] = (), date_created: str | None = None) -> bytes:
    """An XMP packet (Adobe XMP Part 1) with Dublin Core and Photoshop properties."""
    def alt(value: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{value}</rdf:li></rdf:Alt>'

    props = []
    if title:
        props.append(f"<dc:title>{alt(title)}</dc:title>")
    if creators:
        props.append("<dc:creator><rdf:Seq>" + "".join(f"<rdf:li>{c}</rdf:li>" for c in creators)
                     + "</rdf:Seq></dc:creator>")
    if description:
        props.append(f"<dc:description>{alt(description)}</dc:description>")
    if rights:
        props.append(f"<dc:rights>{alt(rights)}</dc:rights>")
    if subjects:
        props.append("<dc:subject><rdf:Bag>" + "".join(f"<rdf:li>{s}</rdf:li>" for s in subjects)
                     + "</rdf:Bag></dc:subject>")
    attr = f' photoshop:DateCreated="{date_created}"' if date_created else ""
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            f'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"{attr}>' + "".join(props)
            + '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>').encode("utf-8")


def exif_bytes(*, description: str | None = None, artist: str | None = None, copyright: str | None = None,
               date_original: str | None = None, make: str | None = None, extra: Mapping[int, Any] | None = None
               ) -> bytes:
    """EXIF (TIFF-structured) bytes with the IFD0 tags and the Exif IFD's DateTimeOriginal."""
    from PIL import Image

    exif = Image.Exif()
    for tag, value in ((0x010E, description), (0x013B, artist), (0x8298, copyright), (0x010F, make)):
        if value is not None:
            exif[tag] = value
    for tag, value in (extra or {}).items():
        exif[tag] = value
    if date_original:
        exif.get_ifd(0x8769)[0x9003] = date_original
    return exif.tobytes()


def iptc_iim(records: Mapping[tuple[int, int], str | Sequence[str]]) -> bytes:
    """IPTC IIM 4.2 datasets (UTF-8, declared by 1:90), each 0x1C record dataset length value."""
    out = bytearray(b"\x1c\x01\x5a\x00\x03\x1b%G")
    for (record, dataset), values in records.items():
        for value in [values] if isinstance(values, str) else values:
            data = value.encode("utf-8")
            out += struct.pack(">BBBH", 0x1C, record, dataset, len(data)) + data
    return bytes(out)


def photoshop_app13(iim: bytes) -> bytes:
    """A JPEG APP13 segment holding a Photoshop 3.0 image resource block 0x0404 (IPTC-NAA)."""
    data = iim + (b"\x00" if len(iim) % 2 else b"")
    body = b"Photoshop 3.0\x00" + b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + data
    return b"\xff\xed" + struct.pack(">H", len(body) + 2) + body


def write_jpeg(path: Path, *, size: tuple[int, int] = (32, 24), exif: bytes | None = None, xmp: bytes | None = None,
               iptc: Mapping[tuple[int, int], str | Sequence[str]] | None = None) -> Path:
    """A JPEG with optional EXIF (APP1), XMP (APP1) and IPTC (APP13 after SOI)."""
    from PIL import Image

    options: dict[str, Any] = {}
    if exif:
        options["exif"] = exif
    if xmp:
        options["xmp"] = xmp
    Image.new("RGB", size, (40, 90, 160)).save(path, "JPEG", **options)
    if iptc:
        data = path.read_bytes()
        path.write_bytes(data[:2] + photoshop_app13(iptc_iim(iptc)) + data[2:])
    return path


def write_png(path: Path, *, text: Mapping[str, str] = (), itxt: Mapping[str, str] = (), xmp: bytes | None = None,
              size: tuple[int, int] = (16, 16)) -> Path:
    """A PNG with tEXt chunks (Latin-1) and iTXt chunks (UTF-8), and optionally XMP."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in dict(text).items():
        info.add_text(key, value)
    for key, value in dict(itxt).items():
        info.add_itxt(key, value)
    if xmp:
        info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
    Image.new("RGB", size, (200, 30, 30)).save(path, "PNG", pnginfo=info)
    return path


def write_tiff(path: Path, *, description: str | None = None, artist: str | None = None,
               xmp: bytes | None = None, iptc: Mapping[tuple[int, int], str] | None = None) -> Path:
    """A TIFF with ImageDescription and Artist tags, XMP (tag 700) and IPTC (tag 33723)."""
    from PIL import Image, TiffImagePlugin, TiffTags

    info = TiffImagePlugin.ImageFileDirectory_v2()
    if description:
        info[0x010E] = description
    if artist:
        info[0x013B] = artist
    if xmp:
        info[700] = xmp
        info.tagtype[700] = TiffTags.BYTE
    if iptc:
        info[33723] = iptc_iim(iptc)
        info.tagtype[33723] = TiffTags.UNDEFINED
    Image.new("RGB", (8, 8), (10, 120, 10)).save(path, "TIFF", tiffinfo=info)
    return path


def write_webp(path: Path, *, exif: bytes | None = None, xmp: bytes | None = None) -> Path:
    """A WebP with EXIF and XMP chunks."""
    from PIL import Image

    options: dict[str, Any] = {"lossless": True}
    if exif:
        options["exif"] = exif
    if xmp:
        options["xmp"] = xmp
    Image.new("RGB", (8, 8), (10, 10, 120)).save(path, "WEBP", **options)
    return path


def write_gif(path: Path, *, comment: str | None = None) -> Path:
    """A GIF, with a comment extension when given."""
    from PIL import Image

    options = {"comment": comment.encode("utf-8")} if comment else {}
    Image.new("P", (8, 8), 3).save(path, "GIF", **options)
    return path


def png_claiming_size(path: Path, width: int, height: int, **chunks: Any) -> Path:
    """A PNG (write_png(**chunks)) whose IHDR claims width × height pixels, its CRC made right."""
    import zlib

    write_png(path, **chunks)
    data = bytearray(path.read_bytes())
    struct.pack_into(">II", data, 16, width, height)  # after the signature (8), length (4) and "IHDR" (4)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    path.write_bytes(bytes(data))
    return path


def raw_exif(entries: Sequence[tuple[int, int, int, int]], *, next_ifd: int = 0) -> bytes:
    """EXIF bytes holding one little-endian IFD of raw (tag, type, count, value or offset) entries,
    whatever they say: for hostile tests (TIFF 6.0 §2 IFD layout)."""
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", next_ifd)


# ------------------------------------------------------------------------------- audio
def _synchsafe(n: int) -> bytes:
    """A 28-bit integer in four 7-bit bytes (ID3v2.4 §6.2)."""
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def id3_frame(frame_id: str, text: str, *, size: int | None = None) -> bytes:
    """One ID3v2.4 text frame (UTF-8, encoding byte 3); COMM gets its language and empty description;
    ``size`` overrides the stated size (a frame that lies)."""
    body = b"\x03" + (b"eng\x00" if frame_id == "COMM" else b"") + text.encode("utf-8")
    return frame_id.encode("ascii") + _synchsafe(len(body) if size is None else size) + b"\x00\x00" + body


def id3v2_tag(frames: Mapping[str, str] | Sequence[bytes], *, size: int | None = None) -> bytes:
    """An ID3v2.4 tag (ID3v2.4 §3.1 header) holding text frames, or frames already built."""
    body = b"".join(frames) if not isinstance(frames, Mapping) else \
        b"".join(id3_frame(k, v) for k, v in frames.items())
    return b"ID3\x04\x00\x00" + _synchsafe(len(body) if size is None else size) + body


#: an MPEG-1 Layer III frame header: 128 kbit/s, 44.1 kHz, no padding, joint stereo; frames are 417 bytes
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)


def write_mp3(path: Path, frames: Mapping[str, str] | Sequence[bytes] = (), *, seconds: float = 2.0) -> Path:
    """An MP3: an ID3v2.4 tag and silent CBR frames lasting about ``seconds``."""
    count = int(seconds * 44100 / 1152)
    path.write_bytes((id3v2_tag(frames) if frames else b"") + MP3_FRAME * count)
    return path


def vorbis_comment(fields: Mapping[str, str]) -> bytes:
    """A Vorbis comment block body (vendor string, then KEY=value entries, little-endian lengths)."""
    vendor = b"preserve tests"
    out = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(fields))
    for key, value in fields.items():
        entry = f"{key}={value}".encode("utf-8")
        out += struct.pack("<I", len(entry)) + entry
    return out


def write_flac(path: Path, fields: Mapping[str, str], *, seconds: int = 3, rate: int = 44100) -> Path:
    """A FLAC stream header: STREAMINFO (the sample count gives the duration) and VORBIS_COMMENT."""
    packed = (rate << 44) | (1 << 41) | (15 << 36) | (seconds * rate)  # rate, 2 channels, 16 bits, samples
    streaminfo = struct.pack(">HH", 4096, 4096) + bytes(6) + packed.to_bytes(8, "big") + bytes(16)
    comment = vorbis_comment(fields)
    path.write_bytes(b"fLaC" + b"\x00" + len(streaminfo).to_bytes(3, "big") + streaminfo
                     + b"\x84" + len(comment).to_bytes(3, "big") + comment)
    return path


def _atom(kind: bytes, body: bytes) -> bytes:
    """One ISO/IEC 14496-12 box: 32-bit size, type, body."""
    return struct.pack(">I", 8 + len(body)) + kind + body


def write_m4a(path: Path, fields: Mapping[bytes, str], *, seconds: int = 4) -> Path:
    """An M4A: ftyp, then moov with mvhd (the duration) and udta/meta/ilst text items (iTunes style)."""
    mvhd = _atom(b"mvhd", b"\x00\x00\x00\x00" + bytes(8) + struct.pack(">II", 1000, seconds * 1000) + bytes(80))
    items = b"".join(_atom(k, _atom(b"data", struct.pack(">II", 1, 0) + v.encode("utf-8"))) for k, v in fields.items())
    meta = _atom(b"meta", b"\x00\x00\x00\x00" + _atom(b"ilst", items))
    moov = _atom(b"moov", mvhd + _atom(b"udta", meta))
    path.write_bytes(_atom(b"ftyp", b"M4A \x00\x00\x00\x00M4A isom") + moov)
    return path


def write_wav(path: Path, info: Mapping[str, str] = (), *, seconds: float = 1.0, rate: int = 8000) -> Path:
    """A mono 16-bit WAV of silence, with a RIFF LIST/INFO chunk (INAM, IART, ICRD ...) when given."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(int(seconds * rate) * 2))
    if info:
        body = b"INFO"
        for key, value in dict(info).items():
            text = value.encode("latin-1") + b"\x00"
            body += key.encode("ascii") + struct.pack("<I", len(text)) + text + (b"\x00" if len(text) % 2 else b"")
        data = bytearray(path.read_bytes()) + b"LIST" + struct.pack("<I", len(body)) + body
        struct.pack_into("<I", data, 4, len(data) - 8)
        path.write_bytes(bytes(data))
    return path


def sparse_file(path: Path, head: bytes, size: int = 4 << 30) -> Path:
    """A file of ``size`` bytes (sparse: it costs no disk) that starts with ``head``."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


# ------------------------------------------------------------------------------- data
RAINFALL_HEADER = ["region", "station_id", "rainfall", "temperature", "date"]
RAINFALL_ROWS = [["Kisumu", "KE-001", "112.5", "24.1", "2016-02-01"],
                 ["Nakuru", "KE-002", "87.0", "21.9", "2016-02-01"],
                 ["Garissa", "KE-003", "12.4", "31.0", "2016-02-01"]]


def write_table(path: Path, header: Sequence[str] = RAINFALL_HEADER, rows: Sequence[Sequence[str]] = RAINFALL_ROWS,
                *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    """A CSV (or TSV with delimiter tab) with a header row and the rows given."""
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_json_records(path: Path, header: Sequence[str] = RAINFALL_HEADER,
                       rows: Sequence[Sequence[str]] = RAINFALL_ROWS) -> Path:
    """A JSON array of objects, one per row, keyed by the header."""
    path.write_text(json.dumps([dict(zip(header, row)) for row in rows], indent=1), encoding="utf-8")
    return path
