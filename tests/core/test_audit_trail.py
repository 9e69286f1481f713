"""The audit log and the order event log are append-only."""

import pytest
from django.test import RequestFactory

from rexian.core.audit import record
from rexian.core.models import AuditAction, AuditEntry
from rexian.orders.models import WorkOrderEvent


@pytest.fixture
def order(make_order):
    return make_order()


@pytest.fixture
def entry(users, order):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    return record(users["agent"], AuditAction.EXPORT, order, summary="导出工单", request=request, via="web")


def test_it_records_who_did_what_to_which_object(entry, order, users):
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_name, entry.action) == (users["agent"], "alice", "export")
    assert (entry.object_type, entry.object_id) == ("orders.workorder", order.number)
    assert (entry.ip, entry.via, entry.summary) == ("192.0.2.7", "web", "导出工单")


def test_it_records_without_a_request_or_an_object(users):
    entry = record(users["admin"], AuditAction.CHANGE, summary="x" * 500, via="cli")
    assert (entry.ip, entry.object_type, entry.object_id, len(entry.summary)) == (None, "", "", 300)


def test_an_audit_entry_cannot_be_changed(entry):
    entry.summary = "改过了"
    with pytest.raises(ValueError):
        entry.save()
    entry.refresh_from_db()
    assert entry.summary == "导出工单"


def test_an_audit_entry_cannot_be_deleted(entry):
    with pytest.raises(ValueError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_work_order_event_cannot_be_changed(order):
    event = order.events.get()
    event.note = "改过了"
    with pytest.raises(ValueError):
        event.save()
    assert WorkOrderEvent.objects.get(pk=event.pk).note == ""


def test_a_work_order_event_cannot_be_deleted(order):
    event = order.events.get()
    with pytest.raises(ValueError):
        event.delete()
    assert WorkOrderEvent.objects.filter(pk=event.pk).exists()
