from rexian.core.models import AuditEntry
from rexian.knowledge.models import ArticleUsage


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
    assert client.post(f"/knowledge/{pk}/submit/").status_code == 302
    client.force_login(users["reviewer"])
    client.post(f"/knowledge/{pk}/publish/")
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
