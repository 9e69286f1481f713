import json

from django.core.files.uploadedfile import SimpleUploadedFile

from rexian.core.models import AuditEntry
from rexian.knowledge import services
from rexian.knowledge.models import Article, ArticleUsage


def login(client, user):
    client.force_login(user)
    return client


def test_intake_suggestions_come_back_as_json_with_highlights(client, users, publish):
    publish("停电报修", "突发停电请联系供电公司抢修。")
    response = login(client, users["agent"]).get("/knowledge/suggest/", {"q": "家里停电了"})
    assert response.status_code == 200
    (first,) = response.json()["articles"]
    assert first["title"] == "停电报修" and "<mark>停电</mark>" in first["snippet"]


def test_not_helpful_feedback_is_recorded(client, users, publish):
    article = publish("停电报修", "突发停电请联系供电公司抢修。")
    response = login(client, users["agent"]).post(f"/knowledge/{article.pk}/not-helpful/", {"q": "停电"}, HTTP_ACCEPT="application/json")
    assert response.json() == {"ok": True}
    assert ArticleUsage.objects.get(article=article).kind == "not_helpful"


def test_public_pages_need_no_login_and_show_only_public_articles(client, publish):
    public = publish("社保卡办理", "社保卡到银行网点办理。", visibility="public")
    internal = publish("社保内部口径", "社保卡内部处理口径。")
    page = client.get("/public/knowledge/", {"q": "社保卡"}).content.decode()
    assert "社保卡办理" in page and "社保内部口径" not in page
    assert client.get(f"/public/knowledge/{public.pk}/").status_code == 200
    assert client.get(f"/public/knowledge/{internal.pk}/").status_code == 404


def test_the_editor_workflow_over_http(client, users):
    login(client, users["supervisor"])
    response = client.post("/knowledge/new/", {"kind": "qa", "title": "问：如何补办身份证", "body": "到户籍派出所补办。", "visibility": "internal"})
    assert response.status_code == 302
    detail = response["Location"]
    pk = int(detail.strip("/").split("/")[-1])
    page = client.get(detail).content.decode()
    seen = Article.objects.get(pk=pk).changes
    assert f'name="version" value="{seen}"' in page  # each action form carries the counter it was rendered with
    assert client.post(f"/knowledge/{pk}/submit/", {"version": seen}).status_code == 302
    client.force_login(users["reviewer"])
    client.post(f"/knowledge/{pk}/publish/", {"version": seen + 1})
    assert "已发布" in client.get(detail).content.decode()


def test_export_is_for_supervisors_and_is_audited(client, users, publish):
    publish("公交线路调整", "12 路公交改线。")
    assert login(client, users["agent"]).get("/knowledge/export.json").status_code == 403
    response = login(client, users["supervisor"]).get("/knowledge/export.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert AuditEntry.objects.filter(action="export", actor=users["supervisor"]).exists()


def test_the_stale_page_shows_the_direct_answer_rate(client, users, publish):
    publish("公交线路调整", "12 路公交改线。")
    page = login(client, users["supervisor"]).get("/knowledge/stale/").content.decode()
    assert "直接答复率" in page


def test_a_malformed_import_is_refused_with_a_message_not_a_500(client, users):
    upload = SimpleUploadedFile("a.json", json.dumps([{"kind": "qa", "title": "t", "body": "b", "categories": [1]}]).encode())
    response = login(client, users["supervisor"]).post("/knowledge/import/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert any(str(m).startswith("第 1 条 适用分类编码") for m in response.context["messages"])
    assert not Article.objects.exists()


def test_an_xlsx_export_that_would_cut_a_body_is_refused_with_a_pointer_to_json(client, users, publish):
    publish("长政策", "条" * 40000)
    response = login(client, users["supervisor"]).get("/knowledge/export.xlsx", follow=True)
    assert "导出 JSON" in " ".join(str(m) for m in response.context["messages"])
    assert not AuditEntry.objects.filter(action="export").exists()


def titles_on(client, **params):
    return [article.title for article in client.get("/knowledge/", params).context["page"].rows]


def test_the_list_pages_through_every_article(client, users):
    for n in range(51):
        services.create(users["supervisor"], {"kind": "qa", "title": f"条目{n:02}", "body": "正文", "visibility": "internal"})
    login(client, users["agent"])
    first, second = titles_on(client), titles_on(client, page=2)
    assert len(first) == 50 and len(second) == 1
    assert set(first + second) == {f"条目{n:02}" for n in range(51)}


def test_the_list_search_finds_drafts_and_keeps_the_status_and_kind_filters(client, users, publish):
    publish("停电报修", "突发停电请联系供电公司。")
    services.create(users["supervisor"], {"kind": "qa", "title": "停电补偿草稿", "body": "起草中", "visibility": "internal"})
    services.create(users["supervisor"], {"kind": "guide", "title": "停电办事指南", "body": "停电 指南", "visibility": "internal"})
    login(client, users["agent"])
    assert set(titles_on(client, q="停电")) == {"停电报修", "停电补偿草稿", "停电办事指南"}
    assert titles_on(client, q="停电", status="draft", kind="qa") == ["停电补偿草稿"]
    assert titles_on(client, q="停电 供电") == ["停电报修"]


def test_the_kind_filter_applies_before_the_page_is_cut(client, users):
    services.create(users["supervisor"], {"kind": "guide", "title": "办事指南", "body": "正文", "visibility": "internal"})
    for n in range(55):
        services.create(users["supervisor"], {"kind": "qa", "title": f"问答{n}", "body": "正文", "visibility": "internal"})
    assert titles_on(login(client, users["agent"]), q="正文", kind="guide") == ["办事指南"]
