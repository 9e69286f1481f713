"""The 热点诉求 panel of the supervisor overview: stored by the worker, listed live with visible_to."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rexian.core import worker
from rexian.orders.services import workflow
from rexian.routing import hotissue_store

URL = reverse("orders:overview")
WATER = {"title": "幸福小区停水", "content": "幸福小区从早上开始停水，没有任何通知"}


@pytest.fixture
def outage(make_order):
    """Three callers reporting the same water cut: one hot issue."""
    return [make_order(phone=f"1390000000{i}", **WATER) for i in range(3)]


def page_of(client, url=URL):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def test_it_offers_to_compute_when_nothing_is_stored(client, users, outage):
    client.force_login(users["supervisor"])
    response, page = page_of(client)
    assert 'id="hot-issues"' in page and "计算热点" in page and "?hot=1" in page
    assert response.context["hot_survey"] is None
    assert outage[0].number not in page.split('id="hot-issues"')[1].split("</section>")[0]


def test_the_worker_job_stores_the_survey_and_the_overview_shows_it(client, users, outage):
    (job,) = [job for job in worker.jobs(60) if job.name == "hot-issues"]
    assert job.every == 600
    job.run()
    stored = json.loads(hotissue_store.path().read_text(encoding="utf-8"))
    assert stored["days"] == 7 and set(stored["issues"][0]["ids"]) == {order.pk for order in outage}

    client.force_login(users["supervisor"])
    response, page = page_of(client)
    (issue,) = response.context["hot_issues"]
    assert issue["size"] == 3 and issue["reporters"] == 3 and issue["keywords"]
    assert "3 件 · 3 位来电人 · 增长 ×" in page and "停水" in page and "计算热点" not in page
    for order in outage:
        assert reverse("orders:detail", args=[order.number]) in page
    assert reverse("routing:hot_issues") + "?days=7" in page


def test_it_lists_the_orders_live_with_their_current_state(client, users, outage, make_order):
    hotissue_store.refresh()
    workflow.perform(outage[0], "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    client.force_login(users["supervisor"])
    response, _page = page_of(client)
    states = {order.number: order.state for order in response.context["hot_issues"][0]["orders"]}
    assert states[outage[0].number] == "dispatched" and states[outage[1].number] == "registered"


def test_computing_on_request_stores_the_survey_for_every_process(client, users, outage):
    client.force_login(users["supervisor"])
    response, page = page_of(client, URL + "?hot=1")
    assert len(response.context["hot_issues"]) == 1 and outage[0].number in page
    assert hotissue_store.path().exists()  # the next request, in any process, reads it
    assert page_of(client)[0].context["hot_issues"][0]["size"] == 3


def test_a_stale_or_unreadable_survey_is_not_shown(client, users, outage, monkeypatch):
    hotissue_store.refresh()
    later = timezone.now() + hotissue_store.MAX_AGE + timedelta(minutes=1)
    assert hotissue_store.stored(later) is None
    hotissue_store.path().write_text("{not json", encoding="utf-8")
    client.force_login(users["supervisor"])
    response, page = page_of(client)
    assert response.context["hot_survey"] is None and "计算热点" in page


def test_it_shows_at_most_five_issues(make_order, outage):
    for topic in ("光明路工地夜间噪音扰民", "东湖公园北门路灯不亮", "公交十二路经常晚点", "小区垃圾站无人清运", "燃气费突然涨价没有公示"):
        for i in range(2):
            make_order(phone=f"1370000{len(topic)}{i:02d}", title=topic, content=f"{topic}，请尽快处理。")
    assert "5 hot issues" in hotissue_store.refresh()
    assert len(hotissue_store.stored()["issues"]) == hotissue_store.TOP


def test_only_orders_the_user_may_see_are_listed(users, outage):
    # Departments cannot open the overview today (OVERVIEW_ROLES); the rows still go through visible_to.
    workflow.perform(outage[0], "dispatch", users["dispatcher"], {"unit": "ZJJ"})
    hotissue_store.refresh()
    survey = hotissue_store.stored()
    (issue,) = hotissue_store.visible_rows(survey, users["housing"])
    assert [order.number for order in issue["orders"]] == [outage[0].number]
    assert hotissue_store.visible_rows(survey, users["urban"]) == []  # no order of the issue: not even its title


@pytest.mark.parametrize("role", ["agent", "dispatcher", "housing"])
def test_other_roles_cannot_open_the_overview_or_compute(client, users, role, outage):
    client.force_login(users[role])
    assert client.get(URL + "?hot=1").status_code == 403
    assert not hotissue_store.path().exists()


def test_the_admin_sees_the_panel(client, users, outage):
    hotissue_store.refresh()
    client.force_login(users["admin"])
    assert outage[2].number in page_of(client)[1]
