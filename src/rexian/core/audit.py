"""Writing audit entries from views, the API and the CLI."""

from rexian.core.models import AuditAction, AuditEntry


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record(actor, action: str, obj=None, summary: str = "", request=None, via: str = "web") -> AuditEntry:
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(getattr(obj, "audit_key", None) or getattr(obj, "pk", "") or "") if obj is not None else ""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:300],
        ip=client_ip(request),
        via=via,
    )


__all__ = ["AuditAction", "record"]
