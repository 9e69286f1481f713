"""Audited admins record old → new values, field by field, through the real admin:
foreign keys by name and code, many-to-many sets, dates; personal data and secrets
masked; long values cut short."""

import pytest
from django.contrib.admin import site
from django.test import RequestFactory
from django.utils import translation

from rexian.accounts.models import ApiToken, User
from rexian.core.admin import AuditedAdmin
from rexian.core.audit_changes import MASKED_FIELDS
from rexian.core.masking import MASK, mask_name
from rexian.core.models import AuditAction, AuditEntry
from rexian.orders.models import Citizen
from rexian.routing.models import CatalogueRule

RULES = "/admin/routing/cataloguerule/"


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


@pytest.fixture
def rule(city):
    return CatalogueRule.objects.create(category=city["category"], lead_unit=city["housing"], note="旧备注")


def rule_form(city, **changes):
    data = {
        "category": city["category"].pk, "area_code": "", "keywords": "", "lead_unit": city["housing"].pk,
        "assisting_units": [], "source": "duty_list", "source_reference": "", "effective_from": "",
        "expires_on": "", "active": "on", "note": "旧备注",
    }
    return {**data, **changes}


def rows(entry) -> dict:
    return {row["field"]: (row["old"], row["new"]) for row in entry.changes}


def latest(action) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("pk")


def test_it_records_old_and_new_lead_unit_assisting_units_and_dates(admin_client, city, rule):
    data = rule_form(
        city, lead_unit=city["urban"].pk, assisting_units=[city["street"].pk, city["property_office"].pk],
        effective_from="2026-01-01", expires_on="2027-01-01",
    )
    response = admin_client.post(f"{RULES}{rule.pk}/change/", data)
    assert response.status_code == 302
    entry = latest(AuditAction.CHANGE)
    assert (entry.actor_name, entry.object_type, entry.object_id) == ("adam", "routing.cataloguerule", str(rule.pk))
    assert rows(entry) == {
        "lead_unit": ("市住建局（ZJJ）", "市城管局（CGJ）"),
        "assisting_units": (None, "东华街道（D01-S01）、物业科（ZJJ-WY）"),
        "effective_from": (None, "2026-01-01"),
        "expires_on": (None, "2027-01-01"),
    }
    assert entry.changes[0]["label"] == "主办单位"
    assert "主办单位：市住建局（ZJJ） → 市城管局（CGJ）；" in entry.summary


def test_it_records_assisting_units_taken_away(admin_client, city, rule):
    rule.assisting_units.set([city["urban"]])
    admin_client.post(f"{RULES}{rule.pk}/change/", rule_form(city))
    assert rows(latest(AuditAction.CHANGE)) == {"assisting_units": ("市城管局（CGJ）", None)}


def test_a_save_without_changes_records_no_values(admin_client, city, rule):
    admin_client.post(f"{RULES}{rule.pk}/change/", rule_form(city))
    entry = latest(AuditAction.CHANGE)
    assert (entry.changes, entry.summary) == ([], f"管理后台修改 {rule}")


def test_it_records_the_values_of_an_added_rule(admin_client, city):
    response = admin_client.post(f"{RULES}add/", rule_form(city, assisting_units=[city["urban"].pk]))
    assert response.status_code == 302
    entry = latest(AuditAction.CREATE)
    assert entry.object_id == str(CatalogueRule.objects.get().pk)
    assert rows(entry) == {
        "category": (None, "物业服务（010101）"),
        "lead_unit": (None, "市住建局（ZJJ）"),
        "assisting_units": (None, "市城管局（CGJ）"),
        "source": (None, "权责清单"),
        "active": (None, "是"),
        "note": (None, "旧备注"),
    }


def test_it_records_the_values_of_a_deleted_rule(admin_client, city, rule):
    rule.assisting_units.set([city["urban"]])
    response = admin_client.post(f"{RULES}{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not CatalogueRule.objects.exists()
    entry = latest(AuditAction.DELETE)
    assert rows(entry)["lead_unit"] == ("市住建局（ZJJ）", None)
    assert rows(entry)["assisting_units"] == ("市城管局（CGJ）", None)
    assert entry.summary.startswith("管理后台删除 物业服务 → 市住建局：")


def test_a_bulk_delete_records_each_rule(admin_client, city, rule):
    other = CatalogueRule.objects.create(category=city["category"], lead_unit=city["urban"], area_code="110101")
    data = {"action": "delete_selected", "_selected_action": [rule.pk, other.pk], "post": "yes"}
    admin_client.post(RULES, data)
    entries = AuditEntry.objects.filter(action=AuditAction.DELETE)
    assert sorted(rows(entry)["lead_unit"][0] for entry in entries) == ["市住建局（ZJJ）", "市城管局（CGJ）"]


def test_long_values_are_cut_short_and_the_summary_stays_within_its_column(admin_client, city, rule):
    keywords = ",".join(f"关键词{n:03d}" for n in range(50))[:300]
    admin_client.post(f"{RULES}{rule.pk}/change/", rule_form(city, keywords=keywords, note="新备注" * 60))
    entry = latest(AuditAction.CHANGE)
    new = rows(entry)["keywords"][1]
    assert (len(new), new[-1], new[:-1]) == (200, "…", keywords[:199])
    assert (len(entry.summary), entry.summary[-1]) == (300, "…")


def test_a_phone_number_is_masked(admin_client, city):
    unit = city["urban"]
    unit.phone = "13812345678"
    unit.save()
    data = {"code": "CGJ", "name": "市城管局", "parent": "", "active": "on", "level": "city", "area_code": "",
            "phone": "13987654321", "duties": ""}
    assert admin_client.post(f"/admin/directory/department/{unit.pk}/change/", data).status_code == 302
    entry = latest(AuditAction.CHANGE)
    assert rows(entry) == {"phone": ("138****5678", "139****4321")}
    assert "13812345678" not in entry.summary and "13987654321" not in entry.summary


def test_a_new_users_password_hash_is_hidden(admin_client):
    data = {"username": "nina", "password1": "correct-horse-battery", "password2": "correct-horse-battery",
            "usable_password": "true", "role": "agent", "department": ""}
    assert admin_client.post("/admin/accounts/user/add/", data).status_code == 302
    entry = latest(AuditAction.CREATE)
    assert rows(entry)["password"] == (None, MASK)
    assert User.objects.get(username="nina").password not in str(entry.changes)


def test_an_admin_action_saving_without_a_form_is_audited(admin_client, users):
    token, _secret = ApiToken.issue(users["agent"], "导入")
    admin_client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert rows(latest(AuditAction.CHANGE))["revoked_at"][0] is None


class CitizenAdmin(AuditedAdmin):
    audit_masked_fields = {**MASKED_FIELDS, "name": mask_name}


def test_a_citizens_personal_data_is_masked_and_an_admin_can_mask_more(users):
    citizen = Citizen.objects.create(name="张三丰", phone="13812345678", id_number="110101199001011234")
    request = RequestFactory().post("/")
    request.user = users["admin"]
    CitizenAdmin(Citizen, site).delete_model(request, citizen)
    masked = rows(latest(AuditAction.DELETE))
    assert masked["name"] == ("张**", None)
    assert masked["phone"] == ("138****5678", None)
    assert masked["id_number"] == ("1101**********1234", None)


def test_the_audit_log_shows_old_and_new_values(admin_client, city, rule):
    admin_client.post(f"{RULES}{rule.pk}/change/", rule_form(city, lead_unit=city["urban"].pk))
    entry = latest(AuditAction.CHANGE)
    page = admin_client.get(f"/admin/core/auditentry/{entry.pk}/change/").content.decode()
    assert "<td>主办单位</td><td>市住建局（ZJJ）</td><td>市城管局（CGJ）</td>" in page


def test_values_are_recorded_in_the_sites_language_whatever_the_editors(admin_client, city):
    admin_client.cookies["django_language"] = "en"
    with translation.override("zh-hans"):  # undoes the English the request switches this thread to
        admin_client.post(f"{RULES}add/", rule_form(city), HTTP_ACCEPT_LANGUAGE="en")
    entry = latest(AuditAction.CREATE)
    assert rows(entry)["source"] == (None, "权责清单")
    assert entry.changes[0]["label"] == "诉求分类"
