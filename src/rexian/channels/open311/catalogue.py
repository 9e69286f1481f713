"""The Open311 service list and service definitions, read from the category tree.

A service is an active category without active sub-categories (a leaf of the
tree a citizen can pick): service_code is the category code, group the name
of its top-level category, keywords the names along its path. Attributes
(extra questions) are `Open311Attribute` rows on the category.
"""

from django.db.models import Max, Prefetch

from rexian.channels.models import LIST_DATATYPES, Open311Attribute, Open311AttributeValue
from rexian.core.models import AuditEntry
from rexian.directory.models import Category


def services():
    return Category.objects.filter(active=True).exclude(children__active=True).order_by("path")


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


def _names_by_id(categories) -> dict[int, str]:
    ids = {int(part) for category in categories for part in category.path.strip("/").split("/") if part}
    return dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))


def service_list() -> list[dict]:
    categories = list(services())
    names = _names_by_id(categories)
    with_metadata = set(
        Open311Attribute.objects.filter(active=True, category__in=categories).values_list("category_id", flat=True)
    )
    rows = []
    for category in categories:
        path = [names[int(part)] for part in category.path.strip("/").split("/") if part and int(part) in names]
        rows.append(
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": category.description or " / ".join(path),
                "metadata": category.pk in with_metadata,
                "type": None,  # filled by the caller from the settings
                "keywords": ", ".join(dict.fromkeys(path)),
                "group": path[0] if path else category.name,
            }
        )
    return rows


def attributes(category: Category):
    values = Prefetch("values", queryset=Open311AttributeValue.objects.order_by("order", "id"))
    return list(category.open311_attributes.filter(active=True).prefetch_related(values).order_by("order", "id"))


def _attribute(attribute: Open311Attribute) -> dict:
    row = {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
    }
    if attribute.datatype in LIST_DATATYPES:
        row["values"] = [{"key": value.key, "name": value.name} for value in attribute.values.all()]
    return row


def definition(category: Category) -> dict:
    return {"service_code": category.code, "attributes": [_attribute(attribute) for attribute in attributes(category)]}


def changeset():
    """When the service list or a definition last changed, as far as the records tell."""
    edited = Open311Attribute.objects.aggregate(at=Max("updated_at"))["at"]
    audited = AuditEntry.objects.filter(
        object_type__in=["directory.category", "channels.open311attribute"]
    ).aggregate(at=Max("created_at"))["at"]
    moments = [moment for moment in (edited, audited) if moment is not None]
    return max(moments) if moments else None
