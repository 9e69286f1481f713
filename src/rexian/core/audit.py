"""Writing audit entries from views, the API and the CLI."""

from rexian.core.audit_changes import shorten
from rexian.core.models import AuditAction, AuditEntry

SUMMARY_LIMIT = AuditEntry._meta.get_field("summary").max_length


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record(
    actor, action: str, obj=None, summary: str = "", request=None, via: str = "web", changes: list | None = None
) -> AuditEntry:
    """One entry; `changes` is the field-by-field detail from rexian.core.audit_changes, if any."""
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(getattr(obj, "audit_key", None) or getattr(obj, "pk", "") or "") if obj is not None else ""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=shorten(summary, SUMMARY_LIMIT),
        changes=changes or [],
        ip=client_ip(request),
        via=via,
    )


__all__ = ["AuditAction", "record"]
