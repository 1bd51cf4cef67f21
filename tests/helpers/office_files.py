"""Write real Office Open XML, OpenDocument and RTF files with known properties (and hostile ones).

Each writer builds its file with zipfile and strings only: the parts a consumer needs
([Content_Types].xml and relationships for ECMA-376; a first, stored ``mimetype`` member and
META-INF/manifest.xml for ODF 1.2 Part 3), small enough to read in a test, complete enough for
LibreOffice or Word to open. Property dictionaries use the names of the format's own elements:

- OOXML ``core``: title, creator, subject, description, keywords, language, created, modified,
  lastModifiedBy (docProps/core.xml, ECMA-376 Part 2 §11); ``app``: Application, Company;
- ODF ``meta``: title, description, subject, keywords (a list), initial_creator, creator,
  language, creation_date, date (meta.xml, ODF 1.2 Part 1 §4);
- RTF ``info``: title, author, operator, subject, keywords, doccomm, company, creatim (a date).

Size: one module for the seven formats, as their writers share the package builders and the
lead's intake test imports them from one place; the hostile variants sit at the end.
"""
from __future__ import annotations

import datetime as dt
import random
import struct
import zipfile
from pathlib import Path
from typing import Any, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

#: a short invented release: a headline, a date line, an issuer in its opening and its "About" block
HEADLINE = "Water Coalition calls for rural water funding"
BODY = (
    "Date: 15 March 2021",
    "The Water Coalition today called on the government to fund rural water points in every district.",
    "Two million people still walk more than an hour to fetch water, the coalition said.",
    "About the Water Coalition",
    "The Water Coalition is a network of forty community organisations working on water access.",
)
#: a body that states no issue date and no issuer
SILENT_BODY = ("Rural water points need funding in every district, according to a new survey of households.",
               "Two million people still walk more than an hour to fetch water.")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
RT_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
RT_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
RT_APP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"
_OFFICE_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_CT_BASE = "application/vnd.openxmlformats-officedocument."
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# ----------------------------------------------------------------------------------- OOXML
def _rels(*rels: tuple[str, str, str]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels)
    return f'{_XML}<Relationships xmlns="{PKG_REL}">{body}</Relationships>'


def _content_types(overrides: Mapping[str, str]) -> str:
    body = "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides.items())
    return (f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{body}</Types>')


def core_xml(core: Mapping[str, str]) -> str:
    """docProps/core.xml holding the given properties (ECMA-376 Part 2 §11)."""
    names = {"title": "dc:title", "creator": "dc:creator", "subject": "dc:subject",
             "description": "dc:description", "keywords": "cp:keywords", "language": "dc:language",
             "lastModifiedBy": "cp:lastModifiedBy", "category": "cp:category"}
    parts = [f"<{names[k]}>{escape(v)}</{names[k]}>" for k, v in core.items() if k in names]
    for key in ("created", "modified"):
        if key in core:
            parts.append(f'<dcterms:{key} xsi:type="dcterms:W3CDTF">{escape(core[key])}</dcterms:{key}>')
    return (f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'{"".join(parts)}</cp:coreProperties>')


def app_xml(app: Mapping[str, str]) -> str:
    """docProps/app.xml with Application, Company and the like."""
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in app.items())
    return (f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{body}</Properties>')


def _ooxml(path: Path, main: str, main_type: str, parts: Mapping[str, str | bytes], types: Mapping[str, str],
           core: Mapping[str, str], app: Mapping[str, str] | None, core_text: str | None = None) -> Path:
    overrides = {f"/{main}": main_type, **types,
                 "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
                 "/docProps/app.xml": _CT_BASE + "extended-properties+xml"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _content_types(overrides))
        zf.writestr("_rels/.rels", _rels(("rId1", RT_DOC, main), ("rId2", RT_CORE, "docProps/core.xml"),
                                         ("rId3", RT_APP, "docProps/app.xml")))
        for name, text in parts.items():
            zf.writestr(name, text)
        zf.writestr("docProps/core.xml", core_text if core_text is not None else core_xml(core))
        zf.writestr("docProps/app.xml", app_xml(app if app is not None else {"Application": "Microsoft Office Word"}))
    return path


def _w_paragraph(text: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    runs = []
    for i, line in enumerate(text.split("\n")):
        if i:
            runs.append("<w:r><w:br/></w:r>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                runs.append("<w:r><w:tab/></w:r>")
            if piece:
                runs.append(f'<w:r><w:t xml:space="preserve">{escape(piece)}</w:t></w:r>')
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


_W_STYLES = (f'{_XML}<w:styles xmlns:w="{W}">'
             '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
             '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
             '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
             '<w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>'
             '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>'
             '<w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style></w:styles>')


def document_xml(paragraphs: Sequence[str], headings: Sequence[str] = ()) -> str:
    """word/document.xml: the headings (style Heading1) then the paragraphs (a "\\n" is a w:br, a
    "\\t" a w:tab)."""
    body = "".join(_w_paragraph(h, "Heading1") for h in headings) + "".join(_w_paragraph(p) for p in paragraphs)
    return (f'{_XML}<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body}'
            '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')


def write_docx(path: Path, *, paragraphs: Sequence[str] = (), headings: Sequence[str] = (),
               core: Mapping[str, str] | None = None, app: Mapping[str, str] | None = None,
               core_text: str | None = None, body: bytes | None = None) -> Path:
    """A Word document: headings, paragraphs, core and extended properties (core_text replaces
    docProps/core.xml, body the content of w:body, verbatim: for hostile XML)."""
    document = document_xml(paragraphs, headings) if body is None else \
        f'{_XML}<w:document xmlns:w="{W}"><w:body>'.encode() + body + b"</w:body></w:document>"
    parts = {"word/document.xml": document, "word/styles.xml": _W_STYLES,
             "word/_rels/document.xml.rels": _rels(("rId1", _OFFICE_RT + "styles", "styles.xml"))}
    types = {"/word/styles.xml": _CT_BASE + "wordprocessingml.styles+xml"}
    return _ooxml(path, "word/document.xml", _CT_BASE + "wordprocessingml.document.main+xml", parts, types,
                  core or {}, app, core_text)


def _cell_ref(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def write_xlsx(path: Path, *, sheets: Mapping[str, Sequence[Sequence[object]]],
               core: Mapping[str, str] | None = None, app: Mapping[str, str] | None = None) -> Path:
    """A workbook: one worksheet per entry of sheets (rows of str or numbers; strings shared)."""
    shared: list[str] = []
    parts: dict[str, str] = {}
    types: dict[str, str] = {}
    sheet_entries, wb_rels = [], []
    for n, (name, rows) in enumerate(sheets.items(), start=1):
        xml_rows = []
        for r, row in enumerate(rows):
            cells = []
            for c, value in enumerate(row):
                ref = _cell_ref(r, c)
                if isinstance(value, str):
                    shared.append(value)
                    cells.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
                else:
                    cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            xml_rows.append(f'<row r="{r + 1}">{"".join(cells)}</row>')
        parts[f"xl/worksheets/sheet{n}.xml"] = (
            f'{_XML}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(xml_rows)}</sheetData></worksheet>')
        types[f"/xl/worksheets/sheet{n}.xml"] = _CT_BASE + "spreadsheetml.worksheet+xml"
        sheet_entries.append(f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>')
        wb_rels.append((f"rId{n}", _OFFICE_RT + "worksheet", f"worksheets/sheet{n}.xml"))
    k = len(sheets)
    wb_rels += [(f"rId{k + 1}", _OFFICE_RT + "sharedStrings", "sharedStrings.xml"),
                (f"rId{k + 2}", _OFFICE_RT + "styles", "styles.xml")]
    sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
    parts["xl/sharedStrings.xml"] = (f'{_XML}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                     f'count="{len(shared)}" uniqueCount="{len(shared)}">{sst}</sst>')
    parts["xl/styles.xml"] = (
        f'{_XML}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '</styleSheet>')
    parts["xl/workbook.xml"] = (f'{_XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                f'xmlns:r="{R}"><sheets>{"".join(sheet_entries)}</sheets></workbook>')
    parts["xl/_rels/workbook.xml.rels"] = _rels(*wb_rels)
    types["/xl/sharedStrings.xml"] = _CT_BASE + "spreadsheetml.sharedStrings+xml"
    types["/xl/styles.xml"] = _CT_BASE + "spreadsheetml.styles+xml"
    return _ooxml(path, "xl/workbook.xml", _CT_BASE + "spreadsheetml.sheet.main+xml", parts, types, core or {},
                  app if app is not None else {"Application": "Microsoft Excel"})


_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_NS_PA = f'xmlns:a="{_A}" xmlns:r="{R}" xmlns:p="{_P}"'
_SPTREE_START = ('<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
                 '<p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/>'
                 '<a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>')
_CLR_MAP = ('<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" '
            'accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" '
            'folHlink="folHlink"/>')


def _theme() -> str:
    colours = "".join(f'<a:{n}><a:srgbClr val="{v}"/></a:{n}>' for n, v in (
        ("dk1", "000000"), ("lt1", "FFFFFF"), ("dk2", "44546A"), ("lt2", "E7E6E6"), ("accent1", "4472C4"),
        ("accent2", "ED7D31"), ("accent3", "A5A5A5"), ("accent4", "FFC000"), ("accent5", "5B9BD5"),
        ("accent6", "70AD47"), ("hlink", "0563C1"), ("folHlink", "954F72")))
    font = '<a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/>'
    fill = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    line = f'<a:ln w="6350">{fill}</a:ln>'
    return (f'{_XML}<a:theme xmlns:a="{_A}" name="Plain"><a:themeElements><a:clrScheme name="Plain">{colours}'
            f'</a:clrScheme><a:fontScheme name="Plain"><a:majorFont>{font}</a:majorFont><a:minorFont>{font}'
            f'</a:minorFont></a:fontScheme><a:fmtScheme name="Plain"><a:fillStyleLst>{fill * 3}</a:fillStyleLst>'
            f'<a:lnStyleLst>{line * 3}</a:lnStyleLst><a:effectStyleLst>'
            f'{"<a:effectStyle><a:effectLst/></a:effectStyle>" * 3}</a:effectStyleLst>'
            f'<a:bgFillStyleLst>{fill * 3}</a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>')


def _shape(n: int, ph: str, texts: Sequence[str]) -> str:
    paras = "".join(f'<a:p><a:r><a:rPr lang="en-GB"/><a:t>{escape(t)}</a:t></a:r></a:p>' for t in texts)
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{n}" name="Shape {n}"/><p:cNvSpPr/><p:nvPr>{ph}</p:nvPr></p:nvSpPr>'
            f'<p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>{paras or "<a:p/>"}</p:txBody></p:sp>')


def write_pptx(path: Path, *, slides: Sequence[tuple[str, Sequence[str]]],
               core: Mapping[str, str] | None = None, app: Mapping[str, str] | None = None) -> Path:
    """A presentation: one slide per (title, body paragraphs), with a master, a layout and a theme."""
    parts = {"ppt/theme/theme1.xml": _theme(),
             "ppt/slideMasters/slideMaster1.xml": (
                 f'{_XML}<p:sldMaster {_NS_PA}><p:cSld><p:spTree>{_SPTREE_START}</p:spTree></p:cSld>{_CLR_MAP}'
                 '<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst></p:sldMaster>'),
             "ppt/slideMasters/_rels/slideMaster1.xml.rels": _rels(
                 ("rId1", _OFFICE_RT + "slideLayout", "../slideLayouts/slideLayout1.xml"),
                 ("rId2", _OFFICE_RT + "theme", "../theme/theme1.xml")),
             "ppt/slideLayouts/slideLayout1.xml": (
                 f'{_XML}<p:sldLayout {_NS_PA} type="titleAndObj"><p:cSld name="Title and Content"><p:spTree>'
                 f'{_SPTREE_START}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>'),
             "ppt/slideLayouts/_rels/slideLayout1.xml.rels": _rels(
                 ("rId1", _OFFICE_RT + "slideMaster", "../slideMasters/slideMaster1.xml"))}
    types = {"/ppt/theme/theme1.xml": _CT_BASE + "theme+xml",
             "/ppt/slideMasters/slideMaster1.xml": _CT_BASE + "presentationml.slideMaster+xml",
             "/ppt/slideLayouts/slideLayout1.xml": _CT_BASE + "presentationml.slideLayout+xml"}
    ids, pres_rels = [], [("rId1", _OFFICE_RT + "slideMaster", "slideMasters/slideMaster1.xml"),
                          ("rId2", _OFFICE_RT + "theme", "theme/theme1.xml")]
    for n, (title, body) in enumerate(slides, start=1):
        shapes = _shape(2, '<p:ph type="title"/>', [title]) + _shape(3, '<p:ph idx="1"/>', body)
        parts[f"ppt/slides/slide{n}.xml"] = (
            f'{_XML}<p:sld {_NS_PA}><p:cSld><p:spTree>{_SPTREE_START}{shapes}</p:spTree></p:cSld>'
            '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>')
        parts[f"ppt/slides/_rels/slide{n}.xml.rels"] = _rels(
            ("rId1", _OFFICE_RT + "slideLayout", "../slideLayouts/slideLayout1.xml"))
        types[f"/ppt/slides/slide{n}.xml"] = _CT_BASE + "presentationml.slide+xml"
        ids.append(f'<p:sldId id="{255 + n}" r:id="rId{n + 2}"/>')
        pres_rels.append((f"rId{n + 2}", _OFFICE_RT + "slide", f"slides/slide{n}.xml"))
    parts["ppt/presentation.xml"] = (
        f'{_XML}<p:presentation {_NS_PA}><p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/>'
        f'</p:sldMasterIdLst><p:sldIdLst>{"".join(ids)}</p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/>'
        '<p:notesSz cx="6858000" cy="9144000"/></p:presentation>')
    parts["ppt/_rels/presentation.xml.rels"] = _rels(*pres_rels)
    return _ooxml(path, "ppt/presentation.xml", _CT_BASE + "presentationml.presentation.main+xml", parts, types,
                  core or {}, app if app is not None else {"Application": "Microsoft Office PowerPoint"})


# ------------------------------------------------------------------------------ OpenDocument
_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
           'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
           'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
           'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
           'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
           'xmlns:office_ooo="http://openoffice.org/2004/office" '
           'xmlns:xlink="http://www.w3.org/1999/xlink"')
ODF_MIME = {"odt": "application/vnd.oasis.opendocument.text",
            "ods": "application/vnd.oasis.opendocument.spreadsheet",
            "odp": "application/vnd.oasis.opendocument.presentation"}


def office_meta(meta: Mapping[str, object]) -> str:
    """The office:meta element holding the given properties (ODF 1.2 Part 1 §4.3)."""
    names = {"title": "dc:title", "description": "dc:description", "subject": "dc:subject",
             "initial_creator": "meta:initial-creator", "creator": "dc:creator", "language": "dc:language",
             "creation_date": "meta:creation-date", "date": "dc:date", "generator": "meta:generator"}
    parts = [f"<{names[k]}>{escape(str(v))}</{names[k]}>" for k, v in meta.items() if k in names]
    keywords = meta.get("keywords") or []
    parts += [f"<meta:keyword>{escape(k)}</meta:keyword>" for k in ([keywords] if isinstance(keywords, str)
                                                                    else keywords)]
    return f"<office:meta>{''.join(parts)}</office:meta>"


def _odf(path: Path, kind: str, body: str, meta: Mapping[str, object], meta_text: str | None = None) -> Path:
    mime = ODF_MIME[kind]
    content = (f'{_XML}<office:document-content {_ODF_NS} office:version="1.2"><office:body>{body}'
               '</office:body></office:document-content>')
    meta_xml = meta_text if meta_text is not None else (
        f'{_XML}<office:document-meta {_ODF_NS} office:version="1.2">{office_meta(meta)}</office:document-meta>')
    manifest = (f'{_XML}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                f'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
                f'manifest:media-type="{mime}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mime, compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
        zf.writestr("meta.xml", meta_xml)
        zf.writestr("META-INF/manifest.xml", manifest)
    return path


def _text_p(text: str, element: str = "text:p", attrs: str = "") -> str:
    inner = "<text:line-break/>".join(escape(line) for line in text.split("\n"))
    return f"<{element}{attrs}>{inner.replace(chr(9), '<text:tab/>')}</{element}>"


def odt_body(paragraphs: Sequence[str], headings: Sequence[str] = ()) -> str:
    """office:text holding the headings (text:h, level 1) then the paragraphs."""
    hs = "".join(_text_p(h, "text:h", ' text:outline-level="1"') for h in headings)
    return f"<office:text>{hs}{''.join(_text_p(p) for p in paragraphs)}</office:text>"


def write_odt(path: Path, *, paragraphs: Sequence[str] = (), headings: Sequence[str] = (),
              meta: Mapping[str, object] | None = None, meta_text: str | None = None,
              body: str | None = None) -> Path:
    """A text document: headings, paragraphs and meta.xml (meta_text replaces meta.xml and body
    the office:text element verbatim)."""
    return _odf(path, "odt", body if body is not None else odt_body(paragraphs, headings), meta or {}, meta_text)


def write_fodt(path: Path, *, paragraphs: Sequence[str], headings: Sequence[str] = (),
               meta: Mapping[str, object] | None = None) -> Path:
    """A flat XML text document (.fodt, ODF 1.2 Part 1 §2.1.2: one office:document element)."""
    path.write_text(f'{_XML}<office:document {_ODF_NS} office:version="1.2" office:mimetype="{ODF_MIME["odt"]}">'
                    f'{office_meta(meta or {})}<office:body>{odt_body(paragraphs, headings)}</office:body>'
                    '</office:document>', encoding="utf-8")
    return path


def write_ods(path: Path, *, sheets: Mapping[str, Sequence[Sequence[object]]],
              meta: Mapping[str, object] | None = None) -> Path:
    """A spreadsheet: one table per entry of sheets (strings as text cells, numbers as floats)."""
    tables = []
    for name, rows in sheets.items():
        xml_rows = []
        for row in rows:
            cells = "".join(
                f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'
                if isinstance(v, str) else
                f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p>'
                '</table:table-cell>' for v in row)
            xml_rows.append(f"<table:table-row>{cells}</table:table-row>")
        tables.append(f'<table:table table:name={quoteattr(name)}>'
                      f'<table:table-column table:number-columns-repeated="{max(map(len, rows), default=1)}"/>'
                      f'{"".join(xml_rows)}</table:table>')
    return _odf(path, "ods", f"<office:spreadsheet>{''.join(tables)}</office:spreadsheet>", meta or {})


def write_odp(path: Path, *, slides: Sequence[tuple[str, Sequence[str]]],
              meta: Mapping[str, object] | None = None) -> Path:
    """A presentation: one draw:page per (title, body paragraphs), the title in a title frame."""
    pages = []
    for n, (title, body) in enumerate(slides, start=1):
        frame = ('<draw:frame presentation:class="{cls}" svg:x="2cm" svg:y="{y}cm" svg:width="20cm" '
                 'svg:height="3cm"><draw:text-box>{paras}</draw:text-box></draw:frame>')
        pages.append(f'<draw:page draw:name="page{n}">'
                     + frame.format(cls="title", y=1, paras=_text_p(title))
                     + frame.format(cls="outline", y=5, paras="".join(_text_p(b) for b in body))
                     + '<presentation:notes><draw:frame><draw:text-box><text:p>Speaker notes, not slide text'
                       '</text:p></draw:text-box></draw:frame></presentation:notes></draw:page>')
    return _odf(path, "odp", f"<office:presentation>{''.join(pages)}</office:presentation>", meta or {})


# ----------------------------------------------------------------------------------------- RTF
def rtf_escape(text: str) -> str:
    """Text as RTF: \\, { and } escaped, non-ASCII as \\uN? (RTF 1.9.1, "Unicode RTF")."""
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\line ")
        elif ch == "\t":
            out.append("\\tab ")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            for unit in struct.unpack(f"<{len(ch.encode('utf-16-le')) // 2}h", ch.encode("utf-16-le")):
                out.append(f"\\u{unit}?")
    return "".join(out)


def info_group(info: Mapping[str, object]) -> str:
    """The RTF \\info group holding the given properties."""
    parts = []
    for key in ("title", "subject", "author", "operator", "keywords", "doccomm", "company"):
        if key in info:
            star = "\\*" if key == "company" else ""
            parts.append(f"{{{star}\\{key} {rtf_escape(str(info[key]))}}}")
    created = info.get("creatim")
    if isinstance(created, (dt.date, dt.datetime)):
        hm = f"\\hr{created.hour}\\min{created.minute}" if isinstance(created, dt.datetime) else ""
        parts.append(f"{{\\creatim\\yr{created.year}\\mo{created.month}\\dy{created.day}{hm}}}")
    return f"{{\\info{''.join(parts)}}}"


def rtf_document(paragraphs: Sequence[str], headings: Sequence[str] = (), info: Mapping[str, object] | None = None,
                 extra: str = "") -> str:
    """An RTF document: font and colour tables, the info group, extra groups, headings (bold,
    large), then paragraphs."""
    body = "".join(f"{{\\pard\\plain\\b\\fs32 {rtf_escape(h)}\\par}}\n" for h in headings)
    body += "".join(f"{{\\pard\\plain\\fs22 {rtf_escape(p)}\\par}}\n" for p in paragraphs)
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}"
            "{\\f1\\froman\\fcharset0 Times New Roman;}}\n{\\colortbl;\\red0\\green0\\blue0;}\n"
            f"{info_group(info or {})}\n{extra}{body}}}")


def write_rtf(path: Path, *, paragraphs: Sequence[str], headings: Sequence[str] = (),
              info: Mapping[str, object] | None = None, extra: str = "") -> Path:
    """An RTF file (ASCII bytes) of rtf_document."""
    path.write_bytes(rtf_document(paragraphs, headings, info, extra).encode("ascii"))
    return path


# ----------------------------------------------------------------------------------- hostile
def write_zip_bomb_docx(path: Path, *, inflated: int = 64 << 20) -> Path:
    """A DOCX whose word/document.xml inflates to ``inflated`` bytes (spaces) from about 1/1000 of it."""
    write_docx(path, paragraphs=["placeholder"], core={"title": "Quarterly figures on displacement"})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("word/bomb.xml", "w", force_zip64=True) as f:
            f.write(f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'.encode())
            block = b" " * (1 << 20)
            for _ in range(inflated >> 20):
                f.write(block)
            f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return _rename_member(path, b"word/bomb.xml", b"word/document.xml", drop=b"word/document.xml")


def _rename_member(path: Path, old: bytes, new: bytes, *, drop: bytes) -> Path:
    """Rewrite the zip so that member ``old`` is named ``new`` and the original ``drop`` is gone
    (raw copies: the compressed bytes are never inflated)."""
    src = zipfile.ZipFile(path)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info in src.infolist():
            if info.filename.encode() == drop:
                continue
            raw = _raw_member(path, info)
            name = new.decode() if info.filename.encode() == old else info.filename
            _write_raw(out, info, name, raw)
    src.close()
    tmp.replace(path)
    return path


def _raw_member(path: Path, info: zipfile.ZipInfo) -> bytes:
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        return f.read(info.compress_size)


def _write_raw(out: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, raw: bytes,
               file_size: int | None = None) -> None:
    """Append already-compressed bytes as a member (zipfile has no public API for it)."""
    zinfo = zipfile.ZipInfo(name, info.date_time)
    zinfo.compress_type = info.compress_type
    zinfo.CRC, zinfo.compress_size = info.CRC, len(raw)
    zinfo.file_size = info.file_size if file_size is None else file_size
    zip64 = zinfo.file_size > 0xFFFFFFFF or zinfo.compress_size > 0xFFFFFFFF
    zinfo.header_offset = out.fp.tell()
    out.fp.write(zinfo.FileHeader(zip64))
    out.fp.write(raw)
    out.filelist.append(zinfo)
    out.NameToInfo[name] = zinfo
    out.start_dir = out.fp.tell()
    out._didModify = True


def write_lying_size_docx(path: Path, *, declared: int, paragraphs: Sequence[str]) -> Path:
    """A DOCX whose word/document.xml declares ``declared`` uncompressed bytes, whatever it holds."""
    write_docx(path, paragraphs=paragraphs, core={"title": "Annual figures on water access"})
    src = zipfile.ZipFile(path)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info in src.infolist():
            size = declared if info.filename == "word/document.xml" else None
            _write_raw(out, info, info.filename, _raw_member(path, info), size)
    src.close()
    tmp.replace(path)
    return path


def write_traversal_docx(path: Path, *, paragraphs: Sequence[str] = ("Statement on the new water policy",
                                                                     "The coalition welcomes the decision.")) -> Path:
    """A DOCX that also holds members named ../../evil.xml, /etc/evil.xml and word\\..\\evil.xml, and
    whose document relationship points outside the package."""
    write_docx(path, paragraphs=paragraphs, core={"title": "Statement on the new water policy"})
    with zipfile.ZipFile(path, "a") as zf:
        for name in ("../../evil.xml", "/etc/evil.xml", "word\\..\\evil.xml"):
            info = zipfile.ZipInfo("x")
            info.filename = name  # ZipInfo() would normalise the name; a hostile writer does not
            zf.writestr(info, "<evil/>")
        zf.writestr("word/_rels/evil.xml.rels",
                    _rels(("rId1", _OFFICE_RT + "styles", "../../../../etc/passwd")))
    return path


_WORDS = ("water", "access", "rural", "district", "coalition", "funding", "health", "clinic", "report",
          "families", "drought", "season", "government", "budget", "village", "school", "women", "children",
          "programme", "survey", "figures", "rights", "policy", "community", "sanitation", "local")


def large_paragraphs(n_chars: int, seed: int = 7) -> list[str]:
    """Invented English-like paragraphs totalling about n_chars characters (same seed, same text)."""
    rng = random.Random(seed)
    out, total = [], 0
    while total < n_chars:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(40, 90))]
        para = " ".join(words).capitalize() + "."
        out.append(para)
        total += len(para)
    return out


def write_large_docx(path: Path, *, size: int = 1 << 20, headline: str = "Coalition publishes rural water report",
                     core: Mapping[str, str] | None = None) -> Path:
    """A DOCX of about ``size`` bytes on disk (within 10%): a headline and invented paragraphs."""
    chars = size * 4
    for _ in range(6):
        write_docx(path, paragraphs=large_paragraphs(chars), headings=[headline], core=core)
        actual = path.stat().st_size
        if abs(actual - size) <= size // 10:
            break
        chars = int(chars * size / actual)
    return path



def values(draft: Any, element: str) -> list[str]:
    """The values a draft holds for an element."""
    return [v.value for v in draft.elements.get(element, [])]


def provenance(draft: Any, element: str) -> list[str]:
    """The provenance of each value a draft holds for an element."""
    return [v.provenance for v in draft.elements.get(element, [])]


def rewrite_member(path: Path, name: str, data: bytes | None = None, compress_type: int | None = None) -> Path:
    """Rewrite a zip with member ``name`` holding data (or its own) with compress_type (or deflate)."""
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    if data is not None:
        parts[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, content in parts.items():
            zf.writestr(member, content, compress_type=compress_type if member == name and compress_type
                        else zipfile.ZIP_DEFLATED)
    return path
