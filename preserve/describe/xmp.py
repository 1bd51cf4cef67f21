"""XMP packets (Adobe XMP Part 1): the values of one property, as PDF and image describers read them."""
from __future__ import annotations

from typing import Any

#: the namespaces of the properties preserve reads
NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "dc": "http://purl.org/dc/elements/1.1/",
      "xmp": "http://ns.adobe.com/xap/1.0/", "photoshop": "http://ns.adobe.com/photoshop/1.0/"}
_RDF = f"{{{NS['rdf']}}}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CONTAINERS = (_RDF + "Alt", _RDF + "Seq", _RDF + "Bag")


def property_values(tree: Any, prop: str) -> list[str]:
    """The values of one property ("dc:title") in every top rdf:Description of a parsed packet.

    An attribute of rdf:Description, a simple element, the x-default (else first) item of an
    rdf:Alt, every item of an rdf:Seq or rdf:Bag (XMP Part 1 §7.5-7.9). Values as written.
    """
    prefix, local = prop.split(":")
    qname = f"{{{NS[prefix]}}}{local}"
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    values: list[str] = []
    for desc in root.iter(_RDF + "Description"):
        if desc.getparent() is None or desc.getparent().tag != _RDF + "RDF":
            continue
        values.extend([desc.get(qname)] if desc.get(qname) else [])
        for node in desc.iterfind(qname):
            container = next((c for c in node if c.tag in _CONTAINERS), None)
            items = [node] if container is None else [li for li in container if li.tag == _RDF + "li"]
            if container is not None and container.tag == _RDF + "Alt" and items:
                items = [next((li for li in items if li.get(_XML_LANG) == "x-default"), items[0])]
            values.extend("".join(item.itertext()) for item in items)
    return values
