"""Revisions: a published article stays in service while its correction is drafted and reviewed."""

import json
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from rexian.knowledge import importexport, services
from rexian.knowledge.choices import UsageKind
from rexian.knowledge.models import Article, ArticleRevision, ArticleUsage, ArticleVersion, Posting
from rexian.knowledge.search import search
from rexian.orders.services.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from tests.api.api_helpers import api_as, error
from tests.racing import race

OLD_BODY = "停水须提前二十四小时通知居委会。"
NEW_BODY = "停水须提前四十八小时通知，并在小区张贴公告。"


@pytest.fixture
def live(publish):
    """A public, current policy answer in service."""
    return publish("计划停水通知", OLD_BODY, visibility="public", categories=["010101"], tags="停水")


def ids(query, **options):
    return [hit.article.pk for hit in search(query, **options)]


def postings(article):
    return sorted(Posting.objects.filter(article=article).values_list("term", "frequency", "weight"))


def revise(article, user, **changes):
    """Save a change to the article's revision (opening one) and return the revision."""
    services.update(article, user, changes, partial=True, note="改为四十八小时")
    return Article.objects.get(pk=article.pk).open_revision()


def in_review(article, users, **changes):
    revision = revise(article, users["agent"], **changes)
    services.transition(article, "submit_revision", users["agent"])
    return revision


# ---------------------------------------------------------------- the live article stays in service


def test_it_keeps_the_live_article_current_searchable_and_public_while_revised(client, users, live):
    indexed = postings(live)
    in_review(live, users, body=NEW_BODY)
    article = Article.objects.get(pk=live.pk)
    assert (article.status, article.version, article.body) == ("published", 1, OLD_BODY) and article.is_current()
    assert postings(article) == indexed
    assert ids("居委会") == [live.pk] and ids("公告") == []
    assert ids("停水", public_only=True) == [live.pk]
    assert OLD_BODY in client.get(f"/public/knowledge/{live.pk}/").content.decode()
    client.force_login(users["agent"])
    assert [a["id"] for a in client.get("/knowledge/suggest/", {"q": "停水"}).json()["articles"]] == [live.pk]


def test_publishing_a_revision_replaces_the_content_as_a_new_version_and_reindexes(users, live):
    revision = in_review(live, users, body=NEW_BODY)
    services.transition(live, "publish_revision", users["reviewer"])
    article = Article.objects.get(pk=live.pk)
    assert (article.status, article.version, article.body, article.title) == ("published", 2, NEW_BODY, "计划停水通知")
    assert list(article.categories.values_list("code", flat=True)) == ["010101"]
    assert ids("公告") == [live.pk] and ids("居委会") == []
    kept = article.versions.get(number=2)
    assert (kept.note, kept.author) == ("改为四十八小时", users["agent"])
    assert ("+", NEW_BODY) in services.diff(article.versions.get(number=1), kept)
    revision.refresh_from_db()
    assert (revision.status, revision.published_version) == ("published", 2)
    assert article.open_revision() is None
    assert list(article.events.values_list("action", "revision")) == [
        ("create", None), ("submit", None), ("publish", None), ("revise", revision.pk), ("edit_revision", revision.pk),
        ("submit_revision", revision.pk), ("publish_revision", revision.pk),
    ]


def test_publishing_a_revision_is_all_or_nothing(users, live, monkeypatch):
    indexed = postings(live)
    revision = in_review(live, users, body=NEW_BODY)

    def broken(article):
        raise RuntimeError("the index could not be written")

    monkeypatch.setattr(services, "reindex", broken)
    with pytest.raises(RuntimeError):
        services.transition(live, "publish_revision", users["reviewer"])
    article = Article.objects.get(pk=live.pk)
    assert (article.version, article.body) == (1, OLD_BODY) and postings(article) == indexed
    assert not ArticleVersion.objects.filter(article=article, number=2).exists()
    assert ArticleRevision.objects.get(pk=revision.pk).status == "review"
    assert not article.events.filter(action="publish_revision").exists()


def test_a_rejected_revision_goes_back_to_its_editor_with_the_reason(users, live):
    revision = in_review(live, users, body=NEW_BODY)
    with pytest.raises(InvalidInput):
        services.transition(live, "reject_revision", users["reviewer"])
    services.transition(live, "reject_revision", users["reviewer"], note="请写明文件依据")
    revision.refresh_from_db()
    assert revision.status == "draft"
    assert live.events.get(action="reject_revision").note == "请写明文件依据"
    assert services.allowed_actions(live, users["agent"]) == ["submit_revision", "discard_revision"]
    revise(live, users["agent"], source="市水务局通知")
    assert ArticleRevision.objects.get(pk=revision.pk).data["body"] == NEW_BODY  # the rest of the revision is kept
    assert Article.objects.get(pk=live.pk).body == OLD_BODY


def test_a_discarded_revision_is_dropped_logged_and_another_can_be_opened(users, live):
    revision = in_review(live, users, body=NEW_BODY)
    services.transition(live, "discard_revision", users["agent"], note="政策未变")
    assert ArticleRevision.objects.get(pk=revision.pk).status == "discarded"
    assert live.events.get(action="discard_revision").note == "政策未变"
    assert live.open_revision() is None and Article.objects.get(pk=live.pk).body == OLD_BODY
    services.transition(live, "revise", users["agent"])
    fresh = live.open_revision()
    assert fresh.pk != revision.pk and fresh.data["body"] == OLD_BODY  # a new one starts from the live content


def test_an_article_has_at_most_one_open_revision(users, live):
    services.transition(live, "revise", users["agent"])
    with pytest.raises(InvalidTransition) as refused:
        services.transition(live, "revise", users["supervisor"])
    assert "已有一份“草稿”的修订" in refused.value.message
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleRevision.objects.create(article=live, data={}, version=1, base_version=1)


def test_revision_steps_out_of_order_are_refused_naming_what_is_allowed(users, live, publish):
    with pytest.raises(InvalidTransition) as refused:
        services.transition(live, "submit_revision", users["agent"])
    assert "没有进行中的修订" in refused.value.message and refused.value.details["allowed"] == ["revise"]
    draft = services.create(users["agent"], {"kind": "qa", "title": "草稿", "body": "正文", "visibility": "internal"})
    with pytest.raises(InvalidTransition):
        services.transition(draft, "revise", users["agent"])
    services.transition(live, "revise", users["agent"])
    with pytest.raises(InvalidTransition):
        services.transition(live, "publish_revision", users["reviewer"])  # not submitted yet


def test_a_revision_is_checked_like_any_edit_and_against_the_version_last_seen(users, live):
    with pytest.raises(InvalidInput):
        services.update(live, users["agent"], {"kind": "policy"}, partial=True)  # a policy needs its document number
    assert live.open_revision() is None
    seen = changes(live)
    services.update(live, users["agent"], {"body": NEW_BODY}, partial=True, expected_version=seen)
    assert live.open_revision().version == 2
    # Opening the revision and saving it are two changes: the counter the client saw is stale.
    assert changes(live) == seen + 2
    with pytest.raises(Conflict) as stale:
        services.update(live, users["supervisor"], {"body": "另一种改法"}, partial=True, expected_version=seen)
    assert stale.value.details["version"] == seen + 2
    services.update(live, users["supervisor"], {"tags": "停水,公告"}, partial=True, expected_version=seen + 2)
    data = live.open_revision().data
    assert (data["body"], data["tags"], data["categories"]) == (NEW_BODY, "停水,公告", ["010101"])


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize("role, allowed", [
    ("agent", ["revise"]), ("dispatcher", ["revise"]), ("callback", []), ("urban", []), ("housing", []),
    ("reviewer", ["withdraw", "revise"]), ("supervisor", ["withdraw", "revise"]), ("admin", ["withdraw", "revise"]),
])
def test_editors_open_revisions_and_publishers_also_withdraw(users, live, role, allowed):
    assert services.allowed_actions(live, users[role]) == allowed
    if "revise" not in allowed:
        with pytest.raises(NotAllowed):
            services.transition(live, "revise", users[role])


@pytest.mark.parametrize("role, allowed", [
    ("agent", ["discard_revision"]), ("callback", []),
    ("reviewer", ["withdraw", "publish_revision", "reject_revision", "discard_revision"]),
])
def test_only_publishers_publish_or_reject_a_revision(users, live, role, allowed):
    in_review(live, users, body=NEW_BODY)
    assert services.allowed_actions(live, users[role]) == allowed
    for action in {"publish_revision", "reject_revision"} - set(allowed):
        with pytest.raises(NotAllowed):
            services.transition(live, action, users[role], note="x")


def test_department_staff_revise_only_their_own_units_articles(users, city, publish):
    own = publish("住建局职责", "负责住房保障。", kind="duties", department=city["housing"].code)
    other = publish("城管局职责", "负责市容管理。", kind="duties", department=city["urban"].code)
    with pytest.raises(NotAllowed):
        services.update(other, users["housing"], {"body": "改"}, partial=True)
    with pytest.raises(NotAllowed):
        services.update(own, users["housing"], {"department": city["urban"].code}, partial=True)
    services.update(own, users["housing"], {"body": "负责住房保障和物业监管。"}, partial=True)
    services.transition(own, "submit_revision", users["housing"])
    with pytest.raises(NotAllowed):
        services.transition(own, "publish_revision", users["housing"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_cannot_open_two_revisions(users, live, monkeypatch):
    real = Article.open_revision

    def slow(article):
        found = real(article)
        time.sleep(0.3)  # both requests are past their check if nothing serialises them
        return found

    monkeypatch.setattr(Article, "open_revision", slow)
    results = race(
        lambda: services.update(live, users["agent"], {"body": "甲的改法"}, partial=True),
        lambda: services.update(live, users["dispatcher"], {"body": "乙的改法"}, partial=True),
    )
    assert not any(isinstance(result, Exception) for result in results), results
    (revision,) = ArticleRevision.objects.filter(article=live)
    assert revision.version == 3  # opened by one, then saved by both in turn
    results = race(
        lambda: services.transition(live, "discard_revision", users["agent"]),
        lambda: services.transition(live, "discard_revision", users["dispatcher"]),
    )
    assert sorted(type(result).__name__ for result in results) == ["Article", "InvalidTransition"]
    results = race(
        lambda: services.transition(live, "revise", users["agent"]),
        lambda: services.transition(live, "revise", users["dispatcher"]),
    )
    assert sorted(type(result).__name__ for result in results) == ["Article", "InvalidTransition"], results
    assert ArticleRevision.objects.filter(article=live, status__in=["draft", "review"]).count() == 1


# ---------------------------------------------------------------- expiry and withdrawal


def test_a_revision_renews_an_expired_article(users, publish):
    yesterday = timezone.localdate() - timedelta(days=1)
    article = publish("供暖补贴", "补贴标准每户五百元。", effective_from=(yesterday - timedelta(days=365)).isoformat(),
                      expires_on=yesterday.isoformat())
    revise(article, users["agent"], body="补贴标准每户六百元。", expires_on=(yesterday + timedelta(days=366)).isoformat())
    assert services.expire_due() == 1  # the open revision does not keep the old text in service
    assert Article.objects.get(pk=article.pk).status == "expired" and ids("补贴") == []
    assert article.open_revision().status == "draft"
    services.transition(article, "submit_revision", users["agent"])
    services.transition(article, "publish_revision", users["reviewer"])
    article.refresh_from_db()
    assert article.status == "published" and article.is_current() and ids("六百元") == [article.pk]
    assert article.events.get(action="publish_revision").from_status == "expired"


def test_a_revision_whose_new_expiry_has_passed_leaves_the_article_expired(users, publish):
    yesterday = timezone.localdate() - timedelta(days=1)
    article = publish("旧补贴", "已停止。", expires_on=yesterday.isoformat())
    services.expire_due()
    in_review(article, users, body="仍已停止。")
    services.transition(article, "publish_revision", users["reviewer"])
    article.refresh_from_db()
    assert (article.status, article.version, article.body) == ("expired", 2, "仍已停止。") and ids("停止") == []


def test_withdrawal_keeps_the_open_revision_and_publishing_it_brings_the_article_back(users, live):
    in_review(live, users, body=NEW_BODY)
    services.transition(live, "withdraw", users["reviewer"], note="口径有误")
    assert ids("停水") == [] and live.open_revision().status == "review"
    services.transition(live, "publish_revision", users["supervisor"])
    assert Article.objects.get(pk=live.pk).status == "published" and ids("公告") == [live.pk]


# ---------------------------------------------------------------- which version answered


def test_a_direct_answer_records_the_version_it_cited(users, live, make_order):
    in_review(live, users, body=NEW_BODY)
    services.transition(live, "publish_revision", users["reviewer"])
    order = services.answer_with_article(make_order(order_type="consult"), live, users["agent"])
    event = order.events.get(action="direct_answer")
    assert event.data["reference"] == f"知识#{live.pk} 第2版 计划停水通知"
    assert ArticleUsage.objects.get(order=order).article_version == 2
    assert order.replies.get().content == NEW_BODY  # the version in service, not the one the caller held


def test_a_direct_answer_rechecks_the_article_under_its_lock(users, live, make_order):
    order = make_order(order_type="consult")
    services.transition(Article.objects.get(pk=live.pk), "withdraw", users["reviewer"])
    with pytest.raises(InvalidInput):
        services.answer_with_article(order, live, users["agent"])  # `live` still says published
    assert not ArticleUsage.objects.exists()


def test_did_not_help_records_the_version_judged(users, live):
    services.record_usage(live, users["agent"], UsageKind.NOT_HELPFUL)
    assert ArticleUsage.objects.get().article_version == 1


def test_the_intake_answer_records_the_version(client, users, live):
    in_review(live, users, body=NEW_BODY)
    services.transition(live, "publish_revision", users["reviewer"])
    client.force_login(users["agent"])
    client.post(reverse("orders:intake"), {
        "phone": "13911112222", "name": "王五", "order_type": "consult", "urgency": "normal", "channel": "phone",
        "category": "010101", "title": "停水多久前通知", "content": "想问停水要提前多久通知", "answer_article": live.pk,
    })
    usage = ArticleUsage.objects.get(kind="used")
    assert usage.article_version == 2
    assert usage.order.events.get(action="direct_answer").data["reference"].startswith(f"知识#{live.pk} 第2版")


# ---------------------------------------------------------------- web pages


def test_the_detail_page_shows_the_revision_and_its_diff_beside_the_live_text(client, users, live):
    in_review(live, users, body=NEW_BODY)
    client.force_login(users["reviewer"])
    page = client.get(f"/knowledge/{live.pk}/").content.decode()
    assert "有待审核的修订" in page and OLD_BODY in page
    assert f"- {OLD_BODY}" in page and f"+ {NEW_BODY}" in page
    assert f"/knowledge/{live.pk}/publish_revision/" in page and f"/knowledge/{live.pk}/reject_revision/" in page


def test_the_edit_page_edits_the_revision_not_the_live_article(client, users, live):
    client.force_login(users["agent"])
    assert f'href="/knowledge/{live.pk}/edit/"' not in client.get(f"/knowledge/{live.pk}/").content.decode()
    opened = client.post(f"/knowledge/{live.pk}/revise/", {"version": changes(live)})
    assert opened["Location"] == f"/knowledge/{live.pk}/edit/"
    form = client.get(opened["Location"]).content.decode()
    assert "这里编辑的是修订" in form and OLD_BODY in form
    data = {**services.form_values(live), "body": NEW_BODY, "note": "改为四十八小时"}
    saved = client.post(f"/knowledge/{live.pk}/edit/", data)
    assert saved.status_code == 302 and saved["Location"].endswith("#revision")
    assert Article.objects.get(pk=live.pk).body == OLD_BODY
    assert live.open_revision().data["body"] == NEW_BODY
    assert NEW_BODY in client.get(f"/knowledge/{live.pk}/edit/").content.decode()


def test_reviewers_see_the_revisions_waiting_and_publish_one_over_http(client, users, live):
    in_review(live, users, title="计划停水通知（2027 年版）", body=NEW_BODY)
    client.force_login(users["reviewer"])
    listing = client.get("/knowledge/").content.decode()
    assert "待审核的修订" in listing and "计划停水通知（2027 年版）" in listing
    client.force_login(users["agent"])
    assert "待审核的修订" not in client.get("/knowledge/").content.decode()
    client.force_login(users["reviewer"])
    assert client.post(f"/knowledge/{live.pk}/publish_revision/", {"version": changes(live)}).status_code == 302
    assert Article.objects.get(pk=live.pk).title == "计划停水通知（2027 年版）"


# ---------------------------------------------------------------- API


def changes(article) -> int:
    """The article's change counter (its ETag) as stored now."""
    return Article.objects.values_list("changes", flat=True).get(pk=article.pk)


def send(api, method, path, body, **headers):
    return api.request(method, path, data=json.dumps(body), content_type="application/json", **headers)


def test_patch_of_a_published_article_edits_its_revision(users, live):
    api = api_as(users["agent"])
    got = api.get(f"/knowledge/{live.pk}")
    seen = changes(live)
    assert got["ETag"] == f'"{seen}"' and got.json()["changes"] == seen
    assert got.json()["revision"] is None and got.json()["allowed_actions"] == ["revise"]
    patched = send(api, "patch", f"/knowledge/{live.pk}", {"body": NEW_BODY, "note": "改"}, HTTP_IF_MATCH=f'"{seen}"')
    body = patched.json()
    assert patched.status_code == 200 and patched["ETag"] == f'"{seen + 2}"'  # opened, then saved
    assert body["body"] == OLD_BODY and body["version"] == 1 and body["current"]
    assert body["revision"]["status"]["code"] == "draft" and body["revision"]["version"] == 2
    assert body["allowed_actions"] == ["submit_revision", "discard_revision"]
    stale = send(api, "patch", f"/knowledge/{live.pk}", {"body": "另一种改法"}, HTTP_IF_MATCH=f'"{seen}"')
    assert stale.status_code == 409 and error(stale)["details"]["version"] == seen + 2
    put = send(api, "put", f"/knowledge/{live.pk}", {"kind": "qa", "title": "停水", "body": NEW_BODY, "visibility": "public"})
    assert put.status_code == 200 and put["ETag"] == f'"{seen + 3}"'
    revision = api.get(f"/knowledge/{live.pk}/revision")
    assert revision["ETag"] == f'"{seen + 3}"'
    content = revision.json()["content"]
    assert content["categories"] == [] and content["title"] == "停水" and content["body"] == NEW_BODY
    assert {"op": "+", "text": NEW_BODY} in revision.json()["lines"]


def test_revision_actions_over_the_api(users, live):
    agent, reviewer = api_as(users["agent"]), api_as(users["reviewer"])
    missing = agent.get(f"/knowledge/{live.pk}/revision")
    assert missing.status_code == 404 and error(missing)["code"] == "not_found"
    assert agent.post(f"/knowledge/{live.pk}/actions/revise").json()["revision"]["status"]["code"] == "draft"
    again = agent.post(f"/knowledge/{live.pk}/actions/revise")
    assert again.status_code == 409 and error(again)["code"] == "invalid_transition"
    send(agent, "patch", f"/knowledge/{live.pk}", {"body": NEW_BODY})
    agent.post(f"/knowledge/{live.pk}/actions/submit_revision")
    assert [r["article"] for r in reviewer.get("/knowledge/revisions").json()] == [live.pk]
    assert agent.post(f"/knowledge/{live.pk}/actions/publish_revision").status_code == 403
    published = reviewer.post(f"/knowledge/{live.pk}/actions/publish_revision").json()
    assert published["version"] == 2 and published["body"] == NEW_BODY and published["revision"] is None
    assert reviewer.get("/knowledge/revisions").json() == []
    assert [v["number"] for v in agent.get(f"/knowledge/{live.pk}/versions").json()] == [2, 1]


# ---------------------------------------------------------------- re-importing an export


def test_reimporting_an_export_revises_the_articles_it_names(users, live, publish):
    same = publish("低保申请", "向街道提出申请。")
    rows = json.loads(importexport.export_json(Article.objects.order_by("pk")))
    rows[0]["body"] = NEW_BODY
    rows.append({**rows[0], "id": None, "title": "新知识"})
    result = importexport.import_rows(rows, users["supervisor"], importexport.json_place)
    assert [a.title for a in result.created] == ["新知识"] and [a.pk for a in result.revised] == [live.pk]
    assert [a.pk for a in result.unchanged] == [same.pk] and same.open_revision() is None
    assert "新建 1 条" in result.report() and "1 条已有知识按文件内容修订" in result.report()
    assert Article.objects.count() == 3 and Article.objects.get(pk=live.pk).body == OLD_BODY
    assert live.open_revision().data["body"] == NEW_BODY


@pytest.mark.parametrize("ids, problem", [(["x", None], "id 应为"), ([1, 1], "是同一条知识")])
def test_a_bad_or_repeated_id_is_a_problem_of_its_row(users, live, ids, problem):
    rows = [{"id": live.pk if value == 1 else value, "kind": "qa", "title": "t", "body": "b"} for value in ids]
    with pytest.raises(importexport.ImportRejected) as rejected:
        importexport.import_rows(rows, users["supervisor"], importexport.json_place)
    assert problem in rejected.value.problems[0] and rejected.value.problems[0].startswith("第")
    assert live.open_revision() is None and Article.objects.count() == 1
