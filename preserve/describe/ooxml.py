"""Office Open XML (docx, xlsx, pptx): the package's kind, its properties and its text, within bounds.

- The kind comes from the package itself (ECMA-376 Part 2, Open Packaging Conventions): the
  officeDocument relationship of ``_rels/.rels`` names the main part, whose content type in
  ``[Content_Types].xml`` says word processing, spreadsheet or presentation (macro-enabled and
  template variants included; Strict OOXML's relationship namespace too).
- Core properties (Part 2 §11, docProps/core.xml): dc:title, dc:creator, dc:subject,
  dc:description, cp:keywords, dc:language, dcterms:created. cp:lastModifiedBy names whoever saved
  it last and is never a creator; dcterms:modified is the last save, not an issue date.
- Extended properties (Part 1 §22.2, docProps/app.xml): Application and Company, as notes only
  (a licence's company is not necessarily the issuer).
- Text: a document's paragraphs (Part 1 §17.3.1: w:p, its w:t runs; w:tab a space, w:br and w:cr a
  line break), headings (a Title or "heading N" style, or an outline level, §17.3.1.20) marked as
  Markdown headings so the analysis takes them as such; a presentation's slides in their order
  (p:sldIdLst, Part 1 §19.2.1.34), title placeholders marked as headings. A workbook is data: its
  sheet names and the first sheet's header row, in a note.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Literal

from lxml import etree

from preserve.describe.zipsafe import METADATA_BYTES, Container, TextBudget, release, resolve, xml_events
from preserve.xml.safe import parse_xml

OoxmlKind = Literal["docx", "xlsx", "pptx"]
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_MAIN_TYPE = re.compile(r"^application/vnd\.(?:openxmlformats-officedocument\.(wordprocessingml|spreadsheetml|"
                        r"presentationml)|ms-(word|excel|powerpoint))\.[A-Za-z.]+\.main\+xml$", re.I)
_KIND_OF = {"wordprocessingml": "docx", "word": "docx", "spreadsheetml": "xlsx", "excel": "xlsx",
            "presentationml": "pptx", "powerpoint": "pptx"}
_W = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "http://purl.oclc.org/ooxml/wordprocessingml/main")
_S = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_P = ("http://schemas.openxmlformats.org/presentationml/2006/main", "http://purl.oclc.org/ooxml/presentationml/main")
_A = ("http://schemas.openxmlformats.org/drawingml/2006/main", "http://purl.oclc.org/ooxml/drawingml/main")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING_NAME = re.compile(r"^(?:title|heading\s*([1-9]))$", re.I)
MAX_SHEETS_NOTED = 30
MAX_HEADER_CELLS = 30


def _tags(namespaces: tuple[str, ...], *names: str) -> list[str]:
    return [f"{{{ns}}}{n}" for ns in namespaces for n in names]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass
class Package:
    """What the package's own index says: its main part, kind and the parts related to the package."""

    main: str | None = None
    kind: OoxmlKind | None = None
    core: str | None = None
    app: str | None = None
    notes: list[str] = field(default_factory=list)


def relationships(c: Container, part: str) -> list[tuple[str, str, str]]:
    """(Id, Type, member name) of the internal relationships of a part ("" for the package)."""
    folder, _, base = part.rpartition("/")
    rels_name = f"{folder + '/' if folder else ''}_rels/{base}.rels"
    if not c.has(rels_name):
        return []
    out = []
    for rel in parse_xml(c.read(rels_name), max_bytes=METADATA_BYTES).getroot().iter(_PKG_RELS):
        if rel.get("TargetMode") == "External":
            continue
        name = resolve(part, rel.get("Target") or "")
        if name is not None:
            out.append((rel.get("Id") or "", rel.get("Type") or "", name))
    return out


def _rel(rels: list[tuple[str, str, str]], suffix: str) -> str | None:
    return next((name for _, kind, name in rels if kind.endswith(suffix)), None)


def _content_types(c: Container) -> tuple[dict[str, str], dict[str, str]]:
    """(Default by extension, Override by part name) of [Content_Types].xml (Part 2 §10.1.2.2)."""
    root = parse_xml(c.read("[Content_Types].xml"), max_bytes=METADATA_BYTES).getroot()
    defaults = {(d.get("Extension") or "").lower(): d.get("ContentType") or "" for d in root.iter(_CT + "Default")}
    overrides = {(o.get("PartName") or "").lstrip("/"): o.get("ContentType") or "" for o in root.iter(_CT + "Override")}
    return defaults, overrides


def _kind_of(content_type: str) -> OoxmlKind | None:
    m = _MAIN_TYPE.match(content_type.strip())
    return _KIND_OF[(m.group(1) or m.group(2)).lower()] if m else None  # type: ignore[return-value]


def read_package(c: Container) -> Package:
    """The package's main part and kind, and its property parts; a note for what is missing."""
    pkg = Package()
    if not c.has("[Content_Types].xml"):
        return pkg
    defaults, overrides = _content_types(c)
    rels = relationships(c, "")
    pkg.main = _rel(rels, "/officeDocument")
    pkg.core = _rel(rels, "/core-properties") or ("docProps/core.xml" if c.has("docProps/core.xml") else None)
    pkg.app = _rel(rels, "/extended-properties") or ("docProps/app.xml" if c.has("docProps/app.xml") else None)
    if pkg.main is None:  # no relationship: a main part declared in the content types will do
        pkg.main = next((p for p, t in overrides.items() if _kind_of(t)), None)
        if pkg.main:
            pkg.notes.append(f"OOXML: no officeDocument relationship; main part {pkg.main} found by its content type")
    if pkg.main is not None:
        ext = pkg.main.rsplit(".", 1)[-1].lower()
        pkg.kind = _kind_of(overrides.get(pkg.main) or defaults.get(ext, ""))
    return pkg


# --- properties ----------------------------------------------------------------------------------
#: core property element (namespace, local name) -> (DC element, property name in the provenance)
CORE_PROPERTIES = {
    ("http://purl.org/dc/elements/1.1/", "title"): ("title", "title"),
    ("http://purl.org/dc/elements/1.1/", "creator"): ("creator", "creator"),
    ("http://purl.org/dc/elements/1.1/", "subject"): ("subject", "subject"),
    ("http://purl.org/dc/elements/1.1/", "description"): ("description", "description"),
    ("http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "keywords"): ("subject", "keywords"),
    ("http://purl.org/dc/elements/1.1/", "language"): ("language", "language"),
    ("http://purl.org/dc/terms/", "created"): ("date", "created"),
    ("http://purl.org/dc/terms/", "modified"): ("modified", "modified"),
}


def core_properties(c: Container, part: str) -> list[tuple[str, str, str]]:
    """(DC element or "modified", property name, text) of each core property that holds text."""
    out = []
    for el in parse_xml(c.read(part), max_bytes=METADATA_BYTES).getroot():
        if not isinstance(el.tag, str):
            continue
        ns, _, local = el.tag[1:].partition("}")
        mapped = CORE_PROPERTIES.get((ns, local))
        text = "".join(el.itertext()).strip()
        if mapped and text:
            out.append((mapped[0], mapped[1], text))
    return out


def app_properties(c: Container, part: str) -> dict[str, str]:
    """Application and Company of docProps/app.xml, where stated."""
    root = parse_xml(c.read(part), max_bytes=METADATA_BYTES).getroot()
    return {_local(el.tag): "".join(el.itertext()).strip() for el in root
            if _local(el.tag) in ("Application", "Company") and "".join(el.itertext()).strip()}


# --- text ----------------------------------------------------------------------------------------
def _heading_styles(c: Container, main: str) -> dict[str, int]:
    """styleId -> heading level of the document's paragraph styles (Title is level 1)."""
    styles = _rel(relationships(c, main), "/styles")
    if not styles or not c.has(styles):
        return {}
    out: dict[str, int] = {}
    for style in parse_xml(c.read(styles, 4 * METADATA_BYTES)).getroot():
        if _local(style.tag) != "style":
            continue
        sid = next((v for k, v in style.attrib.items() if _local(k) == "styleId"), None)
        name = next((_attr(el, "val") for el in style if _local(el.tag) == "name"), "")
        outline = next((_attr(el, "val") for el in style.iter() if _local(el.tag) == "outlineLvl"), None)
        m = _HEADING_NAME.match(name or "")
        if sid and m:
            out[sid] = int(m.group(1) or 1)
        elif sid and outline and outline.isdigit() and int(outline) < 9:
            out[sid] = int(outline) + 1
    return out


def _attr(el: etree._Element, local: str) -> str | None:
    return next((v for k, v in el.attrib.items() if _local(k) == local), None)


def docx_paragraphs(c: Container, main: str, budget: TextBudget, notes: list[str]) -> Iterator[str]:
    """The document's paragraphs as lines of text, headings prefixed with "#"."""
    levels = _heading_styles(c, main)
    member = c.member(main)
    t_tags, tab_tags, br_tags = set(_tags(_W, "t")), set(_tags(_W, "tab")), set(_tags(_W, "br", "cr"))
    run_tags = set(_tags(_W, "r"))
    wanted = _tags(_W, "t", "tab", "br", "cr", "noBreakHyphen")
    p_tags = _tags(_W, "p")
    for _, p in xml_events(member, p_tags):
        if budget.stopped:
            break
        budget.spend(2)  # the blank line between paragraphs
        if next(p.iterancestors(_MC_FALLBACK), None) is not None:  # the same text as its mc:Choice
            release(p, p_tags)
            continue
        parts = []
        for el in p.iter(wanted):
            if el.tag in t_tags:
                parts.append(el.text or "")
            elif el.getparent() is None or el.getparent().tag not in run_tags:
                continue  # a tab stop or the like in properties, not in a run
            else:
                parts.append(" " if el.tag in tab_tags else "\n" if el.tag in br_tags else "-")
        level = _paragraph_level(p, levels)
        release(p, p_tags)
        text = "".join(parts).strip()
        if text:
            yield budget.take(("#" * min(level, 6) + " " + text) if level else text)
    if member.stopped:
        notes.append(f"{main}: read up to {member.read} bytes ({member.stopped} bound)")


def _paragraph_level(p: etree._Element, levels: dict[str, int]) -> int:
    """The heading level of a paragraph from its style or its own outline level (0: body text)."""
    for ppr in p:
        if _local(ppr.tag) != "pPr":
            continue
        for el in ppr:
            if _local(el.tag) == "pStyle":
                level = levels.get(_attr(el, "val") or "", 0)
                if level:
                    return level
            if _local(el.tag) == "outlineLvl" and (_attr(el, "val") or "").isdigit() and int(_attr(el, "val")) < 9:
                return int(_attr(el, "val")) + 1
    return 0


def slide_parts(c: Container, main: str) -> list[str]:
    """The slides' member names in presentation order (p:sldIdLst, then relationship order)."""
    rels = {rid: name for rid, kind, name in relationships(c, main) if kind.endswith("/slide")}
    root = parse_xml(c.read(main, 4 * METADATA_BYTES)).getroot()
    order = [_attr(s, "id") for s in root.iter(_tags(_P, "sldId"))]
    names = [rels[r] for r in order if r in rels]
    return names or sorted(rels.values(), key=lambda n: [int(d) if d.isdigit() else d for d in re.split(r"(\d+)", n)])


def slide_paragraphs(c: Container, slide: str, budget: TextBudget) -> Iterator[str]:
    """One slide's paragraphs (a:p) as lines, those of a title placeholder prefixed with "#"."""
    t_tags, sp_tags = set(_tags(_A, "t")), _tags(_P, "sp")
    for _, p in xml_events(c.member(slide), _tags(_A, "p")):
        budget.spend(2)  # the blank line between paragraphs
        text = "".join((el.text or "") if el.tag in t_tags else "\n"
                       for el in p.iter(_tags(_A, "t", "br")) if _local(el.getparent().tag) != "fld").strip()
        shape = next(p.iterancestors(sp_tags), None)
        title = shape is not None and any(_attr(ph, "type") in ("title", "ctrTitle")
                                          for ph in shape.iter(_tags(_P, "ph")))
        release(p, _tags(_P, "sp"))  # a title shape's later paragraphs still need its properties
        if text:
            yield budget.take(f"# {text}" if title else text)
        if budget.stopped:
            return


# --- workbooks -----------------------------------------------------------------------------------
def workbook_note(c: Container, main: str, label: str) -> str:
    """A note naming the sheets and, where it is clean, the first sheet's header row."""
    root = parse_xml(c.read(main, 4 * METADATA_BYTES)).getroot()
    sheets = [(s.get("name") or "", _attr_ns(s, _REL_NS, "id")) for s in root.iter(_tags(_S, "sheet"))]
    if not sheets:
        return f"{label}: the workbook lists no sheets"
    names = ", ".join(repr(n) for n, _ in sheets[:MAX_SHEETS_NOTED]) + \
        (" ..." if len(sheets) > MAX_SHEETS_NOTED else "")
    rels = {rid: name for rid, _, name in relationships(c, main)}
    first, rid = sheets[0]
    header = _header_row(c, main, rels.get(rid or ""))
    return f"{label}: {len(sheets)} sheet(s): {names}; " + header_note(first, header)


def _attr_ns(el: etree._Element, namespaces: tuple[str, ...], local: str) -> str | None:
    return next((el.get(f"{{{ns}}}{local}") for ns in namespaces if el.get(f"{{{ns}}}{local}") is not None), None)


def header_note(sheet: str, header: list[str] | None) -> str:
    """What the first row of a sheet says, as possible subjects only when it is a clean list of names."""
    if not header:
        return f"sheet {sheet!r} has no header row of text"
    if not clean_header(header):
        return f"the first row of sheet {sheet!r} is not a clean list of column names; no subjects suggested"
    return f"the header row of sheet {sheet!r} names possible subjects: " + ", ".join(repr(h) for h in header)


def clean_header(cells: list[str]) -> bool:
    """Whether a row reads as column names: 1 to MAX_HEADER_CELLS short texts with letters, none a
    generated placeholder ("Column1", "Unnamed: 0", "Field 2"), no duplicates."""
    if not 1 <= len(cells) <= MAX_HEADER_CELLS or len(set(c.lower() for c in cells)) != len(cells):
        return False
    return all(0 < len(c) <= 40 and re.search(r"[^\W\d_]", c) and
               not re.fullmatch(r"(?:column|col|field|unnamed:?|var|variable)\s*_?\d*", c, re.I) for c in cells)


def _header_row(c: Container, main: str, sheet: str | None) -> list[str] | None:
    """The texts of the first row of a worksheet (None: a cell is not text, or no row)."""
    if not sheet or not c.has(sheet):
        return None
    cells: list[tuple[str, str]] = []   # (type, value)
    t_tags, v_tags = _tags(_S, "t"), _tags(_S, "v")
    for _, row in xml_events(c.member(sheet), _tags(_S, "row")):
        for cell in row.iter(_tags(_S, "c")):
            kind = cell.get("t") or "n"
            v = next(cell.iter(v_tags), None)
            value = "".join(t.text or "" for t in cell.iter(t_tags)) if kind == "inlineStr" else \
                (v.text or "") if v is not None else ""
            cells.append((kind, value.strip()))
            if len(cells) > MAX_HEADER_CELLS:
                return None
        break
    if not cells or any(k not in ("s", "inlineStr", "str") for k, _ in cells):
        return None
    wanted = {int(v) for k, v in cells if k == "s" and v.isdigit()}
    strings = _shared_strings(c, _rel(relationships(c, main), "/sharedStrings"), max(wanted, default=-1))
    out = [strings.get(int(v), "") if k == "s" and v.isdigit() else v for k, v in cells]
    return [" ".join(v.split()) for v in out]


def _shared_strings(c: Container, part: str | None, last: int) -> dict[int, str]:
    """The shared strings up to index ``last`` (Part 1 §18.4.9), read no further."""
    out: dict[int, str] = {}
    if last < 0 or not part or not c.has(part):
        return out
    t_tags, keep = _tags(_S, "t"), set(_tags(_S, "si", "r"))
    for i, (_, si) in enumerate(xml_events(c.member(part), _tags(_S, "si"))):
        out[i] = "".join(t.text or "" for t in si.iter(t_tags) if t.getparent().tag in keep)  # not rPh readings
        release(si)
        if i >= last:
            break
    return out
