import contextlib
import io
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from rexian.knowledge import importexport, services
from rexian.knowledge.choices import UsageKind
from rexian.knowledge.models import Article, ArticleUsage
from rexian.orders.services.errors import InvalidInput, InvalidTransition, NotAllowed

DRAFT = {"kind": "guide", "title": "居住证办理", "body": "第一步：登记。\n第二步：领证。", "visibility": "public"}


def test_every_edit_keeps_a_version_and_the_diff_shows_the_change(users):
    article = services.create(users["agent"], DRAFT)
    services.update(article, users["agent"], {**DRAFT, "body": "第一步：网上登记。\n第二步：领证。"}, note="改为网上登记")
    article.refresh_from_db()
    assert article.version == 2
    old, new = article.versions.order_by("number")
    lines = services.diff(old, new)
    assert ("-", "第一步：登记。") in lines and ("+", "第一步：网上登记。") in lines
    assert (" ", "第二步：领证。") in lines


def test_the_lifecycle_refuses_steps_out_of_order_and_by_the_wrong_role(users):
    article = services.create(users["agent"], DRAFT)
    with pytest.raises(InvalidTransition) as refused:
        services.transition(article, "publish", users["reviewer"])
    assert "草稿" in refused.value.message and refused.value.details["allowed"] == ["submit"]
    services.transition(article, "submit", users["agent"])
    with pytest.raises(NotAllowed):
        services.transition(article, "publish", users["agent"])
    with pytest.raises(InvalidInput):
        services.transition(article, "reject", users["reviewer"])  # a rejection needs a note
    services.transition(article, "reject", users["reviewer"], note="请补充材料清单")
    article.refresh_from_db()
    assert article.status == "draft"
    assert list(article.events.values_list("action", flat=True)) == ["create", "submit", "reject"]


def test_a_published_article_is_revised_not_edited_in_place(users):
    article = services.create(users["agent"], DRAFT)
    services.transition(article, "submit", users["agent"])
    services.transition(article, "publish", users["reviewer"])
    services.update(article, users["agent"], {**DRAFT, "title": "居住证办理（新）"})
    live = Article.objects.get(pk=article.pk)
    assert (live.status, live.title, live.version) == ("published", "居住证办理", 1)
    assert live.open_revision().title == "居住证办理（新）"


def test_department_staff_keep_only_their_own_units_articles(users, city):
    own = {**DRAFT, "kind": "duties", "department": city["housing"].code}
    article = services.create(users["housing"], own)
    assert article.department == city["housing"]
    with pytest.raises(NotAllowed):
        services.create(users["housing"], {**own, "department": city["urban"].code})
    with pytest.raises(NotAllowed):
        services.update(article, users["urban"], own)


def test_a_policy_needs_its_issuing_body_or_document_number(users):
    with pytest.raises(InvalidInput) as refused:
        services.create(users["agent"], {**DRAFT, "kind": "policy"})
    assert "document_number" in refused.value.errors


def test_answering_with_an_article_closes_the_order_and_counts_the_use(users, make_order, publish):
    article = publish("燃气报修", "燃气泄漏请拨打燃气公司 24 小时电话。")
    order = services.answer_with_article(make_order(order_type="consult"), article, users["agent"])
    assert order.state in ("callback", "closed")
    assert order.events.filter(action="direct_answer", data__reference__startswith=f"知识#{article.pk}").exists()
    assert ArticleUsage.objects.filter(article=article, order=order, kind="used").count() == 1
    assert Article.objects.get(pk=article.pk).used_count == 1


def test_an_article_not_in_force_cannot_answer(users, make_order):
    draft = services.create(users["agent"], DRAFT)
    order = make_order(order_type="consult")
    with pytest.raises(InvalidInput):
        services.answer_with_article(order, draft, users["agent"])
    order.refresh_from_db()
    assert order.state == "registered"


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["类型", "标题", "正文", "适用分类编码", "责任单位编码", "公开范围", "标签"])
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def test_xlsx_import_creates_drafts_with_chinese_headers_and_labels(users, city):
    rows = importexport.read_xlsx(_xlsx([["问答", "公积金提取", "可提取", city["category"].code, "ZJJ", "公开", "公积金"]]))
    result = importexport.import_rows(rows, users["supervisor"])
    (article,) = result.created
    assert (article.kind, article.status, article.visibility) == ("qa", "draft", "public")
    assert list(article.categories.values_list("code", flat=True)) == [city["category"].code]


def test_one_bad_row_imports_nothing_and_names_the_row(users):
    rows = importexport.read_xlsx(_xlsx([["问答", "好的一条", "正文", "", "", "公开", ""], ["问答", "", "没有标题", "", "", "公开", ""],
                                          ["问答", "单位不存在", "正文", "", "NOPE", "公开", ""]]))
    with pytest.raises(importexport.ImportRejected) as rejected:
        importexport.import_rows(rows, users["supervisor"])
    assert any(problem.startswith("第 3 行 标题") for problem in rejected.value.problems)
    assert any(problem.startswith("第 4 行 责任单位编码") for problem in rejected.value.problems)
    assert Article.objects.count() == 0


def test_json_export_and_import_round_trip(users, publish):
    publish("低保申请", "向户籍所在地街道提出申请。", tags="低保,救助")
    exported = importexport.export_json(Article.objects.all())
    rows = importexport.read_json(exported.encode())
    assert rows[0]["tags"] == "低保,救助"
    Article.objects.all().delete()  # into a knowledge base without it (with it, see test_revisions.py)
    copy = importexport.import_rows(rows, users["supervisor"]).created[0]
    assert (copy.title, copy.body, copy.status) == ("低保申请", "向户籍所在地街道提出申请。", "draft")


@pytest.mark.parametrize("content", [b"not json", b'{"a": 1}', b"\xff\xfe"])
def test_malformed_json_is_refused_clearly(content):
    with pytest.raises(importexport.ImportRejected):
        importexport.read_json(content)


def test_a_file_that_is_not_xlsx_is_refused_clearly():
    with pytest.raises(importexport.ImportRejected) as rejected:
        importexport.read_xlsx(io.BytesIO(json.dumps([1]).encode()))
    assert "XLSX" in rejected.value.problems[0]


def test_expiry_leaves_an_article_a_publisher_withdrew_meanwhile(users, publish, monkeypatch):
    yesterday = timezone.localdate() - timedelta(days=1)
    article = publish("旧规定", "停水须提前通知。", expires_on=yesterday.isoformat(),
                      effective_from=(yesterday - timedelta(days=30)).isoformat())
    real_atomic, withdrawn = transaction.atomic, []

    @contextlib.contextmanager
    def withdrawn_just_before(*args, **kwargs):
        if not withdrawn:  # the expiry job found the article; a publisher withdraws it before the job's transaction
            withdrawn.append(article.pk)
            services.transition(Article.objects.get(pk=article.pk), "withdraw", users["reviewer"])
        with real_atomic(*args, **kwargs):
            yield

    monkeypatch.setattr(services.transaction, "atomic", withdrawn_just_before)
    assert services.expire_due() == 0
    monkeypatch.setattr(services.transaction, "atomic", real_atomic)
    article.refresh_from_db()
    assert article.status == "withdrawn"
    assert list(article.events.values_list("action", flat=True)) == ["create", "submit", "publish", "withdraw"]


def test_did_not_help_counts_once_per_user_article_and_day(users, publish):
    article = publish("燃气报修", "燃气泄漏请拨打燃气公司电话。")
    assert services.record_usage(article, users["agent"], UsageKind.NOT_HELPFUL, query="燃气")
    assert not services.record_usage(article, users["agent"], UsageKind.NOT_HELPFUL, query="燃气")
    assert services.record_usage(article, users["dispatcher"], UsageKind.NOT_HELPFUL)
    ArticleUsage.objects.update(created_at=timezone.now() - timedelta(days=1))
    assert services.record_usage(article, users["agent"], UsageKind.NOT_HELPFUL)
    assert Article.objects.get(pk=article.pk).not_helpful_count == 3
    assert ArticleUsage.objects.filter(kind="not_helpful").count() == 3


def test_a_use_and_its_count_are_written_together_or_not_at_all(users, publish, monkeypatch):
    article = publish("燃气报修", "燃气泄漏请拨打燃气公司电话。")

    def failing(name):
        raise RuntimeError("the counter could not be written")

    monkeypatch.setattr(services, "F", failing)
    with pytest.raises(RuntimeError):
        services.record_usage(article, users["agent"], UsageKind.NOT_HELPFUL)
    assert not ArticleUsage.objects.exists()
