"""GeoReport v2 documents in XML and in JSON, from one description of their content.

A document is plain Python: dicts (elements with children, in order), lists
(repeated children, each named by `ITEM_NAMES`) and scalars. XML is written
as the spec shows it: UTF-8 declaration, no namespace, empty elements for
missing values. JSON follows the spec's Spark convention: list roots
(`services`, `service_requests`, `errors`) become arrays, other roots
objects, missing values null.
"""

import json
import re
from datetime import datetime
from decimal import Decimal
from xml.etree import ElementTree

from django.http import HttpResponse
from django.utils import timezone

# Repeated children: the list's element name → each item's element name.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# Characters XML 1.0 cannot carry at all; a stray one from a pasted text would break every client's parser.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3(moment: datetime | None) -> str | None:
    """W3C date-time with the offset, in the centre's time zone: 2025-03-03T09:30:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3(value)
    return _NOT_XML.sub("", str(value))


def _fill(element: ElementTree.Element, name: str, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ElementTree.SubElement(element, key), key, child)
    elif isinstance(value, (list, tuple)):
        item_name = ITEM_NAMES[name]
        for item in value:
            _fill(ElementTree.SubElement(element, item_name), item_name, item)
    else:
        element.text = _text(value)


def to_xml(root: str, document) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, root, document)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)


def _json_default(value):
    if isinstance(value, datetime):
        return w3(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False, default=_json_default).encode()


def respond(fmt: str, root: str, document, status: int = 200) -> HttpResponse:
    body = to_xml(root, document) if fmt == "xml" else to_json(document)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, problems: list[tuple[int, str]]) -> HttpResponse:
    """The spec's error list; every problem found is reported, not only the first."""
    document = [{"code": code, "description": str(description)} for code, description in problems]
    return respond(fmt, "errors", document, status=status)
