"""Describe a file by its bytes alone: MIME type from its signature or name, DCMI type.

The signatures are preserve.formats.SIGNATURES; a ZIP or OLE2 container is named more
closely by its extension (a .docx is a ZIP, a .doc an OLE2 file).
"""
from __future__ import annotations

from preserve.formats import guess_type, match_signature
_OOXML = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
          ".odt": "application/vnd.oasis.opendocument.text",
          ".epub": "application/epub+zip"}
_OLE = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
        ".ppt": "application/vnd.ms-powerpoint"}
def sniff_mime(head: bytes, name: str) -> tuple[str, str]:
    """(MIME type, how it was found) from the first bytes and, failing that, the name."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    signature = match_signature(head)
    if signature is not None:
        if signature.mime == "application/zip" and suffix in _OOXML:
            return _OOXML[suffix], f"file signature (ZIP) and extension {suffix}"
        if signature.mime == "application/x-ole-storage" and suffix in _OLE:
            return _OLE[suffix], f"file signature (OLE2) and extension {suffix}"
        return signature.mime, "file signature"
    guessed = guess_type(name)
    if guessed and not guessed.startswith("text/"):  # only called on bytes that are not text
        return guessed, f"file extension {suffix}"
    if guessed:
        return "application/octet-stream", f"content is not text, despite the extension {suffix}"
    return "application/octet-stream", "unknown signature and extension"


def dcmi_type(mime: str) -> str | None:
    """The DCMI Type a MIME type implies, or None when it implies none."""
    major = mime.split("/", 1)[0]
    if major == "text" or mime in ("application/pdf", "application/rtf", "application/msword",
                                   "application/epub+zip") or "wordprocessingml" in mime \
            or "opendocument.text" in mime:
        return "Text"
    if major == "image":
        return "StillImage"
    if major == "audio":
        return "Sound"
    if major == "video":
        return "MovingImage"
    if "spreadsheet" in mime or mime in ("text/csv", "application/vnd.ms-excel", "application/json"):
        return "Dataset"
    return None


def describe_size(size: int, mime: str, how: str) -> str:
    """A one-line factual description of a non-text file."""
    return f"Binary file of {size} bytes ({mime}, by {how}); no text extracted."
