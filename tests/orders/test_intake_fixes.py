"""Intake: an answer the agent chose is given or nothing is registered; a merged order
counts as open in the caller's history."""

import datetime as dt

import pytest
from django.urls import reverse

from rexian.knowledge import services as knowledge
from rexian.knowledge.models import ArticleUsage
from rexian.orders.models import WorkOrder
from rexian.orders.services import workflow

pytestmark = pytest.mark.django_db

INTAKE = {"phone": "13911112222", "name": "王五", "order_type": "consult", "urgency": "normal", "channel": "phone",
          "category": "010101", "title": "公积金怎么提取", "content": "想咨询住房公积金提取需要什么材料"}


@pytest.fixture
def article(users):
    article = knowledge.create(users["supervisor"], {"kind": "qa", "title": "住房公积金提取", "body": "购房可提取。",
                                                     "visibility": "internal"})
    knowledge.transition(article, "submit", users["supervisor"])
    return knowledge.transition(article, "publish", users["reviewer"])


@pytest.fixture
def agent(client, users, city):
    client.force_login(users["agent"])
    return client


def _post(agent, **extra):
    return agent.post(reverse("orders:intake"), {**INTAKE, **extra}, follow=True)


# ---------------------------------------------------------------- direct answer with a stale article (item 5)


def test_it_refuses_to_register_when_the_chosen_article_was_withdrawn(agent, article, users):
    knowledge.transition(article, "withdraw", users["reviewer"])
    response = _post(agent, answer_article=article.pk, answer_content=article.body)
    page = response.content.decode()
    assert response.status_code == 200 and not response.redirect_chain
    assert "住房公积金提取" in page and "不再是现行口径" in page and "工单未受理" in page
    assert "另选一条现行知识" in page
    assert not WorkOrder.objects.exists()
    assert not ArticleUsage.objects.filter(kind="used").exists()
    assert 'value="公积金怎么提取"' in page  # what the agent typed is kept


def test_it_refuses_to_register_when_the_chosen_article_expired(agent, article):
    type(article).objects.filter(pk=article.pk).update(expires_on=dt.date(2026, 3, 1))  # the clock says 2026-03-02
    page = _post(agent, answer_article=article.pk).content.decode()
    assert "已撤回或失效" in page
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("choice", ["999999", "²", "abc"])  # ² is a digit to str.isdigit(), not to int()
def test_it_refuses_to_register_with_an_unknown_article(agent, choice):
    page = _post(agent, answer_article=choice).content.decode()
    assert "所选的答复知识不存在" in page
    assert not WorkOrder.objects.exists()


def test_it_registers_and_answers_with_a_current_article(agent, article):
    response = _post(agent, answer_article=article.pk)
    order = WorkOrder.objects.get()
    assert response.redirect_chain and order.replies.get(direct=True)
    assert "直接答复" in response.content.decode()


def test_it_registers_without_an_answer_when_none_was_chosen(agent):
    response = _post(agent, answer_article="")
    assert response.redirect_chain and WorkOrder.objects.get().state == "registered"


# ---------------------------------------------------------------- caller history (item 3)


def test_a_merged_order_counts_as_open_in_the_callers_history(agent, make_order, users):
    master = make_order(phone="13800000001", title="幸福小区电梯故障（主）")
    mine = workflow.perform(make_order(phone="13911112222"), "merge", users["dispatcher"], {"master": master.number})
    assert mine.state == "merged" and mine.is_open
    data = agent.get(reverse("orders:caller_history"), {"phone": "13911112222"}).json()
    assert data["open_count"] == 1
    assert data["orders"][0]["open"] is True and data["orders"][0]["state_label"] == "已并单"


def test_closed_orders_are_still_not_open(make_order, users):
    order = workflow.perform(make_order(), "void", users["agent"], {"reason": "重复来电"})
    assert not order.is_open

