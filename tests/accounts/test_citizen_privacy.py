"""What of a citizen's personal data each role sees, and that every full view is audited."""

import pytest
from django.test import RequestFactory

from rexian.core.models import AuditEntry
from rexian.orders.privacy import audited_citizen_view, citizen_view

ID_NUMBER = "110101199001011234"
MASKED = ("张*", "138****5678", "1101**********1234")
FULL = ("张三", "13812345678", ID_NUMBER)


@pytest.fixture
def order(make_order):
    return make_order(id_number=ID_NUMBER)


@pytest.fixture
def confidential(make_order):
    return make_order(id_number=ID_NUMBER, confidential=True)


def shown(view):
    return (view.name, view.phone, view.id_number)


def test_a_confidential_order_hides_the_citizen_from_a_unit_everywhere(confidential, users):
    for detail in (False, True):
        view = citizen_view(confidential, users["housing"], detail=detail)
        assert shown(view) == ("保密", "保密", "保密")
        assert (view.hidden, view.full) == (True, False)


def test_a_confidential_order_without_an_id_number_shows_no_id_placeholder(make_order, users):
    order = make_order(confidential=True)
    assert citizen_view(order, users["housing"]).id_number == ""


@pytest.mark.parametrize("who", ["agent", "callback", "admin"])
def test_roles_that_call_citizens_see_full_data_in_lists(order, confidential, users, who):
    for each in (order, confidential):
        view = citizen_view(each, users[who])
        assert shown(view) == FULL and view.full


@pytest.mark.parametrize("who", ["dispatcher", "reviewer", "supervisor", "housing"])
def test_other_roles_see_masked_data_in_lists(order, users, who):
    view = citizen_view(order, users[who])
    assert shown(view) == MASKED
    assert (view.hidden, view.full) == (False, False)


def test_a_dispatcher_sees_a_confidential_citizen_masked_not_hidden(confidential, users):
    view = citizen_view(confidential, users["dispatcher"])
    assert shown(view) == MASKED and not view.hidden


@pytest.mark.parametrize("who", ["dispatcher", "reviewer", "supervisor", "housing"])
def test_the_detail_view_shows_full_data_to_those_allowed(order, users, who):
    assert shown(citizen_view(order, users[who], detail=True)) == FULL


def test_the_full_phone_roles_are_configurable(order, users, settings):
    settings.REXIAN = {**settings.REXIAN, "FULL_PHONE_ROLES": ["dispatcher"]}
    assert shown(citizen_view(order, users["dispatcher"])) == FULL
    assert shown(citizen_view(order, users["agent"])) == MASKED


def test_a_detail_view_is_audited(order, users):
    request = RequestFactory().get("/orders/x/", REMOTE_ADDR="10.1.2.3")
    view = audited_citizen_view(order, users["dispatcher"], request=request)
    assert shown(view) == FULL
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_name, entry.action) == (users["dispatcher"], "dan", "view_personal")
    assert (entry.object_type, entry.object_id, entry.ip, entry.via) == ("orders.workorder", order.number, "10.1.2.3", "web")


def test_an_api_detail_view_is_audited_as_such(order, users):
    audited_citizen_view(order, users["callback"], via="api")
    assert AuditEntry.objects.get().via == "api"


def test_a_hidden_citizen_is_not_audited_as_seen(confidential, users):
    view = audited_citizen_view(confidential, users["housing"])
    assert view.hidden
    assert not AuditEntry.objects.exists()
