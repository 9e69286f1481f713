"""Hot issues page and API: a burst of one complaint, a window cut by MAX_ORDERS, bad ?days= values."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rexian.accounts.models import ApiToken
from rexian.orders.models import WorkOrder
from rexian.routing import hotissues


def outage(make_order, count, phone_prefix="13900000"):
    return [
        make_order(phone=f"{phone_prefix}{n:03d}", title="幸福小区停水", content="幸福小区停水了，家里没水用。")
        for n in range(count)
    ]


def test_it_shows_a_day_of_one_complaint_as_one_issue(client, users, make_order):
    # Every word is in every order: the old method dropped them all and raised ValueError (500).
    numbers = {order.number for order in outage(make_order, 22)}
    client.force_login(users["supervisor"])
    response = client.get("/routing/hot-issues/", {"days": 1})
    assert response.status_code == 200
    page = response.content.decode()
    assert "幸福小区停水" in page and "22 件" in page and "22 位来电人" in page
    secret = ApiToken.issue(users["supervisor"])[1]
    api = client.get("/api/v1/hot-issues", {"days": 1}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    (issue,) = api.json()
    assert issue["size"] == 22 and set(issue["orders"]) == numbers


@pytest.mark.parametrize("days", ["²", "abc", "3", "-1", ""])
def test_it_falls_back_to_seven_days_with_a_notice_on_a_bad_window(client, users, days):
    client.force_login(users["supervisor"])
    response = client.get("/routing/hot-issues/", {"days": days})
    assert response.status_code == 200
    assert "无效" in response.content.decode() and response.context["days"] == 7


def test_it_says_nothing_about_the_window_when_it_is_valid(client, users):
    client.force_login(users["supervisor"])
    response = client.get("/routing/hot-issues/", {"days": 30})
    assert response.context["days"] == 30 and "无效" not in response.content.decode()


def test_a_cut_window_starts_at_the_oldest_order_read(client, users, make_order, monkeypatch):
    monkeypatch.setattr(hotissues, "MAX_ORDERS", 12)
    now = timezone.now()
    orders = outage(make_order, 14)
    # A steady matter: one order every 12 hours, the newest 2.4 hours ago.
    for n, order in enumerate(orders):
        WorkOrder.objects.filter(pk=order.pk).update(created_at=now - timedelta(hours=12 * n + 2.4))
    survey = hotissues.hot_issue_survey(7, now=now)
    assert survey.cut and survey.orders == 12
    assert survey.since == now - timedelta(hours=12 * 11 + 2.4)
    (issue,) = survey.issues
    # Window of 5.6 days: 3 orders in its last quarter, 9 before. With the full
    # 7 days as the window the missing oldest part made it 4/8, growth 1.67.
    assert (issue.recent, issue.earlier) == (3, 9)
    assert issue.growth == pytest.approx((4 / 0.25) / (10 / 0.75))
    client.force_login(users["supervisor"])
    assert "只统计了最近的 12 件" in client.get("/routing/hot-issues/", {"days": 7}).content.decode()
