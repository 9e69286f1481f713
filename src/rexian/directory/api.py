"""The unit and category trees for API clients, flattened in tree order."""

from ninja import Router, Schema
from pydantic import Field

from rexian.api.schemas import Choice, choice
from rexian.directory.models import Category, Department

router = Router(tags=["directory"])


class NodeOut(Schema):
    code: str
    name: str
    parent: str | None = Field(description="上级编码")
    depth: int
    full_name: str = Field(description="从根到本节点的名称，以 / 连接")
    active: bool


class DepartmentOut(NodeOut):
    level: Choice


class CategoryOut(NodeOut):
    pass


def _flatten(nodes, active: bool | None, extra=lambda node: {}) -> list[dict]:
    """Nodes ordered by path come parent-first, so full names build in one pass
    (inactive nodes still name their descendants)."""
    by_id, full_names, result = {}, {}, []
    for node in nodes:
        parent = by_id.get(node.parent_id)
        full_names[node.pk] = f"{full_names[parent.pk]} / {node.name}" if parent else node.name
        by_id[node.pk] = node
        if active is not None and node.active != active:
            continue
        result.append(
            {
                "code": node.code,
                "name": node.name,
                "parent": parent.code if parent else None,
                "depth": node.depth,
                "full_name": full_names[node.pk],
                "active": node.active,
                **extra(node),
            }
        )
    return result


@router.get("/departments", response=list[DepartmentOut], summary="承办单位树（展开为列表）")
def list_departments(request, active: bool | None = None):
    def level(unit) -> dict:
        return {"level": choice(unit.level, unit.get_level_display())}

    return _flatten(Department.objects.order_by("path"), active, level)


@router.get("/categories", response=list[CategoryOut], summary="诉求分类树（展开为列表）")
def list_categories(request, active: bool | None = None):
    return _flatten(Category.objects.order_by("path"), active)
