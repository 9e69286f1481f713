"""The review's reproductions, kept: ETags that never name two states, actions checked against
what the user saw, bounded version numbers in a diff, and imports that compare and fail cleanly."""

import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from rexian.directory.models import Category
from rexian.knowledge import importexport, services
from rexian.knowledge.models import Article, ArticleRevision
from rexian.orders.services.errors import Conflict
from tests.api.api_helpers import api_as, error
from tests.racing import race

OLD_BODY = "停水须提前二十四小时通知居委会。"


@pytest.fixture
def live(publish):
    return publish("计划停水通知", OLD_BODY, visibility="public", categories=["010101"], tags="停水, 供水")


def changes(article) -> int:
    return Article.objects.values_list("changes", flat=True).get(pk=article.pk)


def patch(api, article, body, **headers):
    return api.client.patch(f"/api/v1/knowledge/{article.pk}", json.dumps(body), content_type="application/json", **headers)


def action(api, article, name, body=None, **headers):
    return api.client.post(f"/api/v1/knowledge/{article.pk}/actions/{name}", json.dumps(body or {}),
                           content_type="application/json", **headers)


# ---------------------------------------------------------------- ETags are never reused


def test_an_etag_from_before_a_published_revision_is_refused(users, live):
    """Was: the revision's version 2 (base 1 + one save) came back as the article's version 2 after publishing."""
    api = api_as(users["agent"])
    first = patch(api, live, {"title": "标题A"}, HTTP_IF_MATCH=f'"{changes(live)}"')
    stale_etag = first["ETag"]
    assert patch(api, live, {"body": "新正文四十八小时"}, HTTP_IF_MATCH=stale_etag).status_code == 200
    services.transition(live, "submit_revision", users["agent"])
    services.transition(live, "publish_revision", users["reviewer"])
    assert Article.objects.get(pk=live.pk).version == 2
    body = {"kind": "qa", "title": "标题A", "body": OLD_BODY, "visibility": "public", "categories": ["010101"], "tags": "停水"}
    put = api.client.put(f"/api/v1/knowledge/{live.pk}", json.dumps(body), content_type="application/json",
                         HTTP_IF_MATCH=stale_etag)
    assert put.status_code == 409
    assert error(put)["details"]["version"] == changes(live)
    assert ArticleRevision.objects.filter(status__in=["draft", "review"]).count() == 0


def test_an_etag_of_a_discarded_revision_does_not_match_the_next_one(users, live):
    """Was: a new revision after a discard started over at the article's version."""
    api = api_as(users["agent"])
    stale = patch(api, live, {"title": "标题一"})["ETag"]
    services.transition(live, "discard_revision", users["supervisor"])
    services.update(live, users["supervisor"], {"body": "主管的新修订正文"}, partial=True)
    refused = patch(api, live, {"body": "过期客户端的正文"}, HTTP_IF_MATCH=stale)
    assert refused.status_code == 409
    assert live.open_revision().data["body"] == "主管的新修订正文"


def test_every_step_raises_the_counter_and_the_body_version_is_the_counter(users, live):
    api = api_as(users["agent"])
    seen = [changes(live)]
    for step in (
        lambda: services.transition(live, "revise", users["agent"]),
        lambda: services.update(live, users["agent"], {"body": "修订正文"}, partial=True),
        lambda: services.transition(live, "submit_revision", users["agent"]),
        lambda: services.transition(live, "reject_revision", users["reviewer"], note="再改"),
        lambda: services.transition(live, "discard_revision", users["agent"]),
        lambda: services.transition(live, "withdraw", users["reviewer"]),
    ):
        step()
        seen.append(changes(live))
    assert seen == sorted(set(seen)), seen  # strictly increasing: no two states share an ETag
    got = api.get(f"/knowledge/{live.pk}")
    assert got["ETag"] == f'"{seen[-1]}"' and got.json()["changes"] == seen[-1]
    assert got.json()["version"] == 1  # the content version is not the counter
    assert patch(api, live, {"title": "新标题", "version": 1}).status_code == 409
    assert patch(api, live, {"title": "新标题", "version": seen[-1]}).status_code == 200


# ---------------------------------------------------------------- actions are checked too


def test_publishing_a_revision_changed_after_the_reviewer_read_it_is_refused(users, live):
    agent, reviewer = api_as(users["agent"]), api_as(users["reviewer"])
    patch(agent, live, {"body": "良性修改内容"})
    assert action(agent, live, "submit_revision").status_code == 200
    etag = reviewer.get(f"/knowledge/{live.pk}/revision")["ETag"]
    # The editor changes the revision in review, with the very ETag the reviewer read.
    assert patch(agent, live, {"body": "未经审核的内容"}, HTTP_IF_MATCH=etag).status_code == 200
    refused = action(reviewer, live, "publish_revision", HTTP_IF_MATCH=etag)
    assert refused.status_code == 409 and error(refused)["code"] == "conflict"
    assert error(refused)["details"]["version"] == changes(live)
    assert Article.objects.get(pk=live.pk).body == OLD_BODY
    by_body = action(reviewer, live, "publish_revision", {"version": int(etag.strip('"'))})
    assert by_body.status_code == 409
    fresh = reviewer.get(f"/knowledge/{live.pk}/revision")
    assert fresh.json()["content"]["body"] == "未经审核的内容"
    published = action(reviewer, live, "publish_revision", HTTP_IF_MATCH=fresh["ETag"])
    assert published.status_code == 200 and published.json()["body"] == "未经审核的内容"
    assert published["ETag"] == f'"{changes(live)}"'


def test_an_article_changed_in_review_is_not_published_unseen(users):
    draft = services.create(users["agent"], {"kind": "qa", "title": "草稿", "body": "原文", "visibility": "internal"})
    services.transition(draft, "submit", users["agent"])
    seen = changes(draft)
    services.update(draft, users["agent"], {"body": "审核中改过的正文"}, partial=True)
    with pytest.raises(Conflict):
        services.transition(draft, "publish", users["reviewer"], expected=seen)
    assert Article.objects.get(pk=draft.pk).status == "review"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publish_revision_and_withdraw_from_the_same_page_do_not_both_happen(users, publish):
    live = publish("计划停水通知", OLD_BODY, visibility="public", tags="停水")
    services.update(live, users["agent"], {"body": "新正文"}, partial=True)
    services.transition(live, "submit_revision", users["agent"])
    seen = changes(live)
    results = race(
        lambda: services.transition(live, "publish_revision", users["reviewer"], expected=seen),
        lambda: services.transition(live, "withdraw", users["supervisor"], expected=seen),
    )
    assert sum(isinstance(result, Article) for result in results) == 1, results
    assert sum(isinstance(result, Conflict) for result in results) == 1, results
    actions = list(live.events.values_list("action", flat=True))
    assert ("publish_revision" in actions) != ("withdraw" in actions)


def test_the_web_actions_carry_the_counter_the_page_was_rendered_with(client, users, live):
    client.force_login(users["agent"])
    page = client.get(f"/knowledge/{live.pk}/").content.decode()
    seen = changes(live)
    assert f'name="version" value="{seen}"' in page
    services.update(live, users["supervisor"], {"body": "别人先改了"}, partial=True)  # opens a revision
    response = client.post(f"/knowledge/{live.pk}/discard_revision/", {"version": seen}, follow=True)
    assert "已被他人修改，请刷新后再操作" in response.content.decode()
    assert live.open_revision() is not None
    unversioned = client.post(f"/knowledge/{live.pk}/discard_revision/", follow=True)
    assert "页面已过期，请刷新后再操作" in unversioned.content.decode()
    assert live.open_revision() is not None
    client.post(f"/knowledge/{live.pk}/discard_revision/", {"version": changes(live)})
    assert live.open_revision() is None


def test_the_edit_page_refuses_a_save_over_someone_elses_change(client, users, live):
    client.force_login(users["agent"])
    form = client.get(f"/knowledge/{live.pk}/edit/").content.decode()
    seen = changes(live)
    assert f'name="version" value="{seen}"' in form
    services.update(live, users["supervisor"], {"body": "主管先改"}, partial=True)
    data = {**services.form_values(live), "body": "我的改法", "version": seen}
    response = client.post(f"/knowledge/{live.pk}/edit/", data)
    assert response.status_code == 200 and "已被他人修改，请刷新后再操作" in response.content.decode()
    assert live.open_revision().data["body"] == "主管先改"


# ---------------------------------------------------------------- diff bounds


def test_a_huge_version_number_in_a_diff_is_not_found_not_a_server_error(client, users, live):
    api = api_as(users["agent"])
    assert api.get(f"/knowledge/{live.pk}/diff", {"old": 1, "new": 10**20}).status_code == 422
    assert api.get(f"/knowledge/{live.pk}/diff", {"old": 1, "new": 2**31}).status_code == 422
    assert services.version_pair(live, 1, 2**63) is None
    client.force_login(users["agent"])
    client.raise_request_exception = False
    assert client.get(f"/knowledge/{live.pk}/diff/1/{10**20}/").status_code == 404


# ---------------------------------------------------------------- imports


def test_reimporting_an_export_leaves_unchanged_articles_alone(users, live, publish):
    other = publish("问答甲", "正文甲", tags="停水，供水")
    # Tags as older data holds them (before the form normalised them), in the article and in a revision.
    Article.objects.filter(pk=other.pk).update(tags="停水，供水")
    Article.objects.filter(pk=live.pk).update(tags="停水, 供水")
    exported = importexport.export_json(Article.objects.all())
    result = importexport.import_upload(SimpleUploadedFile("k.json", exported.encode()), users["supervisor"])
    assert not result.revised and len(result.unchanged) == 2
    assert Article.objects.get(pk=live.pk).open_revision() is None
    services.update(other, users["agent"], {"body": "修订正文"}, partial=True)
    ArticleRevision.objects.filter(article=other).update(data={**other.open_revision().data, "tags": "停水、 供水"})
    rows = json.loads(importexport.export_json(Article.objects.filter(pk=other.pk)))
    rows[0]["body"] = "修订正文"
    assert importexport.import_rows(rows, users["supervisor"], importexport.json_place).unchanged == [other]


def test_tags_are_stored_in_one_form(users):
    article = services.create(users["agent"], {"kind": "qa", "title": "标签", "body": "正文", "visibility": "internal",
                                               "tags": " 停水，供水、 公告 ,,"})
    assert Article.objects.get(pk=article.pk).tags == "停水,供水,公告"


def test_a_repeated_id_is_a_row_error_even_if_no_article_has_it(users, live):
    rows = [{"id": 99999, "kind": "qa", "title": "甲", "body": "正文"}, {"id": 99999, "kind": "qa", "title": "乙", "body": "正文"}]
    with pytest.raises(importexport.ImportRejected) as rejected:
        importexport.import_rows(rows, users["supervisor"], importexport.json_place)
    assert any("第 2 条" in problem and "99999" in problem for problem in rejected.value.problems)
    assert not Article.objects.filter(title__in=["甲", "乙"]).exists()


def test_a_workflow_error_during_an_import_rejects_the_whole_file(client, users, live, monkeypatch):
    """A category deactivated between the check of the rows and their saving: nothing is imported, no 500."""
    create = services.create

    def deactivating_create(user, data, note=""):
        if data.get("title") == "乙":
            Category.objects.filter(code="010101").update(active=False)
        return create(user, data, note=note)

    monkeypatch.setattr(services, "create", deactivating_create)
    rows = [{"kind": "qa", "title": "甲", "body": "正文"}, {"kind": "qa", "title": "乙", "body": "正文", "categories": ["010101"]}]
    with pytest.raises(importexport.ImportRejected) as rejected:
        importexport.import_rows(rows, users["supervisor"], importexport.json_place)
    assert rejected.value.problems[0].startswith("第 2 条")
    assert not Article.objects.filter(title__in=["甲", "乙"]).exists()

    Category.objects.filter(code="010101").update(active=True)
    client.force_login(users["supervisor"])
    upload = SimpleUploadedFile("k.json", json.dumps(rows, ensure_ascii=False).encode())
    response = client.post("/knowledge/import/", {"file": upload})
    assert response.status_code == 302
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(message.startswith("第 2 条") for message in shown), shown
    assert not Article.objects.filter(title__in=["甲", "乙"]).exists()
