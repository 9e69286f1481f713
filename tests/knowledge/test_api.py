"""The knowledge base over /api/v1: the same rules as the web pages, in the API's error shape."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rexian.core.models import AuditEntry
from rexian.knowledge import services
from rexian.knowledge.index import rebuild, stats
from rexian.knowledge.models import Article, DomainTerm, Synonym
from tests.api.api_helpers import PREFIX, ApiClient, api_as, error

ROLES = ["agent", "dispatcher", "housing", "property", "urban", "reviewer", "callback", "supervisor", "admin"]


@pytest.fixture
def draft(users):
    """A draft by the supervisor, with categories, a unit and tags (so partial updates can lose them)."""

    def make(title="问：物业费怎么交", body="到物业服务中心缴纳。", **fields):
        data = {"kind": "qa", "title": title, "body": body, "visibility": "internal",
                "categories": ["010101"], "department": "ZJJ", "tags": "物业,缴费", **fields}
        return services.create(users["supervisor"], data, note="初稿")

    return make


def send(client: ApiClient, method: str, path: str, body, **headers):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.request(method, path, data=raw, content_type="application/json", **headers)


def upload(client: ApiClient, name: str, content: bytes):
    return client.client.post(PREFIX + "/knowledge/import", {"file": SimpleUploadedFile(name, content)})


# ---------------------------------------------------------------- list


def test_it_lists_every_status_newest_change_first_for_every_staff_role(users, draft, publish):
    old = publish("公交线路调整", "12 路公交改线。")
    Article.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    new = draft()
    for role in ROLES:
        body = api_as(users[role]).get("/knowledge").json()
        assert [item["id"] for item in body["items"]] == [new.pk, old.pk], role
    item = body["items"][0]
    assert item["status"] == {"code": "draft", "label": "草稿"}
    assert item["categories"] == ["010101"] and item["department"] == "ZJJ" and "body" not in item


def test_the_list_needs_a_token():
    response = ApiClient().get("/knowledge")
    assert response.status_code == 401 and error(response)["code"] == "unauthorized"


def test_it_filters_by_kind_status_words_unit_and_category(users, city, draft, publish):
    guide = draft("电梯维修指南", "电梯坏了找物业维修。", kind="guide", department="ZJJ-WY")
    publish("停电报修", "突发停电请联系供电公司。", department="CGJ")
    api = api_as(users["agent"])

    def ids(**query):
        return [item["id"] for item in api.get("/knowledge", query).json()["items"]]

    assert ids(kind="guide") == [guide.pk]
    assert ids(status="draft") == [guide.pk]
    assert ids(q="电梯 物业") == [guide.pk]  # a draft: the staff search covers every status
    assert ids(q="电梯 供电") == []
    assert ids(department="ZJJ") == [guide.pk]  # 物业科 is under 住建局
    assert ids(category="01") == [guide.pk]  # 010101 is under 01


@pytest.mark.parametrize("query, field", [
    ({"kind": "memo"}, "kind"), ({"status": "gone"}, "status"), ({"department": "NOPE"}, "department"),
    ({"category": "99"}, "category"), ({"limit": "0"}, "limit"), ({"cursor": "!!"}, "cursor"), ({"q": "字" * 201}, "q"),
])
def test_bad_list_filters_are_422_naming_the_field(users, query, field):
    response = api_as(users["agent"]).get("/knowledge", query)
    body = error(response)
    assert response.status_code == 422 and field in body["details"]["errors"], body


def test_it_pages_with_a_cursor_like_the_orders_list(users, draft):
    made = [draft(f"问题 {n}") for n in range(5)]
    api, seen, cursor = api_as(users["agent"]), [], None
    while True:
        body = api.get("/knowledge", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        assert body["limit"] == 2 and len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [article.pk for article in reversed(made)]


# ---------------------------------------------------------------- read


def test_the_detail_carries_the_version_as_etag(users, draft):
    article = draft()
    response = api_as(users["callback"]).get(f"/knowledge/{article.pk}")
    assert response.status_code == 200 and response["ETag"] == '"1"'


@pytest.mark.parametrize("path", ["/knowledge/abc", "/knowledge/0", "/knowledge/99999999999999999999999", "/knowledge/404"])
def test_an_unknown_article_is_a_json_404(users, path):
    response = api_as(users["agent"]).get(path)
    assert response.status_code == 404 and error(response)["code"] == "not_found"


# ---------------------------------------------------------------- versions and diff


def test_it_lists_versions_newest_first_with_author_and_note(users, draft):
    article = draft()
    services.update(article, users["reviewer"], {**services.form_values(article), "title": "问：物业费如何缴纳"}, note="改标题")
    body = api_as(users["agent"]).get(f"/knowledge/{article.pk}/versions").json()
    assert [(v["number"], v["title"], v["note"], v["author"]["username"]) for v in body] == [
        (2, "问：物业费如何缴纳", "改标题", "rita"), (1, "问：物业费怎么交", "初稿", "sue"),
    ]
    assert body[0]["created_at"].endswith("+08:00")


def test_the_diff_is_the_one_the_web_page_shows(users, draft):
    article = draft()
    services.update(article, users["reviewer"], {**services.form_values(article), "title": "问：物业费如何缴纳"})
    old, new = article.versions.order_by("number")
    response = api_as(users["agent"]).get(f"/knowledge/{article.pk}/diff", {"old": 1, "new": 2})
    body = response.json()
    assert [(line["op"], line["text"]) for line in body["lines"]] == services.diff(old, new)
    assert {"op": "+", "text": "标题: 问：物业费如何缴纳"} in body["lines"]
    assert (body["old"]["number"], body["new"]["number"]) == (1, 2)


def test_a_diff_with_a_missing_or_bad_version_is_a_clear_error(users, draft):
    article, api = draft(), api_as(users["agent"])
    missing = api.get(f"/knowledge/{article.pk}/diff", {"old": 1, "new": 7})
    assert missing.status_code == 404 and "第 7 版" in error(missing)["message"]
    bad = api.get(f"/knowledge/{article.pk}/diff", {"old": "x"})
    assert bad.status_code == 422 and set(error(bad)["details"]["errors"]) == {"old", "new"}


# ---------------------------------------------------------------- PATCH and PUT


def test_patch_changes_only_the_fields_given(users, draft):
    article = draft()
    response = send(api_as(users["supervisor"]), "patch", f"/knowledge/{article.pk}", {"title": "问：物业费如何缴纳", "note": "改标题"})
    body = response.json()
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert body["title"] == "问：物业费如何缴纳" and body["version"] == 2
    assert body["categories"] == ["010101"] and body["department"] == "ZJJ" and body["tags"] == ["物业", "缴费"]
    assert article.versions.get(number=2).note == "改标题"


def test_patch_and_put_take_back_what_get_returned(users, draft):
    article, api = draft(), api_as(users["supervisor"])
    got = api.get(f"/knowledge/{article.pk}").json()
    echo = {key: got[key] for key in ("kind", "visibility", "tags", "title", "body", "categories", "department")}
    assert send(api, "patch", f"/knowledge/{article.pk}", {**echo, "tags": ["物业", "收费"]}).json()["tags"] == ["物业", "收费"]
    response = send(api, "put", f"/knowledge/{article.pk}", {**echo, "visibility": {"code": "public", "label": "公开"}})
    assert response.status_code == 200 and response.json()["visibility"]["code"] == "public"


def test_patch_with_null_clears_a_field(users, draft):
    article = draft()
    body = send(api_as(users["supervisor"]), "patch", f"/knowledge/{article.pk}", {"department": None, "categories": None}).json()
    assert body["department"] is None and body["categories"] == []


def test_put_still_replaces_the_whole_article(users, draft):
    article = draft()
    body = send(api_as(users["supervisor"]), "put", f"/knowledge/{article.pk}",
                {"kind": "qa", "title": "问：物业费怎么交", "body": "新的答复。", "visibility": "internal"}).json()
    assert body["body"] == "新的答复。" and body["categories"] == [] and body["department"] is None and body["tags"] == []


def test_if_match_with_an_old_etag_is_a_409_conflict(users, draft):
    article, api = draft(), api_as(users["supervisor"])
    etag = api.get(f"/knowledge/{article.pk}")["ETag"]
    assert send(api, "patch", f"/knowledge/{article.pk}", {"title": "第一次修改"}, HTTP_IF_MATCH=etag).status_code == 200
    stale = send(api, "patch", f"/knowledge/{article.pk}", {"title": "第二次修改"}, HTTP_IF_MATCH=etag)
    body = error(stale)
    assert stale.status_code == 409 and body["code"] == "conflict" and body["details"]["version"] == 2
    assert Article.objects.get(pk=article.pk).title == "第一次修改"
    by_body = send(api, "put", f"/knowledge/{article.pk}", {"kind": "qa", "title": "t", "body": "b", "visibility": "internal", "version": 1})
    assert by_body.status_code == 409


def test_a_malformed_if_match_is_422(users, draft):
    article = draft()
    response = send(api_as(users["supervisor"]), "patch", f"/knowledge/{article.pk}", {"title": "x"}, HTTP_IF_MATCH="abc")
    assert response.status_code == 422 and "If-Match" in error(response)["details"]["errors"]


@pytest.mark.parametrize("body, field", [
    ({"colour": "red"}, "colour"), ({"title": 5}, "title"), ({"tags": {"a": 1}}, "tags"), ({"kind": "memo"}, "kind"),
    ({"kind": {"label": "问答"}}, "kind"), ({"tags": ["a", 1]}, "tags"), ({"title": ""}, "title"), ({"version": "v2"}, "version"),
])
def test_bad_patch_bodies_are_422_naming_the_field(users, draft, body, field):
    article = draft()
    response = send(api_as(users["supervisor"]), "patch", f"/knowledge/{article.pk}", body)
    assert response.status_code == 422 and field in error(response)["details"]["errors"], response.json()


@pytest.mark.parametrize("raw", ["{", "[]", "null"])
def test_a_patch_body_that_is_not_an_object_is_422(users, draft, raw):
    article = draft()
    response = send(api_as(users["supervisor"]), "patch", f"/knowledge/{article.pk}", raw)
    assert response.status_code == 422 and error(response)["code"] == "invalid_input"


def test_patch_follows_the_editing_rules(users, draft, publish):
    article, published = draft(), publish("公交线路调整", "12 路公交改线。")
    assert send(api_as(users["callback"]), "patch", f"/knowledge/{article.pk}", {"title": "x"}).status_code == 403
    assert send(api_as(users["urban"]), "patch", f"/knowledge/{article.pk}", {"title": "x"}).status_code == 403
    assert send(api_as(users["housing"]), "patch", f"/knowledge/{article.pk}", {"title": "住建局改"}).status_code == 200
    # A published article is not changed in place: the PATCH goes into its revision (test_revisions.py).
    revised = send(api_as(users["supervisor"]), "patch", f"/knowledge/{published.pk}", {"title": "x"})
    assert revised.status_code == 200 and revised.json()["title"] == "公交线路调整" and revised.json()["revision"]["title"] == "x"


# ---------------------------------------------------------------- export and import


@pytest.mark.parametrize("role", ["supervisor", "reviewer", "admin"])
def test_export_json_for_supervisors_and_reviewers_is_audited(users, draft, role):
    draft()
    response = api_as(users[role]).get("/knowledge/export")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].endswith('.json"')
    assert [row["title"] for row in json.loads(response.content)] == ["问：物业费怎么交"]
    assert AuditEntry.objects.get(action="export", actor=users[role]).via == "api"


def test_export_xlsx_and_its_refusal_point_to_json(users, draft):
    draft()
    api = api_as(users["reviewer"])
    response = api.get("/knowledge/export", {"format": "xlsx"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    draft("很长的正文", "字" * 33000)
    refused = api.get("/knowledge/export", {"format": "xlsx"})
    assert refused.status_code == 422 and "format" in error(refused)["details"]["errors"]
    assert api.get("/knowledge/export", {"format": "csv"}).status_code == 422
    assert AuditEntry.objects.filter(action="export").count() == 1


@pytest.mark.parametrize("role", ["agent", "dispatcher", "housing", "callback"])
def test_export_and_import_are_refused_to_other_roles(users, role):
    api = api_as(users[role])
    assert error(api.get("/knowledge/export"))["code"] == "forbidden"
    response = upload(api, "k.json", b"[]")
    assert response.status_code == 403 and error(response)["code"] == "forbidden"
    assert not AuditEntry.objects.filter(action="export").exists()


def test_import_creates_drafts_and_an_export_imports_back(users, draft):
    original = draft()
    api = api_as(users["supervisor"])
    exported = api.get("/knowledge/export").content
    again = upload(api, "k.json", exported).json()  # the same articles: nothing to do
    assert (again["created"], again["revised"], again["unchanged"]) == (0, [], [original.pk])
    Article.objects.all().delete()
    response = upload(api, "k.json", exported)
    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 1 and Article.objects.get(pk=body["ids"][0]).status == "draft"


def test_import_is_all_or_nothing_with_every_problem_in_details(users):
    rows = [{"kind": "qa", "title": "好的", "body": "正文"}, {"kind": "qa", "title": "", "body": "正文"}, {"标题": "x", "颜色": "红"}]
    response = upload(api_as(users["reviewer"]), "k.json", json.dumps(rows, ensure_ascii=False).encode())
    body = error(response)
    assert response.status_code == 422 and body["code"] == "invalid_input"
    problems = body["details"]["errors"]["file"]
    assert any(p.startswith("第 2 条") for p in problems) and any("第 3 条" in p and "颜色" in p for p in problems)
    assert "未导入任何知识" in body["message"] and not Article.objects.exists()


def test_import_without_a_file_or_with_a_wrong_type_is_422(users):
    api = api_as(users["reviewer"])
    missing = api.client.post(PREFIX + "/knowledge/import", {})
    assert missing.status_code == 422 and "file" in error(missing)["details"]["errors"]
    wrong = upload(api, "k.txt", b"hello")
    assert wrong.status_code == 422 and "xlsx" in error(wrong)["details"]["errors"]["file"][0]


# ---------------------------------------------------------------- review report


def test_the_review_report_lists_what_to_look_at_and_the_direct_answer_rate(users, publish):
    old = publish("老政策", "多年未改。")
    Article.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=400))
    expiring = publish("即将失效", "下月失效。", expires_on=timezone.localdate() + timedelta(days=10))
    unhelpful = publish("没用的", "没有帮助。")
    services.record_usage(unhelpful, users["agent"], "not_helpful")
    response = api_as(users["supervisor"]).get("/knowledge/stale")
    body = response.json()
    assert response.status_code == 200 and body["stale_days"] == 180
    assert [a["id"] for a in body["old"]] == [old.pk]
    assert [a["id"] for a in body["expiring"]] == [expiring.pk]
    assert [a["id"] for a in body["unhelpful"]] == [unhelpful.pk]
    assert set(body["direct_answer_rate"]) == {"numerator", "denominator", "rate", "percent"}


@pytest.mark.parametrize("role", ["agent", "reviewer", "housing"])
def test_the_review_report_is_for_supervisors(users, role):
    response = api_as(users[role]).get("/knowledge/stale")
    assert response.status_code == 403 and error(response)["code"] == "forbidden"


# ---------------------------------------------------------------- dictionary


def test_admins_keep_domain_words_audited(users):
    api = api_as(users["admin"])
    created = api.post("/knowledge/dictionary/terms", {"word": "住房公积金"})
    assert created.status_code == 201 and created.json()["word"] == "住房公积金"
    assert [t["word"] for t in api.get("/knowledge/dictionary/terms").json()] == ["住房公积金"]
    term_id = created.json()["id"]
    assert api.request("delete", f"/knowledge/dictionary/terms/{term_id}").status_code == 204
    assert not DomainTerm.objects.exists()
    entries = AuditEntry.objects.filter(object_type="knowledge.domainterm", object_id=str(term_id), via="api")
    assert sorted(entries.values_list("action", flat=True)) == ["change", "delete"]


def test_admins_keep_synonyms(users):
    api = api_as(users["admin"])
    created = api.post("/knowledge/dictionary/synonyms", {"variant": "住建委", "canonical": "住建局"})
    assert created.status_code == 201
    assert api.get("/knowledge/dictionary/synonyms").json() == [{"id": created.json()["id"], "variant": "住建委", "canonical": "住建局"}]
    assert api.request("delete", f"/knowledge/dictionary/synonyms/{created.json()['id']}").status_code == 204
    assert not Synonym.objects.exists()


@pytest.mark.parametrize("role", ["supervisor", "reviewer", "agent"])
def test_the_dictionary_is_for_admins_only(users, role):
    term = DomainTerm.objects.create(word="麓谷")
    api = api_as(users[role])
    assert api.get("/knowledge/dictionary/terms").status_code == 403
    assert api.post("/knowledge/dictionary/terms", {"word": "住房公积金"}).status_code == 403
    assert api.request("delete", f"/knowledge/dictionary/terms/{term.pk}").status_code == 403
    assert list(DomainTerm.objects.values_list("word", flat=True)) == ["麓谷"]


@pytest.mark.parametrize("path, body, field", [
    ("terms", {"word": "麓谷"}, "word"),  # already there
    ("terms", {}, "word"), ("terms", {"word": "x" * 51}, "word"), ("terms", {"word": 3}, "word"),
    ("terms", {"word": "a", "extra": 1}, "extra"), ("synonyms", {"variant": "住建委"}, "canonical"),
])
def test_bad_dictionary_entries_are_422(users, path, body, field):
    DomainTerm.objects.create(word="麓谷")
    response = api_as(users["admin"]).post(f"/knowledge/dictionary/{path}", body)
    assert response.status_code == 422 and field in error(response)["details"]["errors"], response.json()


def test_deleting_an_unknown_entry_is_404(users):
    response = api_as(users["admin"]).request("delete", "/knowledge/dictionary/synonyms/999")
    assert response.status_code == 404 and error(response)["code"] == "not_found"


def test_a_dictionary_word_added_over_the_api_rebuilds_the_index(users, publish, django_capture_on_commit_callbacks):
    publish("住建委联系方式", "市住建委地址和电话。")
    api, before = api_as(users["admin"]), stats().dictionary_version
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/knowledge/dictionary/synonyms", {"variant": "住建委", "canonical": "住建局"})
    assert stats().dictionary_version == before + 1
    hits = api.get("/knowledge/search", {"q": "住建局"}).json()
    assert [hit["title"] for hit in hits] == ["住建委联系方式"]


def test_a_dictionary_word_deleted_over_the_api_rebuilds_the_index(users, django_capture_on_commit_callbacks):
    # bulk_create sends no signal: the test's transaction holds no rebuild yet.
    (term,) = DomainTerm.objects.bulk_create([DomainTerm(word="住房公积金")])
    before = stats().dictionary_version
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        api_as(users["admin"]).request("delete", f"/knowledge/dictionary/terms/{term.pk}")
    assert rebuild in callbacks and stats().dictionary_version == before + 1


# ---------------------------------------------------------------- public


@pytest.fixture
def articles(users, publish, draft):
    """One public current article, and internal, draft, withdrawn and expired ones about the same thing."""
    public = publish("社保卡办理", "社保卡到银行网点办理。", visibility="public")
    internal = publish("社保卡内部口径", "社保卡内部处理口径，勿外传。")
    draft_one = draft("社保卡草稿", "社保卡草稿内容，未审核。", visibility="public")
    withdrawn = publish("社保卡旧办法", "社保卡旧办法已撤回。", visibility="public")
    services.transition(withdrawn, "withdraw", users["reviewer"])
    expired = publish("社保卡过期办法", "社保卡过期办法。", visibility="public", expires_on=timezone.localdate() + timedelta(days=1))
    Article.objects.filter(pk=expired.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    return {"public": public, "hidden": [internal, draft_one, withdrawn, expired]}


def test_the_public_search_needs_no_token_and_finds_only_public_current_articles(articles):
    response = ApiClient().get("/public/knowledge/search", {"q": "社保卡"})
    assert response.status_code == 200
    hits = response.json()
    assert [hit["id"] for hit in hits] == [articles["public"].pk]
    assert set(hits[0]) == {"id", "title", "kind", "snippet"}
    text = response.content.decode()
    assert "内部" not in text and "草稿" not in text and "撤回" not in text and "过期" not in text


def test_the_public_detail_is_404_for_anything_not_public_and_current(articles):
    client = ApiClient()
    shown = client.get(f"/public/knowledge/{articles['public'].pk}")
    assert shown.status_code == 200 and shown.json()["body"] == "社保卡到银行网点办理。"
    assert "allowed_actions" not in shown.json() and "used_count" not in shown.json()
    for article in articles["hidden"]:
        response = client.get(f"/public/knowledge/{article.pk}")
        assert response.status_code == 404 and error(response)["code"] == "not_found", article.title


def test_a_bad_public_query_is_422(db):
    response = ApiClient().get("/public/knowledge/search", {"q": "x" * 201})
    assert response.status_code == 422 and "q" in error(response)["details"]["errors"]
    assert ApiClient().get("/public/knowledge/search").status_code == 422


def test_the_public_endpoints_are_rate_limited_per_address(articles, settings):
    settings.REXIAN = {**settings.REXIAN, "PUBLIC_KNOWLEDGE_PER_IP_HOUR": 2}
    client, other = ApiClient(REMOTE_ADDR="203.0.113.5"), ApiClient(REMOTE_ADDR="203.0.113.6")
    assert client.get("/public/knowledge/search", {"q": "社保卡"}).status_code == 200
    assert client.get(f"/public/knowledge/{articles['public'].pk}").status_code == 200
    limited = client.get("/public/knowledge/search", {"q": "社保卡"})
    assert limited.status_code == 429 and error(limited)["code"] == "throttled"
    assert other.get("/public/knowledge/search", {"q": "社保卡"}).status_code == 200


def test_the_staff_endpoints_stay_closed_to_anonymous_callers(articles):
    assert ApiClient().get(f"/knowledge/{articles['public'].pk}").status_code == 401
    assert ApiClient().get("/knowledge/search", {"q": "社保卡", "public": "true"}).status_code == 401
