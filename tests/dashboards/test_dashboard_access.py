"""Who may open the dashboards: supervisors and admins; everyone else gets the 403 page."""

import pytest
from django.urls import reverse

PAGES = ["overview", "units", "categories", "calls", "monitoring"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_it_renders_each_page_for_supervisors_and_admins(login, page, role):
    response = login(role).get(reverse(f"dashboards:{page}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html and "统计看板" in html
    assert 'aria-current="page"' in html  # the page's own tab


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["agent", "housing", "dispatcher", "callback"])
def test_it_refuses_other_roles(login, page, role):
    client = login(role)
    assert client.get(reverse(f"dashboards:{page}")).status_code == 403
    assert client.get(reverse(f"dashboards:{page}"), {"format": "xlsx", "table": "daily"}).status_code == 403


def test_it_refuses_an_upload_from_another_role(login):
    response = login("agent").post(reverse("dashboards:monitoring"), {})
    assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(client, db, page):
    response = client.get(reverse(f"dashboards:{page}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_keeps_the_chosen_period_when_switching_tabs(login):
    response = login("supervisor").get(reverse("dashboards:units"), {"from": "2026-01-01", "to": "2026-01-31"})
    html = response.content.decode()
    assert f'{reverse("dashboards:categories")}?from=2026-01-01&amp;to=2026-01-31' in html
    assert f'href="{reverse("dashboards:monitoring")}"' in html  # the monitoring page has no period
