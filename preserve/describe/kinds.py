"""Which describer reads a file, and the DCMI Type its format implies.

A file's kind comes from its first bytes (the signature table in :mod:`preserve.formats`),
then its extension, then whether its bytes are text: PDF, an Office or OpenDocument
container, RTF, an e-mail message, an image, audio or video, tabular data, plain text
(text, Markdown, HTML: :mod:`preserve.describe.text` and friends) or bytes nobody describes.
Each kind's describer is imported only when a release holds such a file.

DCMI Type (DCMI Metadata Terms, section 7, the DCMI Type Vocabulary) follows from the format:
documents, e-mail and presentations are Text; images StillImage; audio Sound; video
MovingImage; spreadsheets, CSV, TSV and JSON Dataset; executables Software. A format nobody
knows implies no type: the record says so and the curator supplies dc.type.
"""
from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path
from typing import Any, Callable, Literal

from preserve.describe.embedded import DEFAULT_LIMITS, Limits
from preserve.describe.text import Draft
from preserve.formats import guess_type, match_signature

Kind = Literal["text", "pdf", "office", "rtf", "message", "image", "media", "dataset", "binary"]
DcmiType = Literal["Text", "StillImage", "Sound", "MovingImage", "Dataset", "Software"]

#: containers named by their extension once the signature says ZIP (ECMA-376, ODF 1.2 Part 3)
CONTAINER_MIME: dict[str, str] = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".epub": "application/epub+zip",
}
_OFFICE_EXT = frozenset(CONTAINER_MIME) - {".epub"}
#: OpenDocument's single-file XML forms (ODF 1.2 Part 1 §2.1.2), MIME types as LibreOffice names them
_FLAT_ODF = {".fodt": "application/vnd.oasis.opendocument.text-flat-xml",
             ".fods": "application/vnd.oasis.opendocument.spreadsheet-flat-xml",
             ".fodp": "application/vnd.oasis.opendocument.presentation-flat-xml"}
_MESSAGE_EXT = frozenset({".eml", ".mbox"})
_DATASET_MIME = {".csv": "text/csv", ".tsv": "text/tab-separated-values", ".tab": "text/tab-separated-values",
                 ".json": "application/json"}
#: RFC 5322 header fields a message file starts with (after an optional mbox "From " line)
_MESSAGE_START = re.compile(rb"^(From [^\r\n]*\r?\n)?((Return-Path|Received|From|To|Subject|Date|Message-ID|"
                            rb"MIME-Version|Delivered-To|X-[A-Za-z-]+):[^\r\n]*\r?\n){3}", re.I)

_TEXT_MIMES = ("text/", "application/pdf", "application/rtf", "application/msword", "message/rfc822",
               "application/epub+zip", "application/vnd.oasis.opendocument.text",
               "application/vnd.oasis.opendocument.presentation", "application/vnd.ms-powerpoint")
_DATASET_MIMES = ("text/csv", "text/tab-separated-values", "application/json", "application/vnd.ms-excel",
                  "application/vnd.oasis.opendocument.spreadsheet")
_SOFTWARE_MIMES = ("application/x-executable", "application/x-msdownload", "application/x-sharedlib",
                   "application/java-archive", "application/vnd.microsoft.portable-executable",
                   "application/x-mach-binary", "application/x-elf")


def ext_of(name: str) -> str:
    """The lower-case extension of a file name's last segment, with its dot ("" when none)."""
    last = name.rsplit("/", 1)[-1]
    return ("." + last.rsplit(".", 1)[-1].lower()) if "." in last.strip(".") else ""


def kind_of(head: bytes, name: str, is_text: bool) -> tuple[Kind, str, str]:
    """(kind, MIME type, how it was found) of a file from its first bytes, name and textness."""
    ext = ext_of(name)
    signature = match_signature(head)
    if signature is not None:
        mime = signature.mime
        if mime == "application/pdf":
            return "pdf", mime, "file signature"
        if mime == "application/zip" and ext in _OFFICE_EXT:
            return "office", CONTAINER_MIME[ext], f"file signature (ZIP) and extension {ext}"
        if mime == "application/zip":  # an Office or OpenDocument container by its content, or a plain zip
            return "office", mime, "file signature (ZIP) and the container's content"
        if mime == "application/rtf":
            return "rtf", mime, "file signature"
        if mime.startswith("image/"):
            return "image", mime, "file signature"
        if mime.startswith(("audio/", "video/")):
            return "media", mime, "file signature"
        return "binary", mime, "file signature"
    if ext in _MESSAGE_EXT or (is_text and _MESSAGE_START.match(head)):
        return "message", "message/rfc822" if ext != ".mbox" else "application/mbox", \
            f"extension {ext}" if ext in _MESSAGE_EXT else "RFC 5322 header fields"
    if ext in _FLAT_ODF and is_text:
        return "office", _FLAT_ODF[ext], f"extension {ext} and XML content"
    if ext in _DATASET_MIME and is_text:
        return "dataset", _DATASET_MIME[ext], f"extension {ext} and text content"
    if is_text:
        return "text", "text/plain", "content"
    guessed = guess_type(name) or ""
    if guessed.startswith(("audio/", "video/")):
        return "media", guessed, f"file extension {ext}"
    if guessed.startswith("image/"):
        return "image", guessed, f"file extension {ext}"
    if guessed and not guessed.startswith("text/"):
        return "binary", guessed, f"file extension {ext}"
    return "binary", "application/octet-stream", "unknown signature and extension"


def dcmi_type(mime: str) -> DcmiType | None:
    """The DCMI Type a MIME type implies, or None when it implies none."""
    base = mime.split(";", 1)[0].strip().lower()
    if base in _DATASET_MIMES or "spreadsheet" in base:
        return "Dataset"
    if base.startswith(_TEXT_MIMES) or "wordprocessingml" in base or "presentationml" in base:
        return "Text"
    major = base.split("/", 1)[0]
    if major == "image":
        return "StillImage"
    if major == "audio":
        return "Sound"
    if major == "video":
        return "MovingImage"
    if base in _SOFTWARE_MIMES:
        return "Software"
    return None


Describer = Callable[..., Draft]


#: each kind's describer: (module, function), imported when a release first holds such a file
DESCRIBERS: dict[Kind, tuple[str, str]] = {
    "pdf": ("preserve.describe.pdf", "describe_pdf"),
    "office": ("preserve.describe.office", "describe_office"),
    "rtf": ("preserve.describe.rtf", "describe_rtf"),
    "message": ("preserve.describe.message", "describe_message"),
    "image": ("preserve.describe.image", "describe_image"),
    "media": ("preserve.describe.media", "describe_media"),
    "dataset": ("preserve.describe.dataset", "describe_dataset"),
}


def describer(kind: Kind) -> Describer | None:
    """The describer of a kind of binary document (imported on first use), None for text and binary."""
    if kind not in DESCRIBERS:
        return None
    module, function = DESCRIBERS[kind]
    return getattr(import_module(module), function)


def describe_with(kind: Kind, path: Path, name: str, *, limits: Limits = DEFAULT_LIMITS, **context: Any) -> Draft:
    """The draft of a file by its kind's describer; a describer that fails leaves a note, never an error."""
    describe = describer(kind)
    if describe is None:
        return Draft()
    try:
        return describe(path, name, limits=limits, **context)
    except Exception as exc:  # noqa: BLE001 - a describer's bug must not stop the bytes being bagged
        draft = Draft()
        draft.notes.append(f"{name}: could not be described ({type(exc).__name__}: {exc}); the file is bagged as is")
        return draft
