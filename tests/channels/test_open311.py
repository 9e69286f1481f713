"""Open311 GeoReport v2, used as a third party would: plain HTTP (urllib) against a live server.

Every response is parsed the way a client parses it, XML with ElementTree and
JSON with json, and held against the element names and shapes the spec shows
(http://wiki.open311.org/GeoReport_v2).
"""

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from rexian.channels.inbound import Inbound, receive
from rexian.channels.models import Open311Attribute, Open311Key, Open311Request
from rexian.channels.open311.serializers import w3
from rexian.directory.models import Category
from rexian.orders.models import WorkOrder
from rexian.orders.services.workflow import perform

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module", autouse=True)
def _clean_slate(django_db_setup, django_db_blocker):
    """Start this module from empty tables; its first test's serialized rollback restores the migrated data.

    A transactional test without serialized rollback that ran earlier (tests/channels/test_core.py has
    one) ends with a flush that re-creates content types through post_migrate; restoring the serialized
    copy on top of those collides. Emptying the tables first makes this module independent of that.
    """
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)

JURISDICTION = "rexian.local"
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]


class Client:
    """What a third-party developer would write: urllib, form-encoded POSTs, nothing from Django."""

    def __init__(self, base):
        self.base = base.rstrip("/") + "/open311/v2/"

    def call(self, path, data=None, headers=None, method=None):
        body = urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method or ("POST" if body else "GET"))
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()

    def xml(self, path, data=None, **kwargs):
        status, content_type, body = self.call(path, data, **kwargs)
        assert content_type == "text/xml; charset=utf-8" and body.startswith(XML_DECLARATION), body[:200]
        return status, ElementTree.fromstring(body)

    def json(self, path, data=None, **kwargs):
        status, content_type, body = self.call(path, data, **kwargs)
        assert content_type == "application/json; charset=utf-8", content_type
        return status, json.loads(body)


def children(element) -> list[str]:
    return [child.tag for child in element]


def assert_errors_xml(root, status):
    assert root.tag == "errors" and len(root) >= 1
    for error in root:
        assert error.tag == "error" and children(error) == ["code", "description"]
        assert error.findtext("code") == str(status) and error.findtext("description")


def assert_errors_json(document, status):
    assert isinstance(document, list) and document
    for error in document:
        assert set(error) == {"code", "description"} and error["code"] == status and error["description"]


@pytest.fixture
def api(live_server):
    return Client(live_server.url)


@pytest.fixture
def catalogue(city):
    """物业服务 (010101) with four questions, one of each kind that matters; 噪音扰民 (0201) with none."""
    leaf = city["category"]
    kind = Open311Attribute.objects.create(
        category=leaf, code="KIND", datatype="singlevaluelist", required=True, order=1, description="哪类设施出了问题？"
    )
    for order, (key, name) in enumerate([("elevator", "电梯"), ("water", "二次供水"), ("door", "门禁")], start=1):
        kind.values.create(key=key, name=name, order=order)
    floors = Open311Attribute.objects.create(
        category=leaf, code="FLOORS", datatype="multivaluelist", order=2, description="涉及哪些楼层？"
    )
    for order, (key, name) in enumerate([("1", "一楼"), ("2", "二楼"), ("3", "三楼")], start=1):
        floors.values.create(key=key, name=name, order=order)
    Open311Attribute.objects.create(
        category=leaf, code="SINCE", datatype="datetime", order=3, description="问题从什么时候开始？",
        datatype_description="ISO 8601，例如 2025-03-01T08:00:00+08:00",
    )
    Open311Attribute.objects.create(
        category=leaf, code="NOTICE", variable=False, datatype="text", order=4, description="请勿在描述中填写他人的个人信息。"
    )
    environment = Category.objects.create(code="02", name="环境保护")
    Category.objects.create(code="0201", name="噪音扰民", parent=environment, description="施工、商铺、娱乐场所噪音")
    return leaf


@pytest.fixture
def key(db):
    _key, secret = Open311Key.issue("城市服务 App")
    return secret


def report(key, **overrides):
    data = {
        "api_key": key,
        "jurisdiction_id": JURISDICTION,
        "service_code": "010101",
        "lat": "39.904211234",
        "long": "116.407395678",
        "address_string": "东华街道幸福小区 3 栋",
        "email": "zhangsan@example.cn",
        "device_id": "device-42",
        "account_id": "acct-7",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812345678",
        "description": "3 栋电梯停运两周，老人上下楼困难。",
        "media_url": "https://img.example.cn/lift.jpg",
        "attribute[KIND]": "elevator",
        "attribute[FLOORS][]": ["1", "3"],
        "attribute[SINCE]": "2025-03-01T08:00:00+08:00",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


# ---------------------------------------------------------------- discovery and services


def test_discovery_in_xml_and_json(api, catalogue):
    status, root = api.xml("discovery.xml")
    assert status == 200 and root.tag == "discovery"
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert children(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url").endswith("/open311/v2") and endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    status, document = api.json("discovery.json")
    assert status == 200 and set(document) == {"changeset", "contact", "key_service", "endpoints"}
    assert document["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert document["changeset"] == root.findtext("changeset")
    with urllib.request.urlopen(api.base + "services.json") as response:  # browser apps may read the public resources
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_service_list_is_the_leaves_of_the_category_tree(api, catalogue):
    status, root = api.xml("services.xml")
    assert status == 200 and root.tag == "services"
    services = {service.findtext("service_code"): service for service in root}
    assert set(services) == {"010101", "0201"}  # 城乡建设 and 物业管理 have sub-categories
    for service in root:
        assert service.tag == "service" and children(service) == SERVICE_FIELDS
    lift = services["010101"]
    assert (lift.findtext("service_name"), lift.findtext("metadata"), lift.findtext("type")) == ("物业服务", "true", "realtime")
    assert lift.findtext("group") == "城乡建设" and lift.findtext("keywords") == "城乡建设, 物业管理, 物业服务"
    assert services["0201"].findtext("metadata") == "false" and services["0201"].findtext("description") == "施工、商铺、娱乐场所噪音"
    status, document = api.json("services.json?jurisdiction_id=" + JURISDICTION)
    assert status == 200 and isinstance(document, list)
    by_code = {row["service_code"]: row for row in document}
    assert list(by_code["010101"]) == SERVICE_FIELDS and by_code["010101"]["metadata"] is True
    assert by_code["0201"]["metadata"] is False and by_code["0201"]["group"] == "环境保护"


def test_a_service_definition_in_xml_and_json(api, catalogue):
    status, root = api.xml("services/010101.xml")
    assert status == 200 and root.tag == "service_definition" and children(root) == ["service_code", "attributes"]
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["KIND", "FLOORS", "SINCE", "NOTICE"]
    kind = attributes[0]
    assert children(kind) == ATTRIBUTE_FIELDS + ["values"]
    assert (kind.findtext("datatype"), kind.findtext("required"), kind.findtext("variable")) == ("singlevaluelist", "true", "true")
    assert [(v.findtext("key"), v.findtext("name")) for v in kind.findall("values/value")][0] == ("elevator", "电梯")
    assert all(children(v) == ["key", "name"] for v in kind.findall("values/value"))
    assert attributes[1].findtext("datatype") == "multivaluelist" and len(attributes[1].findall("values/value")) == 3
    assert children(attributes[2]) == ATTRIBUTE_FIELDS  # no values for a datetime
    assert attributes[3].findtext("variable") == "false"
    status, document = api.json("services/010101.json")
    assert status == 200 and document["service_code"] == "010101"
    first = document["attributes"][0]
    assert first["required"] is True and first["order"] == 1 and first["datatype_description"] is None
    assert first["values"] == [{"key": "elevator", "name": "电梯"}, {"key": "water", "name": "二次供水"}, {"key": "door", "name": "门禁"}]
    status, root = api.xml("services/0201.xml")
    assert status == 200 and root.find("attributes") is not None and len(root.find("attributes")) == 0


def test_unknown_services_requests_tokens_and_jurisdictions_are_404(api, catalogue):
    for path in ("services/9999", "requests/20200101-00001", "tokens/nope", "nothing/here"):
        status, root = api.xml(path + ".xml")
        assert status == 404, path
        assert_errors_xml(root, 404)
        status, document = api.json(path + ".json")
        assert status == 404, path
        assert_errors_json(document, 404)
    status, root = api.xml("services.xml?jurisdiction_id=other.gov.cn")
    assert status == 404 and "jurisdiction_id" in root.findtext("error/description")


# ---------------------------------------------------------------- POST and GET one


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_posted_request_becomes_an_order_and_reads_back(api, catalogue, key, fmt):
    if fmt == "xml":
        status, root = api.xml("requests.xml", report(key))
        assert root.tag == "service_requests" and children(root) == ["request"]
        created = root.find("request")
        assert children(created) == ["service_request_id", "service_notice", "account_id"]
        number, notice, account = created.findtext("service_request_id"), created.findtext("service_notice"), created.findtext("account_id")
    else:
        status, document = api.json("requests.json", report(key))
        assert isinstance(document, list) and list(document[0]) == ["service_request_id", "service_notice", "account_id"]
        number, notice, account = document[0]["service_request_id"], document[0]["service_notice"], document[0]["account_id"]
    assert status == 201 and account == "acct-7" and "工作日内办结" in notice

    order = WorkOrder.objects.get(number=number)
    assert (order.channel, order.category.code, order.order_type) == ("open311", "010101", "help")
    assert order.contact_phone == "13812345678" and order.citizen.name == "张三"
    assert "哪类设施出了问题？：电梯" in order.content and "涉及哪些楼层？：一楼、三楼" in order.content
    assert str(order.latitude) == "39.904211" and order.address == "东华街道幸福小区 3 栋"
    extra = Open311Request.objects.get(order=order)
    assert extra.attributes["FLOORS"] == ["1", "3"] and extra.attributes["KIND"] == "elevator"
    assert extra.message.payload["email"] == "zhangsan@example.cn"  # kept with the message, never published

    status, content_type, body = api.call(f"requests/{number}.{fmt}")
    assert status == 200
    for personal in ("13812345678", "zhangsan@example.cn", "张三", "device-42", "acct-7"):
        assert personal not in body.decode()
    if fmt == "xml":
        root = ElementTree.fromstring(body)
        assert root.tag == "service_requests" and children(root) == ["request"]
        request = root.find("request")
        assert children(request) == REQUEST_FIELDS
        row = {child.tag: child.text for child in request}
    else:
        rows = json.loads(body)
        assert isinstance(rows, list) and list(rows[0]) == REQUEST_FIELDS
        row = rows[0]
    assert row["service_request_id"] == number and row["status"] == "open"
    assert row["status_notes"] == "已受理，等待分派" and row["agency_responsible"] == "12345 政务服务便民热线"
    assert (row["service_code"], row["service_name"]) == ("010101", "物业服务")
    assert row["expected_datetime"] == w3(order.due_at) and row["expected_datetime"].endswith("+08:00")
    assert row["requested_datetime"] == w3(order.created_at)
    assert row["media_url"] == "https://img.example.cn/lift.jpg" and row["address"] == "东华街道幸福小区 3 栋"
    assert float(row["lat"]) == pytest.approx(39.904211) and float(row["long"]) == pytest.approx(116.407396)


def test_an_address_id_alone_is_a_location(api, catalogue, key):
    status, document = api.json("requests.json", report(key, lat=None, long=None, address_string=None, address_id="AD-1001"))
    assert status == 201
    number = document[0]["service_request_id"]
    status, rows = api.json(f"requests/{number}.json")
    assert rows[0]["address_id"] == "AD-1001" and rows[0]["lat"] is None and rows[0]["address"] is None


def test_a_retried_post_with_an_idempotency_key_is_one_order(api, catalogue, key):
    headers = {"Idempotency-Key": "retry-7f3a"}
    first_status, first = api.json("requests.json", report(key), headers=headers)
    again_status, again = api.json("requests.json", report(key), headers=headers)
    assert (first_status, again_status) == (201, 200)
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    assert WorkOrder.objects.count() == 1
    api.json("requests.json", report(key))  # no key, no deduplication: a second report
    assert WorkOrder.objects.count() == 2


def test_batch_services_answer_with_a_token(api, catalogue, key, settings):
    settings.REXIAN = {**settings.REXIAN, "OPEN311_SERVICE_TYPE": "batch"}
    status, services = api.json("services.json")
    assert {row["type"] for row in services} == {"batch"}
    status, root = api.xml("requests.xml", report(key))
    assert status == 201 and children(root.find("request")) == ["token", "service_notice", "account_id"]
    token = root.findtext("request/token")
    status, root = api.xml(f"tokens/{token}.xml")
    assert status == 200 and children(root.find("request")) == ["service_request_id", "token"]
    number = root.findtext("request/service_request_id")
    assert WorkOrder.objects.get(number=number).open311.token == token
    status, document = api.json(f"tokens/{token}.json")
    assert document == [{"service_request_id": number, "token": token}]


# ---------------------------------------------------------------- POST errors


def test_posts_without_a_valid_key_are_403(api, catalogue, key):
    revoked, revoked_secret = Open311Key.issue("旧客户端")
    revoked.revoked_at = revoked.created_at
    revoked.save()
    for api_key in (None, "o311_wrong_key", revoked_secret):
        status, root = api.xml("requests.xml", report(key, api_key=api_key))
        assert status == 403
        assert_errors_xml(root, 403)
    status, document = api.json("requests.json", report(key, api_key=None))
    assert status == 403 and "api_key" in document[0]["description"]
    assert WorkOrder.objects.count() == 0


def test_posts_need_the_jurisdiction_a_service_and_a_location(api, catalogue, key):
    cases = [
        (report(key, jurisdiction_id=None), 400, "jurisdiction_id"),
        (report(key, jurisdiction_id="other.gov.cn"), 404, "jurisdiction_id"),
        (report(key, service_code=None), 400, "service_code"),
        (report(key, service_code="9999"), 404, "service_code"),
        (report(key, lat=None, long=None, address_string=None), 400, "缺少位置"),
        (report(key, long=None, address_string=None), 400, "lat 和 long"),
    ]
    for data, expected, words in cases:
        status, root = api.xml("requests.xml", data)
        assert status == expected, words
        assert_errors_xml(root, expected)
        assert words in root.findtext("error/description")
        status, document = api.json("requests.json", data)
        assert status == expected
        assert_errors_json(document, expected)
    assert WorkOrder.objects.count() == 0


def test_every_invalid_field_is_reported_at_once(api, catalogue, key):
    data = report(
        key, **{"attribute[KIND]": None, "attribute[FLOORS][]": ["1", "9"], "attribute[SINCE]": "last week"},
        email="not-an-email", media_url="ftp://files.example.cn/x", phone="12ab", lat="123",
    )
    status, document = api.json("requests.json", data)
    assert status == 400
    assert_errors_json(document, 400)
    text = " ".join(error["description"] for error in document)
    for words in ("attribute[KIND] 为必填项", "attribute[FLOORS] 的取值 9", "attribute[SINCE] 应为", "email", "media_url", "lat 超出范围"):
        assert words in text, words
    assert WorkOrder.objects.count() == 0


# ---------------------------------------------------------------- GET lists


@pytest.fixture
def three_reports(api, catalogue, key, users):
    numbers = []
    for code, description in [("010101", "电梯停运"), ("0201", "夜间施工噪音"), ("0201", "广场舞噪音")]:
        extra = {} if code == "010101" else {"attribute[KIND]": None, "attribute[FLOORS][]": None, "attribute[SINCE]": None}
        status, document = api.json("requests.json", report(key, service_code=code, description=description, **extra))
        assert status == 201, document
        numbers.append(document[0]["service_request_id"])
    # The middle one is handed to 110: closed.
    perform(WorkOrder.objects.get(number=numbers[1]), "transfer", users["agent"], {"target": "110"})
    return numbers


def test_requests_are_listed_with_filters_in_both_formats(api, three_reports):
    lift, night, dance = three_reports
    status, root = api.xml("requests.xml")
    assert status == 200 and root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root] == [dance, night, lift]  # newest first
    assert all(children(r) == REQUEST_FIELDS for r in root)
    status, rows = api.json("requests.json?status=open")
    assert [row["service_request_id"] for row in rows] == [dance, lift]
    status, rows = api.json("requests.json?status=closed")
    assert [(row["service_request_id"], row["status"]) for row in rows] == [(night, "closed")]
    assert rows[0]["status_notes"] == "已转交紧急处置部门"
    status, rows = api.json("requests.json?service_code=0201")
    assert {row["service_request_id"] for row in rows} == {night, dance}
    status, rows = api.json("requests.json?status=open&service_code=010101,0201")
    assert len(rows) == 2
    status, rows = api.json(f"requests.json?service_request_id={lift},{night}&status=open")  # overrides the rest
    assert {row["service_request_id"] for row in rows} == {lift, night}


def test_requests_are_paged_and_windowed(api, three_reports):
    lift, night, dance = three_reports
    status, rows = api.json("requests.json?page_size=2")
    assert [row["service_request_id"] for row in rows] == [dance, night]
    status, rows = api.json("requests.json?page_size=2&page=2")
    assert [row["service_request_id"] for row in rows] == [lift]
    status, rows = api.json("requests.json?page_size=2&page=3")
    assert status == 200 and rows == []
    status, rows = api.json("requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-03-01T00:00:00%2B08:00")
    assert status == 200 and rows == []
    status, rows = api.json("requests.json?end_date=2099-01-01T00:00:00Z")  # the 90 days before 2099
    assert rows == []
    for query in ("start_date=2020-01-01T00:00:00Z&end_date=2021-01-01T00:00:00Z", "status=pending", "page=0", "start_date=yesterday"):
        status, root = api.xml("requests.xml?" + query)
        assert status == 400, query
        assert_errors_xml(root, 400)


def test_get_shows_no_personal_data_and_hides_confidential_orders(api, three_reports, settings):
    receive(Inbound(
        channel="web", address="portal:t-1", phone="13700001111", name="王五", body="我家楼上每晚装修到十二点，我叫王五。",
        idempotency_key="portal:t-1", intake={"order_type": "complaint", "title": "楼上装修噪音", "address": "幸福小区 5 栋 501", "confidential": True},
    ))
    status, content_type, body = api.call("requests.json")
    assert len(json.loads(body)) == 3  # by default only what came in over Open311
    settings.REXIAN = {**settings.REXIAN, "OPEN311_PUBLISH_ALL_CHANNELS": True}
    status, content_type, body = api.call("requests.json")
    rows = json.loads(body)
    assert len(rows) == 4
    text = body.decode()
    for personal in ("13812345678", "13700001111", "王五", "zhangsan@example.cn", "张三"):
        assert personal not in text
    secret = next(row for row in rows if row["service_code"] is None)
    assert secret["description"] is None and secret["address"] is None and secret["lat"] is None
