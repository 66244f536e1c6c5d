"""Safe XML parsing shared by the Atom and OAI-PMH readers."""

from lxml import etree

# No entity expansion and no network: hostile documents cannot read files or fetch URLs.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class MalformedInput(ValueError):
    """The input as a whole cannot be read; nothing from it is imported."""


def parse_xml(data: bytes, where: str) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        raise MalformedInput(f"{where}: malformed XML: {error}") from error
    if root is None:
        raise MalformedInput(f"{where}: empty XML document")
    return root


def localname(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children_by_name(element: etree._Element) -> dict[str, list[etree._Element]]:
    """Child elements keyed by local name, so namespace slips in the wild don't matter."""
    found: dict[str, list[etree._Element]] = {}
    for child in element:
        if isinstance(child.tag, str):
            found.setdefault(localname(child), []).append(child)
    return found


def first_text(found: dict[str, list[etree._Element]], name: str) -> str:
    elements = found.get(name)
    return (elements[0].text or "") if elements else ""
