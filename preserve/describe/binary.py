"""Describe a file by its bytes alone: MIME type from its signature or name, and its size.

The signatures are preserve.formats.SIGNATURES; a ZIP or OLE2 container is named more
closely by its extension (a .docx is a ZIP, a .doc an OLE2 file).
"""
from __future__ import annotations

from preserve.describe.kinds import CONTAINER_MIME
from preserve.formats import guess_type, match_signature

_OLE = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
        ".ppt": "application/vnd.ms-powerpoint"}


def sniff_mime(head: bytes, name: str) -> tuple[str, str]:
    """(MIME type, how it was found) from the first bytes and, failing that, the name."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    signature = match_signature(head)
    if signature is not None:
        if signature.mime == "application/zip" and suffix in CONTAINER_MIME:
            return CONTAINER_MIME[suffix], f"file signature (ZIP) and extension {suffix}"
        if signature.mime == "application/x-ole-storage" and suffix in _OLE:
            return _OLE[suffix], f"file signature (OLE2) and extension {suffix}"
        return signature.mime, "file signature"
    guessed = guess_type(name)
    if guessed and not guessed.startswith("text/"):  # only called on bytes that are not text
        return guessed, f"file extension {suffix}"
    if guessed:
        return "application/octet-stream", f"content is not text, despite the extension {suffix}"
    return "application/octet-stream", "unknown signature and extension"


def describe_size(size: int, mime: str, how: str) -> str:
    """A one-line factual description of a non-text file."""
    return f"Binary file of {size} bytes ({mime}, by {how}); no text extracted."
