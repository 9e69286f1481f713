"""The category tree as intake reads it: once a minute per process, not once per order."""

from dataclasses import dataclass

from rexian.core.snapshot import Snapshot


@dataclass(frozen=True)
class _Categories:
    active_by_code: dict  # code → Category (active ones only)
    paths: dict  # pk → "/1/4/17/" (every category)


def _load() -> _Categories:
    from rexian.directory.models import Category

    categories = list(Category.objects.all())
    return _Categories(
        active_by_code={category.code: category for category in categories if category.active},
        paths={category.pk: category.path for category in categories},
    )


categories = Snapshot(_load)


def active_category(code: str):
    """The active category with this code, or None. The instance is shared: read it, never change it."""
    return categories.get().active_by_code.get(code)


def category_path(category) -> str:
    return categories.get().paths.get(category.pk, category.path)
