"""Describe an e-mail message (.eml, RFC 5322) or the first message of an mbox (RFC 4155).

Header fields give the embedded values, each with its provenance:

- Subject → title ("e-mail header Subject"), reply and forward prefixes (Re:, Fwd:, AW:...)
  removed with a note;
- From → creator ("e-mail header From"): the display name of each address when there is one,
  else the address itself with a note; no name is ever made up from an address. To and Cc
  name recipients, not creators;
- Date → date ("e-mail header Date", RFC 5322 §3.3 date-time, the sender's own calendar day);
- Content-Language (RFC 3282) → language.

The body (the text/plain part, else text/html through preserve.describe.html) goes through
the same text analysis as a plain-text document (:func:`draft_document`). Attachments are
listed in a note: their bytes are part of this file, bagged whole.

Memory stays flat on a message of any size: the file is read at most ``limits.max_bytes``, in
chunks, and only the start of each long run of base64 lines (an attachment's content, never
decoded here) reaches the parser.
"""
from __future__ import annotations

import email.utils
import os
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesFeedParser
from pathlib import Path
from typing import Any, Iterator

from preserve.describe.embedded import DEFAULT_LIMITS, Limits, clean, clip_lines, draft_document, embedded_date, language_code
from preserve.describe.lines import Line
from preserve.describe.text import Draft
from preserve.fixity import open_for_reading
from preserve.record import Value

CHUNK = 1 << 20
#: base64 lines in a row passed to the parser before the rest of the run is skipped (about 300 KB)
MAX_BASE64_RUN = 4096
#: a longer line is cut (RFC 5322 §2.1.1 allows 998 characters)
MAX_LINE = 64 << 10
#: attachment names listed in the note
MAX_LISTED = 20
_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
# reply and forward prefixes mail clients write: English, German (AW, WG), French (TR), Spanish and
# Portuguese (RV, ENC), Nordic (SV, VS), Dutch (Antw), Polish (Odp), Hungarian (Vá), Turkish (YNT)
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr|rv|sv|vs|antw|enc|odp|vá|ynt)\s*(?:\[\d+\])?\s*:\s*)+",
                           re.I)


def describe_message(path: Path, name: str, *, limits: Limits = DEFAULT_LIMITS, **context: Any) -> Draft:
    """Draft of a message file from its header fields and body; every failure is a note."""
    notes: list[str] = []
    try:
        msg = read_message(path, limits, notes)
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - hostile files: a note
        notes.append(f"e-mail: not parsed ({type(exc).__name__}: {str(exc)[:160]}); the file is bagged as is")
        return draft_document({}, [], filename=name, notes=notes, **context)
    embedded: dict[str, list[Value]] = {}
    for element, reader in (("title", _subject), ("creator", _from), ("date", _date), ("language", _language)):
        try:
            values = reader(msg, notes)
        except (Exception, RecursionError) as exc:  # noqa: BLE001 - one broken header field, one note
            notes.append(f"{element}: e-mail header not read ({type(exc).__name__})")
            continue
        if values:
            embedded[element] = values
    try:
        lines = body_lines(msg, limits, notes)
        notes.extend(attachment_notes(msg))
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001
        lines = []
        notes.append(f"e-mail: body not read ({type(exc).__name__}: {str(exc)[:160]})")
    if msg.defects:
        notes.append(f"e-mail: {len(msg.defects)} format defect(s), first: {type(msg.defects[0]).__name__}")
    return draft_document(embedded, lines, filename=name, notes=notes, text_first=("date",), **context)


def read_message(path: Path, limits: Limits, notes: list[str]) -> EmailMessage:
    """The message (the first one of an mbox), parsed from at most limits.max_bytes of the file."""
    parser = BytesFeedParser(policy=policy.default)
    skipped = run = 0
    messages, is_mbox, feeding, cut = 1, False, True, False
    for i, line in enumerate(_lines(path, limits)):
        if line is None:
            cut = True
            break
        if i == 0 and line.startswith(b"From "):  # RFC 4155: the separator line that starts an mbox
            is_mbox = True
            continue
        if is_mbox and line.startswith(b"From "):
            messages += 1
            feeding = False  # the first message ends here; the others are only counted
        if not feeding:
            continue
        if is_mbox and line.startswith(b">"):
            line = re.sub(rb"^>(>*From )", rb"\1", line)  # mboxrd quoting of body lines
        # An attachment's content is never decoded: past the start of a long run of base64
        # lines, the parser does not need to hold it.
        run = run + 1 if len(line) >= 40 and not line.translate(None, _BASE64) else 0
        if run > MAX_BASE64_RUN:
            skipped += 1
            continue
        parser.feed(line)
    msg = parser.close()
    if skipped:
        notes.append(f"e-mail: {skipped} lines of long base64 runs (attachment contents) were not parsed; "
                     "the file is bagged whole")
    if is_mbox:
        notes.append(f"e-mail: an mbox of {'at least ' if cut else ''}{messages} message(s); "
                     "described from its first message")
    elif cut:
        notes.append(f"e-mail: described from its first {limits.max_bytes} bytes")
    if not list(msg.keys()):
        raise ValueError("no RFC 5322 header fields")
    return msg  # type: ignore[return-value]


def _lines(path: Path, limits: Limits) -> Iterator[bytes | None]:
    """The file's lines (each cut at MAX_LINE bytes), read in chunks; None last when the file is
    longer than limits.max_bytes."""
    fd = open_for_reading(path)
    carry = b""
    total = 0
    try:
        while True:
            chunk = os.read(fd, min(CHUNK, limits.max_bytes - total)) if total < limits.max_bytes else b""
            total += len(chunk)
            if not chunk:
                break
            parts = (carry + chunk).split(b"\n")
            carry = parts.pop()[:MAX_LINE]
            for part in parts:
                yield part[:MAX_LINE] + b"\n"
        if carry:
            yield carry
        if total >= limits.max_bytes and os.read(fd, 1):
            yield None
    finally:
        os.close(fd)


def _subject(msg: EmailMessage, notes: list[str]) -> list[Value]:
    """The Subject as title, without reply and forward prefixes."""
    subject = clean(str(msg.get("subject") or ""))
    prefix = _REPLY_PREFIX.match(subject)
    if prefix and subject[prefix.end():].strip():
        notes.append(f"title: the prefix {prefix.group(0).strip()!r} of the Subject was removed")
        subject = subject[prefix.end():].strip()
    return [Value(subject, "e-mail header Subject")] if subject else []


def _from(msg: EmailMessage, notes: list[str]) -> list[Value]:
    """Each From address's display name, or the address itself when it has none."""
    header = msg.get("from")
    if header is None:
        notes.append("creator: the message has no From header")
        return []
    out: list[Value] = []
    for address in getattr(header, "addresses", ()):
        name, addr = clean(address.display_name), clean(address.addr_spec)
        if name and name.lower() != addr.lower():
            out.append(Value(name, "e-mail header From", f"display name of {addr}" if addr else None))
        elif addr:
            out.append(Value(addr, "e-mail header From", "the From header gives an address only; no name "
                                                          "is made up from it"))
    if not out:
        notes.append(f"creator: the From header {clean(str(header))[:120]!r} names no address")
    return out


def _date(msg: EmailMessage, notes: list[str]) -> list[Value]:
    """The Date header as the sender's calendar day."""
    raw = msg.get("date")
    if raw is None:
        notes.append("date: the message has no Date header")
        return []
    value = header_date(str(raw), "e-mail header Date", notes)
    return [value] if value else []


def header_date(raw: str, where: str, notes: list[str]) -> Value | None:
    """A date-time in RFC 5322 §3.3 form ('Tue, 15 Feb 2016 10:00:00 +0100') as the day it names
    (in its own time zone); any other form goes to embedded_date, which notes what it cannot read."""
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        when = None
    if when is None:
        return embedded_date(raw, where, notes)
    value = embedded_date(when.date().isoformat(), where, notes)
    return Value(value.value, where, f"stated {clean(raw)!r}") if value else None


def _language(msg: EmailMessage, notes: list[str]) -> list[Value]:
    """The Content-Language header's first tag, when it is an ISO 639-1 code."""
    raw = clean(str(msg.get("content-language") or ""))
    code = language_code(raw)
    if code is not None:
        return [Value(code, "e-mail header Content-Language", f"stated {raw!r}")]
    if raw:
        notes.append(f"language: Content-Language {raw!r} has no two-letter code; ignored")
    return []


def body_lines(msg: EmailMessage, limits: Limits, notes: list[str]) -> list[Line]:
    """The lines of the body: the text/plain part, else the text/html part as text."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        notes.append("e-mail: no text body (only attachments or other parts)")
        return []
    text = _part_text(part, notes)
    if part.get_content_subtype() == "html":
        from preserve.describe.html import body_lines as html_lines, parse

        doc = parse(text[: limits.max_text_chars * 4])
        return html_lines(doc) if doc is not None else []
    return clip_lines(text, limits, notes, "e-mail body")


def _part_text(part: EmailMessage, notes: list[str]) -> str:
    """A text part decoded by its charset; an unknown charset is detected instead."""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, ValueError, AssertionError):
        from preserve.describe.encoding import decode

        data = part.get_payload(decode=True) or b""
        decoded = decode(data if isinstance(data, bytes) else b"")
        notes.append(f"e-mail: the body's charset {part.get_content_charset()!r} is unknown; "
                     f"{'decoded as ' + decoded.encoding if decoded else 'not decoded'}")
        return decoded.text if decoded else ""


def attachment_notes(msg: EmailMessage) -> list[str]:
    """One note listing the attached files (name and type), none when there are none."""
    listed: list[str] = []
    for part in msg.iter_attachments() if msg.is_multipart() else ():
        filename = clean(part.get_filename() or "") or "(no name)"
        listed.append(f"{filename} ({part.get_content_type()})")
    if not listed:
        return []
    more = f" and {len(listed) - MAX_LISTED} more" if len(listed) > MAX_LISTED else ""
    return [(f"e-mail: {len(listed)} attachment(s): {', '.join(listed[:MAX_LISTED])}{more}; they are "
             "bytes of this message, bagged whole with it")]
