"""What an audited change did, field by field: old → new as people read them, bounded and masked."""

import datetime
import json
from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rexian.core.masking import MASK, mask_id_number, mask_phone

VALUE_LIMIT = 200  # characters kept of each old or new value


def _hidden(value: str) -> str:
    return MASK


# Field name → how its values appear in the audit log: personal data masked as on
# the order pages, secrets (hashes included) hidden. An admin extends or narrows
# this with its `audit_masked_fields`.
MASKED_FIELDS: dict[str, Callable[[str], str]] = {
    "phone": mask_phone,
    "alt_phone": mask_phone,
    "contact_phone": mask_phone,
    "id_number": mask_id_number,
    "password": _hidden,
    "key_hash": _hidden,
}


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def readable(obj) -> str:
    """A related row as people know it: 市住建局（ZJJ）."""
    code = getattr(obj, "code", "")
    return f"{obj}（{code}）" if code and code != str(obj) else str(obj)


def _fields(model) -> list:
    opts = model._meta
    return [field for field in (*opts.concrete_fields, *opts.many_to_many) if not field.primary_key]


def _text(field, value) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _value(obj, field) -> str | None:
    if field.many_to_many:
        names = sorted(readable(related) for related in getattr(obj, field.name).all()) if obj.pk else []
        return "、".join(names) or None
    if field.is_relation:
        related = getattr(obj, field.name)
        return None if related is None else readable(related)
    value = field.value_from_object(obj)
    return None if value is None or value == "" else _text(field, value)


def snapshot(obj) -> dict[str, str | None]:
    """Every stored value of `obj`, many-to-many included, as readable text (empty ones as None).

    In the site's language whatever the editor's, so one log reads one way."""
    with translation.override(settings.LANGUAGE_CODE):
        return {field.name: _value(obj, field) for field in _fields(type(obj))}


def changes(model, before: dict, after: dict, masked: dict[str, Callable[[str], str]]) -> list[dict]:
    """[{field, label, old, new}] for each field whose value differs.

    `before` is {} for an add, `after` is {} for a delete; masking and cutting
    come after the comparison, so a change hidden by either is still listed."""

    def shown(name, value):
        if value is None:
            return None
        return shorten(masked[name](value) if name in masked else value, VALUE_LIMIT)

    with translation.override(settings.LANGUAGE_CODE):
        return [
            {
                "field": field.name,
                "label": str(field.verbose_name),
                "old": shown(field.name, before.get(field.name)),
                "new": shown(field.name, after.get(field.name)),
            }
            for field in _fields(model)
            if before.get(field.name) != after.get(field.name)
        ]


def describe(rows: list[dict]) -> str:
    """One line for the summary: 主办单位：市住建局（ZJJ） → 市城管局（CGJ）；…"""
    return "；".join(f"{row['label']}：{row['old'] or '—'} → {row['new'] or '—'}" for row in rows)
