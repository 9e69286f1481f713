"""Citizens' personal data in the UI: masked in lists, hidden when confidential, audited in detail."""

from django.urls import reverse

from rexian.core.models import AuditEntry


def test_it_masks_the_phone_in_the_list_for_a_dispatcher(login, make_order):
    make_order()
    page = login("dispatcher").get(reverse("orders:list")).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "张*" in page


def test_it_shows_the_full_phone_in_the_list_to_an_agent(login, make_order):
    make_order()
    page = login("agent").get(reverse("orders:list")).content.decode()
    assert "13812345678" in page
    assert "张三" in page


def test_it_hides_a_confidential_citizen_from_the_department_in_list_and_detail(login, make_order, act):
    order = act(make_order(confidential="on", name="李四", phone="13900001111"), "dispatch", "dispatcher", unit="ZJJ")
    client = login("housing")
    for url in (reverse("orders:list"), reverse("orders:detail", args=[order.number])):
        page = client.get(url).content.decode()
        assert order.title in page
        assert "保密" in page
        assert "李四" not in page and "李*" not in page
        assert "13900001111" not in page and "139****1111" not in page


def test_it_shows_a_confidential_citizen_to_the_centre(login, make_order):
    order = make_order(confidential="on", name="李四", phone="13900001111")
    page = login("dispatcher").get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "李四" in page and "13900001111" in page


def test_it_records_each_view_of_personal_data_in_the_audit_log(login, make_order, users):
    order = make_order()
    login("reviewer").get(reverse("orders:detail", args=[order.number]))
    entry = AuditEntry.objects.get(action="view_personal")
    assert entry.actor == users["reviewer"]
    assert entry.object_id == order.number
    assert entry.via == "web"


def test_it_does_not_audit_a_view_that_showed_nothing_personal(login, make_order, act):
    order = act(make_order(confidential="on"), "dispatch", "dispatcher", unit="ZJJ")
    login("housing").get(reverse("orders:detail", args=[order.number]))
    assert not AuditEntry.objects.filter(action="view_personal").exists()
