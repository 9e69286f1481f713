"""Who may open which page: every page for every role, plus login, logout and lock-out."""

import pytest
from django.urls import reverse

ROLES = ["agent", "dispatcher", "housing", "reviewer", "callback", "supervisor", "admin"]
EVERYONE = set(ROLES)
PAGES = {
    "home": EVERYONE,
    "orders:list": EVERYONE,
    "orders:notifications": EVERYONE,
    "orders:intake": {"agent", "dispatcher", "admin"},
    "orders:caller_history": {"agent", "dispatcher", "admin"},
    "orders:overview": {"supervisor", "admin"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_it_serves_each_page_only_to_the_roles_that_may_see_it(login, role, page):
    response = login(role).get(reverse(page))
    if role in PAGES[page]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()
        assert "返回工作台" in response.content.decode()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_it_sends_anonymous_users_to_the_login_page(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["agent", "dispatcher", "reviewer", "callback", "supervisor", "admin", "housing"])
def test_it_shows_the_order_detail_to_centre_staff_and_the_assigned_unit(login, dispatched, role):
    response = login(role).get(reverse("orders:detail", args=[dispatched.number]))
    assert response.status_code == 200
    assert dispatched.title in response.content.decode()


@pytest.mark.parametrize("role", ["urban", "property"])
def test_it_hides_orders_from_units_never_assigned(login, dispatched, role):
    client = login(role)
    assert client.get(reverse("orders:detail", args=[dispatched.number])).status_code == 404
    action = reverse("orders:action", args=[dispatched.number, "accept"])
    assert client.post(action, {"version": dispatched.version}).status_code == 404
    assert dispatched.number not in client.get(reverse("orders:list")).content.decode()


def test_it_shows_the_parent_unit_orders_passed_down_to_its_sub_unit(login, dispatched, act):
    act(dispatched, "accept", "housing")
    act(dispatched, "pass_down", "housing", unit="ZJJ-WY")
    response = login("property").get(reverse("orders:detail", args=[dispatched.number]))
    assert response.status_code == 200


def test_it_gives_a_friendly_404_for_unknown_orders(login):
    response = login("agent").get(reverse("orders:detail", args=["20000101-99999"]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_it_shows_role_specific_navigation(login):
    agent_page = login("agent").get(reverse("home")).content.decode()
    assert "受理登记" in agent_page and "督办总览" not in agent_page
    department_page = login("housing").get(reverse("home")).content.decode()
    assert "受理登记" not in department_page and "待签收" in department_page
    assert "市住建局" in department_page  # the header names the user's unit
    supervisor_page = login("supervisor").get(reverse("home")).content.decode()
    assert reverse("orders:overview") in supervisor_page


def test_it_logs_in_through_the_form_and_out_by_post(client, users):
    page = client.get(reverse("login"))
    assert "登录工单系统" in page.content.decode()
    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("home")
    home = client.get(reverse("home")).content.decode()
    assert "话务员" in home and "退出登录" in home
    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_it_locks_the_account_after_five_failures(client, users):
    for _attempt in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "登录失败次数过多，账号已锁定 15 分钟" in response.content.decode()
