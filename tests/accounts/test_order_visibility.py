"""Who sees which orders: centre roles everything, a unit what it (or a sub-unit) was ever given."""

import pytest

from rexian.accounts.models import User
from rexian.orders.models import WorkOrder


def dispatch_to(unit):
    return ("dispatch", "dispatcher", {"unit": unit})


@pytest.fixture
def orders(make_order, take):
    """passed_down: 住建局 → 物业科; housing: 住建局 only; urban: 城管局; moved: 住建局 returned it,
    now at 城管局; fresh: not dispatched."""
    return {
        "passed_down": take(make_order(), dispatch_to("ZJJ"), ("accept", "housing", {}),
                            ("pass_down", "housing", {"unit": "ZJJ-WY"})),
        "housing": take(make_order(), dispatch_to("ZJJ")),
        "urban": take(make_order(), dispatch_to("CGJ")),
        "moved": take(make_order(), dispatch_to("ZJJ"), ("return", "housing", {"reason": "不归我管"}),
                      ("reassign", "dispatcher", {"unit": "CGJ"})),
        "fresh": make_order(),
    }


def visible(user, orders):
    seen = set(WorkOrder.objects.visible_to(user).values_list("pk", flat=True))
    return {name for name, order in orders.items() if order.pk in seen}


@pytest.mark.parametrize("who", ["agent", "dispatcher", "reviewer", "callback", "supervisor", "admin"])
def test_centre_roles_see_every_order(users, orders, who):
    assert visible(users[who], orders) == set(orders)


def test_a_unit_sees_what_it_or_its_sub_units_were_ever_given(users, orders):
    assert visible(users["housing"], orders) == {"passed_down", "housing", "moved"}


def test_a_sub_unit_sees_only_what_was_passed_down_to_it(users, orders):
    assert visible(users["property"], orders) == {"passed_down"}


def test_another_unit_sees_only_its_own(users, orders):
    assert visible(users["urban"], orders) == {"urban", "moved"}


def test_a_unit_with_nothing_assigned_sees_nothing(city, orders):
    street = User.objects.create_user("sam", password="correct-horse-battery", role="department",
                                      department=city["street"])
    assert visible(street, orders) == set()


def test_a_department_user_without_a_unit_sees_nothing(orders):
    loose = User.objects.create_user("lou", password="correct-horse-battery", role="department")
    assert visible(loose, orders) == set()


def test_a_deactivated_user_sees_nothing(users, orders):
    users["dispatcher"].is_active = False
    assert visible(users["dispatcher"], orders) == set()


def test_an_anonymous_user_sees_nothing(orders):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser(), orders) == set()
    assert visible(None, orders) == set()


def test_a_unit_whose_id_extends_anothers_is_not_its_sub_unit(users, city, take, make_order):
    # Paths are "/<id>/": the unit with id 10·n (path "/n0/") must not count as under unit n ("/n/").
    from rexian.directory.models import Department

    housing = city["housing"]
    lookalike = Department.objects.create(pk=housing.pk * 10, code="LOOK", name="另一个局")
    assert lookalike.path.startswith(housing.path.rstrip("/"))
    order = take(make_order(), dispatch_to("LOOK"))
    assert order.pk not in set(WorkOrder.objects.visible_to(users["housing"]).values_list("pk", flat=True))
    assert order.pk in set(WorkOrder.objects.visible_to(users["dispatcher"]).values_list("pk", flat=True))
