"""The issuing organisation(s) of a release, from the structures press releases use.

Evidence, strongest first: a signatories list (every signatory), a "(Source: X)" credit,
an "About X" heading or an "X is a ... / has established itself as ..." boilerplate
paragraph in the second half, a first-person opening ("Today the X ...", "X today
announced ..."), an organisation named in a contact block, the issuers' other places
(:mod:`preserve.describe.issuers`), a closing sign-off ("- The X Team"). Other bodies the
text names are not creators.
"""
from __future__ import annotations

import re
from preserve.describe.issuers import issuers
from preserve.describe.lines import Line, paragraphs
from preserve.describe.orgnames import Creator, CreatorRule, abbreviations, name_at, spelled_out

_CAP = r"[A-Z0-9][\w&'’.-]*"
_CONNECT = r"(?:of|for|and|the|de|du|des|la|le|al|el|on|in|&|und|y|e)"
ORG = rf"{_CAP}(?:\s+(?:{_CONNECT}\s+)*{_CAP})*"
_ORG_RE = re.compile(ORG)
_SIGNATORIES = re.compile(
    r"^(?:signatories|signatory organi[sz]ations|signed(?:\s+by)?|co-?signed(?:\s+by)?|"
    r"endorsed\s+by|joint statement by|issued\s+jointly\s+by|(?:premiers?\s+|les\s+)?signataires|"
    r"(?:erst)?unterzeichner(?:innen)?(?:\s+und\s+unterzeichner)?|unterzeichnende(?:\s+organisationen)?|"
    r"(?:primeros\s+)?firmantes|(?:primi\s+)?firmatari|ondertekenaars|подписанты)\s*:?\s*(.*)$", re.I)
_SOURCE = re.compile(r"\((?:source|credit|issued by)\s*:\s*([^)]{2,120})\)", re.I)
_ABOUT = re.compile(r"^about\s+(?:the\s+)?(" + ORG + r")\s*:?$", re.I)
_BOILERPLATE = re.compile(
    r"^(?:The\s+)?(" + ORG + r")(?:\s*\([^)]*\))?,?\s+(?:is|are|was|has been|has established itself as|"
    r"was founded|was established|works|exists|represents|brings together)\b")
_TODAY = re.compile(r"^(?:Today|This morning|This week),?\s+(?:the\s+)?(" + ORG + r")")
_ANNOUNCE = re.compile(
    r"^(?:The\s+)?(" + ORG + r")\s+(?:today|has today|this week|is today)\s+"
    r"(?:announced|announces|launched|launches|published|publishes|released|releases|"
    r"called|calls|said|says|welcomed|welcomes|condemned|condemns|issued|issues)\b")
_CONTACT = re.compile(
    r"^(?:for (?:further|more) information|media (?:contact|enquiries|inquiries)|"
    r"press (?:contact|enquiries|inquiries)|contact|for media|notes to editors|"
    r"f[üu]r r[üu]ckfragen|r[üu]ckfragen|pressekontakt|kontakt|pour plus d['’]informations|contacts? presse|"
    r"contacto|contactos|contatti|contatto|perscontact|contactpersoon|контакты|контакт)", re.I)
#: a legal form after a name marks it as an organisation ("Example e.V.", "Example GmbH")
_LEGAL_FORM = re.compile(r"^\s*(?:e\.\s?V\.|gGmbH|GmbH|Ltd\.?|Inc\.?|a\.?s\.?b\.?l\.?|S\.A\.|AG|NGO)(?!\w)")
_ORG_WORD = re.compile(
    r"\b(?:Society|Campaign|Association|Coalition|Council|Foundation|Trust|Network|Institute|"
    r"Committee|Organi[sz]ation|Union|Group|Alliance|Centre|Center|Initiative|Agency|Ltd|Inc|"
    r"Company|Corporation|Federation|League|Movement|Party|Ministry|Department|University|"
    r"College|Fund|Forum|Project|Office|Board|Commission|Front|Bureau|Partnership|Charity)\b")
_NOT_ORGS = frozenset({"He", "She", "It", "They", "We", "This", "That", "These", "Those", "Our",
                       "Its", "Their", "His", "Her", "There", "Here", "What", "Today", "I"})
_TRAILING = re.compile(rf"(?:\s+{_CONNECT})+$")


__all__ = ["Creator", "CreatorRule", "find_creators"]


def _clean(name: str) -> str | None:
    """A candidate name without list marks, edge punctuation and trailing connectives; None
    when what is left is no name (empty, a pronoun, too long, no letter)."""
    name = re.sub(r"^[\s\-*•·–—\d.)]+", "", name).strip(" \t.,;:")
    name = _TRAILING.sub("", name).strip()
    if not name or name in _NOT_ORGS or len(name) > 120:
        return None
    if not re.search(r"[^\W\d_]", name):
        return None
    return name


def signatories(lines: list[Line]) -> list[Creator]:
    """Every organisation of a signatories list."""
    out: list[Creator] = []
    for i, line in enumerate(lines):
        m = _SIGNATORIES.match(line.text)
        if not m or (m.group(1) and len(m.group(1)) > 1000):
            continue
        items: list[tuple[int, str]] = []
        if m.group(1).strip():
            items.append((line.number, m.group(1)))
        started = bool(items)
        for nxt in lines[i + 1:]:
            if not nxt.text:
                if started:
                    break
                continue
            if _CONTACT.match(nxt.text) or re.fullmatch(r"#+|ends|-+\s*ends\s*-+|\*+", nxt.text, re.I):
                break
            if nxt.text.endswith(".") and len(nxt.text) > 150:
                break
            items.append((nxt.number, nxt.text))
            started = True
        for number, text in items:
            sep = r"\s*[•·|;]\s*" if re.search(r"[•·|;]", text) else r"\s*,\s*(?:and\s+)?|\s+and\s+(?=[A-Z])"
            parts = re.split(sep, text) if re.search(r"[•·|;,]", text) else [text]
            for part in parts:
                name = _clean(part)
                if name:
                    out.append(Creator(name, number, "signatories list"))
        if out:
            return out
    return out


def find_creators(lines: list[Line], body_start: int = 0) -> list[Creator]:
    """Issuing organisations with the line and rule that found each (deduplicated).

    A signatories list, when there is one, names every creator; otherwise the other rules'
    findings are pooled, in the order of the module docstring.
    """
    found = signatories(lines)
    if found:
        return found
    paras = paragraphs(lines)
    found = [*source_credits(lines), *about_and_boilerplate(lines, paras), *opening(paras, body_start),
             *contact_block(lines), *issuers(lines, body_start), *sign_off(lines)]
    return _unique(_spelled_out(found, lines))


def _spelled_out(found: list[Creator], lines: list[Line]) -> list[Creator]:
    """Each creator as the text spells it out: "HOT" as "Humanitarian OpenStreetMap Team (HOT)"
    when the text defines it, "Water Board" as "Green Valley Water Board"."""
    if not found:
        return found
    text = "\n".join(l.text for l in lines)
    defined = abbreviations(text)
    return [Creator(spelled_out(c.name, text, defined), c.line, c.how) for c in found]


#: a closing line that signs the text: a dash, then a short capitalised name ("- The X Team")
_SIGN_OFF = re.compile(r"^[-–—―]{1,2}\s*((?:The\s+)?[A-Z][\w&'’.-]*(?:\s+[\w&'’.-]+){0,7})\s*$")


def sign_off(lines: list[Line]) -> list[Creator]:
    """The name a text signs off with, on one of its last three lines: "- The X Team"."""
    tail = [line for line in lines if line.text.strip()][-3:]
    for line in reversed(tail):
        m = _SIGN_OFF.match(line.text.strip())
        if m and not m.group(1).rstrip(".").endswith(("http", "www")):
            return [Creator(m.group(1).rstrip(" ."), line.number, "sign-off ('- The X Team' at the end)")]
    return []


def source_credits(lines: list[Line]) -> list[Creator]:
    """Organisations credited as the source: "(Source: X)", "(Issued by: X)"."""
    found: list[Creator] = []
    for line in lines:
        for m in _SOURCE.finditer(line.text):
            name = _clean(m.group(1))
            if name:
                found.append(Creator(name, line.number, "source credit"))
    return found


def about_and_boilerplate(lines: list[Line], paras: list[list[Line]]) -> list[Creator]:
    """Organisations of an "About X" heading anywhere, or of an "X is a ..." paragraph that
    starts in the second half of the text (or on its last line)."""
    found: list[Creator] = []
    half = len(lines) // 2
    last = lines[-1].number if lines else 0
    for para in paras:
        first = para[0]
        m = _ABOUT.match(first.text)
        if m and (name := _clean(m.group(1))):
            found.append(Creator(name, first.number, "'About' heading"))
            continue
        if first.number < (lines[half].number if lines else 0) and first.number != last:
            continue
        for line in para:  # a paragraph's lines each open a sentence in pages saved as text
            m = _BOILERPLATE.match(line.text)
            if m and (name := _clean(m.group(1))) and (
                    name.isupper() or _ORG_WORD.search(name) or (line is first and " " in name)):
                found.append(Creator(name, line.number, "boilerplate paragraph ('X is/has ...')"))
                break
    return found


_OPENINGS: tuple[tuple[re.Pattern[str], CreatorRule], ...] = (
    (_TODAY, "first-person opening ('Today the X ...')"), (_ANNOUNCE, "opening ('X today announced ...')"))


def opening(paras: list[list[Line]], body_start: int) -> list[Creator]:
    """The organisation that speaks in the body's first paragraph ("Today the X ...",
    "X today announced ...")."""
    found: list[Creator] = []
    body = [p for p in paras if p[0].number >= body_start]
    if body:
        text = " ".join(l.text for l in body[0])
        for rx, how in _OPENINGS:
            m = rx.match(text)
            if m and (name := _clean(m.group(1))):
                found.append(Creator(name, body[0][0].number, how))
    return found


def contact_block(lines: list[Line]) -> list[Creator]:
    """Organisations on a contact line and the lines after it: names with an organisation
    word (in any of the languages organisation types are listed in) or a legal form
    ("Example e.V."); a person's name is no creator."""
    found: list[Creator] = []
    for i, line in enumerate(lines):
        if not _CONTACT.match(line.text):
            continue
        block = [line, *[l for l in lines[i + 1:i + 12] if l.text][:5]]
        for nxt in block:
            if len(nxt.text) > 200:
                break
            names: list[str] = []
            for m in _ORG_RE.finditer(nxt.text):
                name = _clean(m.group(0))
                if name and _ORG_WORD.search(name):
                    names.append(name)
            for part in re.finditer(r"[^,;|:]+", nxt.text):
                hit = name_at(part.group(0).strip())
                if hit and (hit[2] or _LEGAL_FORM.match(part.group(0).strip()[hit[1]:])):
                    names.append(hit[0])
            for name in dict.fromkeys(names):
                if all(c.name != name for c in found):
                    found.append(Creator(name, nxt.number, "contact block"))
    return found


def _unique(found: list[Creator]) -> list[Creator]:
    """The first creator of each name (compared case-blind), in order."""
    seen: set[str] = set()
    unique = []
    for c in found:
        key = c.name.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(c)
    if len(unique) > 200:
        return unique  # a long list: its names stand as written (the check below is quadratic)
    # a name inside a longer one found too ("RWT" in "Riverside Water Trust (RWT)") is that one
    return [c for c in unique
            if not any(o is not c and len(o.name) > len(c.name)
                       and re.search(rf"(?<!\w){re.escape(c.name)}(?!\w)", o.name, re.I) for o in unique)]
