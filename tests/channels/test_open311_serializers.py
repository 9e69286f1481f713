"""The GeoReport v2 writer on its own: element names, empty values, dates, and text XML cannot carry."""

import json
from datetime import datetime
from datetime import timezone as dt_timezone
from xml.etree import ElementTree

from rexian.channels.open311.serializers import to_json, to_xml, w3


def test_lists_repeat_their_item_element_and_missing_values_are_empty_or_null():
    document = [{"service_request_id": "20250303-00017", "address_id": None, "lat": 30.25, "metadata": True}]
    root = ElementTree.fromstring(to_xml("service_requests", document))
    assert root.tag == "service_requests" and [child.tag for child in root] == ["request"]
    request = root.find("request")
    assert [(child.tag, child.text) for child in request] == [
        ("service_request_id", "20250303-00017"), ("address_id", None), ("lat", "30.25"), ("metadata", "true")
    ]
    assert json.loads(to_json(document)) == [{"service_request_id": "20250303-00017", "address_id": None, "lat": 30.25, "metadata": True}]


def test_dates_are_w3c_with_the_centres_offset():
    moment = datetime(2025, 3, 3, 1, 30, tzinfo=dt_timezone.utc)
    assert w3(moment) == "2025-03-03T09:30:00+08:00"
    assert json.loads(to_json({"at": moment})) == {"at": "2025-03-03T09:30:00+08:00"}


def test_xml_drops_characters_it_cannot_carry_and_keeps_chinese():
    body = to_xml("service_requests", [{"description": "井盖\x0b丢失\x00，<很危险> & 请处理\n第二行"}])
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert ElementTree.fromstring(body).findtext("request/description") == "井盖丢失，<很危险> & 请处理\n第二行"
