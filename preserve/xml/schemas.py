"""Offline XSD validation of METS (1.12 + xlink + E-ARK CSIP extension), PREMIS 3 and DC 1.1.

The official schemas ship unmodified in ``preserve.schemas/xsd`` (see PROVENANCE.md there).
Every schemaLocation they use (canonical URL or relative name) is mapped to a shipped file by
an lxml resolver; anything else is refused, so nothing is ever fetched. Each validator is built
once per process, on first use.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Literal, Union, get_args

from lxml import etree

from preserve.errors import SchemaError
from preserve.xml.safe import XMLParseError, parse_xml, streams_valid
from preserve._runtime.resources import schemas_dir

#: the kinds of document validated here
Kind = Literal["mets", "premis", "dc"]
KINDS: tuple[Kind, ...] = get_args(Kind)

NS_METS = "http://www.loc.gov/METS/"
NS_XLINK = "http://www.w3.org/1999/xlink"
NS_CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
NS_SIP = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
NS_PREMIS = "http://www.loc.gov/premis/v3"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
NS_XS = "http://www.w3.org/2001/XMLSchema"

_DC_BASE = "http://dublincore.org/schemas/xmls/qdc/2008/02/11/"

#: canonical URL -> shipped file name. Relative imports resolve against the importing
#: schema's canonical URL, so they land here too.
CANONICAL: dict[str, str] = {
    "http://www.loc.gov/standards/mets/mets.xsd": "mets.xsd",
    "http://www.loc.gov/standards/mets/version112/mets.xsd": "mets.xsd",
    "http://www.loc.gov/standards/xlink/xlink.xsd": "xlink.xsd",
    "http://www.loc.gov/standards/premis/v3/premis.xsd": "premis.xsd",
    "http://www.loc.gov/standards/premis/premis.xsd": "premis.xsd",
    _DC_BASE + "dc.xsd": "dc.xsd",
    _DC_BASE + "dcterms.xsd": "dcterms.xsd",
    _DC_BASE + "dcmitype.xsd": "dcmitype.xsd",
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd": "DILCISExtensionMETS.xsd",
    "https://earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd": "DILCISExtensionSIPMETS.xsd",
}
#: namespace -> canonical schema URL (for xsi:schemaLocation in the documents we write)
SCHEMA_LOCATION: dict[str, str] = {
    NS_METS: "http://www.loc.gov/standards/mets/mets.xsd",
    NS_XLINK: "http://www.loc.gov/standards/xlink/xlink.xsd",
    NS_CSIP: "https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd",
    NS_PREMIS: "http://www.loc.gov/standards/premis/v3/premis.xsd",
    NS_DC: _DC_BASE + "dc.xsd",
}
#: the shipped files each kind of document needs (what a package copies into schemas/)
SCHEMA_FILES: dict[Kind, tuple[str, ...]] = {
    "mets": ("mets.xsd", "xlink.xsd", "DILCISExtensionMETS.xsd"),
    "premis": ("premis.xsd",),
    "dc": ("dc.xsd", "xml.xsd"),
}

# The root elements each schema set accepts; the wrappers import the official schemas.
_WRAPPER_IMPORTS: dict[str, tuple[tuple[str, str], ...]] = {
    "mets": ((NS_METS, "mets.xsd"), (NS_XLINK, "xlink.xsd"), (NS_CSIP, "DILCISExtensionMETS.xsd")),
    "premis": ((NS_PREMIS, "premis.xsd"),),
}
_WRAPPER_URL = "urn:preserve:xsd-wrapper"


def xsd_dir():
    """The Traversable folder of shipped XSDs."""
    return schemas_dir() / "xsd"


@lru_cache(maxsize=None)
def schema_bytes(name: str) -> bytes:
    """The bytes of one shipped schema file (read once)."""
    if "/" in name or name not in set(CANONICAL.values()) | {"PROVENANCE.md"}:
        raise SchemaError(f"{name!r} is not a shipped schema")
    return (xsd_dir() / name).read_bytes()


class _OfflineResolver(etree.Resolver):
    """Serve shipped schemas for their canonical URLs; refuse everything else."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    def resolve(self, system_url, public_id, context):  # noqa: D401 - lxml API
        name = CANONICAL.get(system_url or "")
        if name is None:
            self.refused.append(str(system_url))
            return self.resolve_string(b"<refused/>", context)
        return self.resolve_string(schema_bytes(name), context, base_url=_url_of(name))


def _url_of(name: str) -> str:
    for url, fname in CANONICAL.items():
        if fname == name:
            return url
    raise SchemaError(f"no canonical URL for {name}")


def _schema_parser(resolver: _OfflineResolver) -> etree.XMLParser:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    parser.resolvers.add(resolver)
    return parser


def _wrapper_doc(kind: Kind) -> etree._Element:
    """An in-memory schema that imports the official ones (nothing shipped is modified)."""
    if kind == "dc":
        # DC 1.1 defines the elements but no root: the conventional container is OAI-PMH's
        # oai_dc:dc, whose type is dc.xsd's own dc:elementContainer (any DC element, any order).
        root = etree.Element(f"{{{NS_XS}}}schema", nsmap={"xs": NS_XS, "dc": NS_DC},
                             targetNamespace=NS_OAI_DC, elementFormDefault="qualified")
        etree.SubElement(root, f"{{{NS_XS}}}import", namespace=NS_DC, schemaLocation=_url_of("dc.xsd"))
        etree.SubElement(root, f"{{{NS_XS}}}element", name="dc", type="dc:elementContainer")
        return root
    root = etree.Element(f"{{{NS_XS}}}schema", nsmap={"xs": NS_XS})
    for namespace, name in _WRAPPER_IMPORTS[kind]:
        etree.SubElement(root, f"{{{NS_XS}}}import", namespace=namespace, schemaLocation=_url_of(name))
    return root


_lock = threading.Lock()
#: one validation at a time per validator: an XMLSchema's error_log is shared (different
#: kinds of document may be validated at the same time, lxml releasing the GIL meanwhile)
_validate_locks: dict[Kind, threading.Lock] = {kind: threading.Lock() for kind in KINDS}


@lru_cache(maxsize=None)
def _schema(kind: Kind) -> etree.XMLSchema:
    resolver = _OfflineResolver()
    doc = etree.fromstring(etree.tostring(_wrapper_doc(kind)), parser=_schema_parser(resolver),
                           base_url=_WRAPPER_URL)
    try:
        schema = etree.XMLSchema(doc)
    except etree.XMLSchemaParseError as exc:
        raise SchemaError(f"cannot load the shipped {kind} schemas: {exc}") from None
    if resolver.refused:
        raise SchemaError(f"{kind} schemas refer to unknown locations: {', '.join(resolver.refused)}")
    return schema


def get_schema(kind: Kind) -> etree.XMLSchema:
    """The validator for one kind of document, built on first use (thread-safe)."""
    if kind not in KINDS:
        raise ValueError(f"unknown schema kind {kind!r}")
    with _lock:
        return _schema(kind)


#: the root element (namespace, local name) of each kind of document
_ROOTS: dict[Kind, tuple[str, str]] = {"mets": (NS_METS, "mets"), "premis": (NS_PREMIS, "premis"),
                                       "dc": (NS_OAI_DC, "dc")}


def validate(doc: Union[etree._ElementTree, etree._Element, bytes], kind: Kind) -> list[str]:
    """Validate a document against the official schemas; return problems (with line numbers).

    Bytes are parsed with the hardened parser of :mod:`preserve.xml.safe`.
    """
    if isinstance(doc, (bytes, bytearray)):
        try:
            doc = parse_xml(bytes(doc))
        except XMLParseError as exc:
            return [exc.message]
    root = doc.getroot() if isinstance(doc, etree._ElementTree) else doc
    schema = get_schema(kind)
    problems: list[str] = []
    ns, local = _ROOTS[kind]
    if root.tag != f"{{{ns}}}{local}":
        problems.append(f"line {root.sourceline or 1}: root element is {root.tag}, expected {{{ns}}}{local}")
        return problems
    with _validate_locks[kind]:
        if not schema.validate(root):
            problems.extend(f"line {err.line}: {err.message}" for err in schema.error_log)
    return problems


def is_valid(doc: Union[etree._ElementTree, etree._Element], kind: Kind) -> bool:
    """Whether an in-memory tree is schema-valid (the fast check; :func:`validate` says why not)."""
    root = doc.getroot() if isinstance(doc, etree._ElementTree) else doc
    ns, local = _ROOTS[kind]
    if root.tag != f"{{{ns}}}{local}":
        return False
    schema = get_schema(kind)
    with _validate_locks[kind]:
        return bool(schema.validate(root))


#: Per kind whose documents may be validated while streaming: the attributes its schemas type
#: xs:ID or xs:IDREF. Their uniqueness and targets are only checked on a tree, so a document
#: naming one is validated as a tree (a test checks this list against the XSDs).
#: METS uses xs:ID throughout and is always validated as a tree.
STREAMABLE: dict[Kind, tuple[bytes, ...]] = {"premis": (b"xmlID", b"XmlID")}

#: Documents smaller than this are validated as trees, always: below it streaming is no faster
#: than a tree (it is slower on small documents), and above it a tree costs memory that grows
#: with the release, which streaming does not.
STREAM_MIN_BYTES = 1 << 20


def certainly_valid(data: bytes, kind: Kind) -> bool:
    """True only if data is certainly a safe, valid document of this kind; False decides nothing.

    Validated while it streams through the hardened parser, building no tree, so memory stays
    flat however large the document (:func:`preserve.xml.safe.streams_valid`). Always False for
    documents under STREAM_MIN_BYTES, where a tree is as cheap. On False, parse it and
    :func:`validate` the tree, which decides and says why with line numbers.
    """
    id_attributes = STREAMABLE.get(kind)
    if id_attributes is None or len(data) < STREAM_MIN_BYTES:
        return False
    ns, local = _ROOTS[kind]
    schema = get_schema(kind)
    with _validate_locks[kind]:
        return streams_valid(data, schema, f"{{{ns}}}{local}", needs_tree=id_attributes)
