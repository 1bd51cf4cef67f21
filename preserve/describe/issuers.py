"""Issuers named where press releases name them, in any language with capital letters.

- a dateline credit: "Geneva (ABC) - ..." (the agency credit of wire style);
- a byline or label line: "Statement by X", "Speech by X", "Déclaration de la X", "Publisher: X",
  "Statements X", "Nota X - ..."; Arabic "صادر عن X" (issued by X);
- "signed by A, B and C" in running text, next to a word for the document ("statement",
  "appel", "Erklärung" ...), also "... by 40 NGOs including X" and "by networks (A, B, C)";
- the subject of the body's opening sentence: "The X calls on ...", "A, B and C express ...",
  when the name holds an organisation-type word, is in capitals, is defined by an abbreviation,
  or opens at least two sentences of the text;
- a masthead: one of the first lines is an organisation name alone ("City Council of X");
- a signature block: two or more lines "Name, Role of X";
- the parent of a project: "X is a project of the Y".
Partners, funders and addressees are named elsewhere in the text and are never taken.
"""
from __future__ import annotations

import re

from preserve.describe.lines import Line
from preserve.describe.orgnames import ARTICLES, NOT_NAMES, ROLES, Creator, is_type, name_at, scan, words

_HEAD_LINES = 15

_DATELINE = re.compile(r"^[^\W\d_][^()\n]{0,40}?\s*\(([A-Z][A-Za-z.&]{1,14})\)\s*(?:--|[–—-])")
_DOC = (r"(?:joint\s+)?(?:statement|declaration|d[ée]claration|erkl[äa]rung|stellungnahme|declaraci[óo]n|"
        r"dichiarazione|comunicado|communiqu[ée]|comunicato|speech|address|rede|discours|discurso|"
        r"discorso|briefing|letter|lettre|note|nota|press release|pressemitteilung|news release|"
        r"appeal|appel|aufruf|llamamiento|appello|petition|p[ée]tition)")
#: a word for the document itself, right before "signed by": "This statement is signed by"
_SIGNED_DOC = re.compile(r"(?:statement|declaration|d[ée]claration|erkl[äa]rung|stellungnahme|declaraci[óo]n|"
                         r"dichiarazione|communiqu[ée]|comunicado|comunicato|letter|lettre|brief|appeal|appel|"
                         r"aufruf|llamamiento|appello|petition|p[ée]tition)\W[^.;:]{0,30}$", re.I)
_BY = (r"(?:by|from|von|vom|par|por|door|dal|dalla|della|del|de la|de l['’]|du|des)")
_BYLINE = re.compile(rf"\b{_DOC}\s+{_BY}\s+(?:the\s+|der\s+|die\s+|das\s+)?", re.I)
_PUBLISHER = re.compile(r"^(?:publisher|issued by|published by|herausgeber|herausgegeben von|[ée]diteur|"
                        r"publi[ée] par|editor|editado por|publicado por|pubblicato da|uitgever)\s*:?\s*", re.I)
_LABEL = re.compile(r"^(?:statements?|press releases?|news releases?|nota|note|comunicato|communiqu[ée]s?|"
                    r"pressemitteilung(?:en)?|d[ée]claration|declaraci[óo]n|comunicado)\s*(?:[-–—:]\s*)?", re.I)
_ARABIC_BY = re.compile(r"(?:ال)?صادر(?:ة)?\s+عن\s+((?:\S+\s*){1,5})")
_ARABIC_STOP = frozenset("بخصوص بشأن حول في على عن إلى الى من حول".split())
_SIGNED = re.compile(
    r"\b(?:(?:co-?)?signed|submitted|issued|made|launched|endorsed)\s+by\s+|\bsign[ée]e?s?\s+par\s+|"
    r"\blanc[ée]e?s?\s+par\s+|\bsoumise?s?\s+par\s+|\bunterzeichnet\s+von\s+|\beingereicht\s+von\s+|"
    r"\bfirmad[oa]s?\s+por\s+|\bsuscrit[oa]s?\s+por\s+|\bfirmat[oa]\s+da\s+|\bondertekend\s+door\s+", re.I)
_INCLUDING = re.compile(r"^[^,()]{0,50}?\b(?:including|among them|dont|notamment|darunter|incluyendo|"
                        r"entre ellas|tra cui|waaronder)\s+", re.I)
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:and\s+|et\s+|und\s+|y\s+|e\s+|en\s+)?|\s(?:and|et|und|y|e|en)\s+)")
_CONJ = re.compile(r"\s*(?:,\s*)?(?:and|et|und|y|e|en)\s+$")
_SIGNATURE = re.compile(r"^[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){1,3},\s+[^,]{2,60}?\s+"
                        r"(?:of the|of|d['’]|du|de la|de l['’]|des|der|von|del|della|di)\s*(?=[^\W\d_])")
_SALUTATION_END = (",", ";", ":")


def _accept(name: str) -> bool:
    """A found name that can be an issuer: a letter, not a genre word, not too long, not a
    person's role ("President of the X Jane Doe"), not a possessive ("the X's president")."""
    first = name.split()[0].casefold()
    return bool(re.search(r"[^\W\d_]", name)) and name.casefold() not in NOT_NAMES and len(name) <= 160 \
        and first not in ROLES and not re.search(r"['’]s?$", name)


def dateline_credits(lines: list[Line]) -> list[Creator]:
    """The abbreviation credited in a dateline: "Geneva (ABC) - ..."."""
    found = []
    for line in [l for l in lines if l.text][:_HEAD_LINES]:
        m = _DATELINE.match(line.text)
        if m and sum(c.isupper() for c in m.group(1)) >= 2:
            found.append(Creator(m.group(1), line.number, "dateline credit ('Place (ORG) -')"))
    return found


def bylines(lines: list[Line]) -> list[Creator]:
    """Issuers of a byline in the head ("Speech by X", "DECLARATION DE LA X"), a "Publisher:"
    line anywhere, a label line ("Statements X", "Nota X - ..."), an Arabic "صادر عن X"."""
    found: list[Creator] = []
    head = {l.number for l in [l for l in lines if l.text][:_HEAD_LINES]}
    for line in lines:
        text = line.text
        m = _PUBLISHER.match(text)
        if m and m.end() < len(text):
            hit = name_at(text, m.end())
            if hit and _accept(hit[0]):
                found.append(Creator(hit[0], line.number, "byline ('Statement by X', 'Publisher: X')"))
        if line.number not in head:
            continue
        for m in _BYLINE.finditer(text):
            hit = name_at(text, m.end())
            if hit and _accept(hit[0]):
                found.append(Creator(hit[0], line.number, "byline ('Statement by X', 'Publisher: X')"))
        m = _LABEL.match(text)
        if m and m.end() < len(text):
            hit = name_at(text, m.end())
            if hit and _accept(hit[0]):
                rest = text[hit[1]:].strip()
                if not rest or re.match(r"(?:--|[–—|:-])\s", rest) or (hit[2] and len(text.split()) <= 12):
                    found.append(Creator(hit[0], line.number, "label line ('Statements X', 'Nota X')"))
        for m in _ARABIC_BY.finditer(text):
            name = []
            for w in m.group(1).split():
                if w in _ARABIC_STOP:
                    break
                name.append(w)
            if name:
                found.append(Creator(" ".join(name), line.number, "byline ('Statement by X', 'Publisher: X')"))
    return found


def _split_pair(name: str, typed: bool) -> list[tuple[str, bool]]:
    """Two typed names joined by a conjunction as two ("A Association and B Foundation"); a
    name with a conjunction inside stays whole ("Peace and Justice for X")."""
    m = re.search(r"\s(?:and|et|und|y|e|en)\s+(?=[^\W\d_])", name) if typed else None
    if m and any(is_type(w) for w, _, _ in words(name[:m.start()])) and name[m.end()].isupper() \
            and any(is_type(w) for w, _, _ in words(name[m.end():])):
        return [(name[:m.start()], True), (name[m.end():], True)]
    return [(name, typed)]


def name_list(text: str, start: int = 0) -> list[tuple[str, bool]]:
    """The names of a list from text[start]: "A, B and C" (each with whether it is typed)."""
    out: list[tuple[str, bool]] = []
    pos = start
    while len(out) < 40:
        hit = name_at(text, pos)
        if not hit:
            break
        out.extend(_split_pair(hit[0], hit[2]))
        sep = _LIST_SEP.match(text, hit[1])
        if not sep:
            break
        pos = sep.end()
    return out


def signed_by(lines: list[Line]) -> list[Creator]:
    """Signatories named in running text: "This statement is signed by A, B and C", "lancé
    par 40 ONG dont X", "made by six networks (A, B, C)"; only next to a word for the document."""
    found: list[Creator] = []
    for line in lines:
        text = line.text
        for m in _SIGNED.finditer(text):
            if not _SIGNED_DOC.search(text[max(0, m.start() - 80):m.start()]):
                continue
            tail = text[m.end():m.end() + 600]
            paren = re.match(r"^[^.;()]{0,80}?\(([^()]{3,400})\)", tail)
            if paren and "," in paren.group(1):
                tail = paren.group(1)
            else:
                inc = _INCLUDING.match(tail)
                if inc:
                    tail = tail[inc.end():]
                tail = re.sub(r"^(?:the|la|le|les|l['’]|die|der|das)\s+", "", tail, flags=re.I)
            for name, _ in name_list(tail):
                if _accept(name) and not name[0].isdigit():
                    found.append(Creator(name, line.number, "signed by ... (in running text)"))
    return found


def _sentences(text: str) -> list[str]:
    """Sentences of a paragraph (split after . ! ? before a capital)."""
    return re.split(r"(?<=[.!?])\s+(?=[^\W\d_])", text)


def _subject_start(sentence: str) -> int:
    """Where the subject starts: after an article ("The", "La", "L'", "Die" ...)."""
    m = re.match(r"^(?:(?:the|a|le|la|les|die|der|das|el|los|las|il|lo|gli|de|het)\s+|[lL]['’](?=\w))",
                 sentence, re.I)
    return m.end() if m else 0


def _subjects(sentence: str) -> list[tuple[str, bool]]:
    """The names that open a sentence before its verb: "A, B and C express" gives A, B, C;
    "A, Chief of B, said" gives A only (an apposition)."""
    start = _subject_start(sentence)
    names = name_list(sentence, start)
    if not names:
        return []
    if len(names) > 1:
        # a list only when its last name follows a conjunction
        last = sentence.find(names[-1][0], start)
        if not _CONJ.search(sentence[:last]):
            names = names[:1]
    return names


def _prose_units(lines: list[Line], body_start: int) -> list[Line]:
    """The body's prose paragraphs as their first lines (eight words or more, not a salutation),
    the first line's text joined with the rest of its paragraph."""
    units: list[Line] = []
    prev_blank = True
    for idx, line in enumerate(lines):
        if line.number < body_start:
            prev_blank = not line.text
            continue
        if _prose(line.text):
            if prev_blank or len(units) == 0 or lines[idx - 1].text.endswith((".", "!", "?", ":")) \
                    or len(lines[idx - 1].text.split()) < 8:
                more = []
                for nxt in lines[idx + 1:idx + 8]:
                    if not nxt.text:
                        break
                    more.append(nxt.text)
                joined = " ".join([line.text, *more])[:3000]
                if re.search(r"[.!?。]", joined):
                    units.append(Line(line.number, line.raw, joined))
        prev_blank = not line.text
        if len(units) >= 6:
            break
    return units


def _prose(text: str) -> bool:
    """True when a line can open a prose paragraph: eight words or more, mostly lowercase,
    not a salutation ("Madam President,")."""
    if len(text.split()) < 8 or text.endswith(_SALUTATION_END):
        return False
    ws = text.split()
    return not text.isupper() and sum(w[0].isupper() for w in ws) < 0.6 * len(ws)


def _dateline_cut(sentence: str) -> str:
    """The sentence without a dateline ("Millbrook, OH -- ", "Eastwick, 04.07.2022. ")."""
    m = re.match(r"^[^\W\d_][^.!?–—]{0,60}?\s(?:--|[–—-])\s+", sentence)
    if m and re.search(r"[,(\d]|^[^a-z]+$", m.group(0)):
        return sentence[m.end():]
    return sentence


def opening_subjects(lines: list[Line], body_start: int) -> list[Creator]:
    """Organisations at the subject of the body's opening sentence, or opening two sentences
    or more of the first prose paragraphs."""
    units = _prose_units(lines, body_start)
    if not units:
        return []
    starts: dict[str, int] = {}  # names that open sentences after an article ("Die X wird ...")
    for s in dict.fromkeys(s for unit in units for s in _sentences(unit.text)):
        if s:
            s = _dateline_cut(s)
            if _subject_start(s):
                for name, typed in _subjects(s)[:1]:
                    if typed or " " not in name:
                        starts[name.casefold()] = starts.get(name.casefold(), 0) + 1
    found: list[Creator] = []
    for n, unit in enumerate(units[:3]):
        sentences = [_dateline_cut(s) for s in _sentences(unit.text)]
        if sentences and len(sentences[0].split()) <= 5 and re.search(r"\d", sentences[0]):
            sentences = sentences[1:]  # "Bonn/Berlin, 04.07.2022."
        for s in sentences[:1] if n == 0 else sentences[:2]:
            for name, typed in _subjects(s):
                evidence = starts.get(name.casefold(), 0) >= 2 or (n == 0 and (
                    typed or any(w.isupper() and len(w) >= 2 for w, _, _ in words(name))
                    or s[s.find(name) + len(name):].startswith(" (")))
                if evidence and _accept(name):
                    found.append(Creator(name, unit.number, "subject of the opening sentence"))
        if n == 0 and sentences:
            found.extend(_typed_list(sentences[0], unit.number))
    return found


def _typed_list(sentence: str, number: int) -> list[Creator]:
    """The names in parentheses after a plural organisation type in the opening sentence:
    "six networks (A, B, C) call ...", "фонды (A, B)"."""
    found = []
    for m in re.finditer(r"([^\W\d_]+)\s+(?:[^\W\d_]+\s+)?\(([^()]{3,400})\)", sentence):
        w = m.group(1)
        if "," in m.group(2) and any(is_type(w[:-k]) for k in (1, 2) if len(w) > k + 2):
            for name, _ in name_list(m.group(2)):
                if _accept(name):
                    found.append(Creator(name, number, "subject of the opening sentence"))
    return found


def mastheads(lines: list[Line]) -> list[Creator]:
    """An organisation name alone on one of the first three lines ("City Council of X")."""
    found = []
    for line in [l for l in lines if l.text][:3]:
        hit = name_at(line.text)
        if hit and hit[1] == len(line.text) and hit[2] and len(line.text.split()) <= 6:
            found.append(Creator(hit[0], line.number, "masthead line"))
    return found


_PROJECT_OF = re.compile(
    r"\b(?:is|ist|est|es|è)\s+(?:a|an|ein|eine|un|une|uno)\s+(?:project|initiative|programme|program|projekt|"
    r"programm|projet|proyecto|programa|progetto|iniciativa|iniziativa)\s+(?:of|by|der|des|von|de la|du|de l['’]|"
    r"del|della|di|de)\s+(?:the\s+|la\s+|le\s+)?", re.I)


def parent_organisations(lines: list[Line]) -> list[Creator]:
    """The organisation a project belongs to: "X is a project of the Y" (Y issues its news)."""
    found = []
    for line in lines:
        for m in _PROJECT_OF.finditer(line.text):
            hit = name_at(line.text, m.end())
            if hit and _accept(hit[0]):
                found.append(Creator(hit[0], line.number, "boilerplate ('X is a project of Y')"))
    return found


def signature_blocks(lines: list[Line]) -> list[Creator]:
    """The organisations of two or more consecutive "Name, Role of X" lines."""
    found: list[Creator] = []
    run: list[Creator] = []
    for line in lines:
        m = _SIGNATURE.match(line.text) if len(line.text) < 200 else None
        hit = name_at(line.text, m.end()) if m else None
        if hit and _accept(hit[0]):
            run.append(Creator(hit[0], line.number, "signature block ('Name, Role of X')"))
            continue
        if len(run) >= 2:
            found.extend(run)
        run = []
    if len(run) >= 2:
        found.extend(run)
    return found


def issuers(lines: list[Line], body_start: int) -> list[Creator]:
    """The findings of every rule of the module docstring, in its order."""
    return [*dateline_credits(lines), *bylines(lines), *signed_by(lines), *opening_subjects(lines, body_start),
            *mastheads(lines), *signature_blocks(lines), *parent_organisations(lines)]


__all__ = ["issuers", "name_list", "is_type", "scan", "ARTICLES"]
