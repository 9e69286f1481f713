"""Markdown tables for docs/api.md, generated from the code they describe.

Print them with
`rexian manage shell -c "from rexian.api.reference import tables; print(tables())"`;
tests/api/test_api_docs.py fails when docs/api.md no longer contains them, so
the document cannot drift from workflow.ACTIONS and the forms.
"""

from decimal import Decimal

from django import forms

from rexian.accounts.roles import Role
from rexian.api.schemas import documented_limits, json_type
from rexian.orders.choices import State
from rexian.orders.intake_forms import IntakeForm
from rexian.orders.services.workflow import ACTIONS

_TYPE_WORDS = {str: "字符串", bool: "布尔", int: "整数", float: "数字", Decimal: "数字", list[str]: "字符串数组"}
_FORMAT_WORDS = {"date": "日期 `2025-03-01`", "date-time": "时间 `2025-03-01T08:00:00+08:00`"}


def _notes(field: forms.Field) -> str:
    """字符串，≤ 30 字，**必填**"""
    limits = documented_limits(field)
    notes = [_TYPE_WORDS[json_type(field)]]
    if isinstance(field, forms.ModelChoiceField):
        notes.append("编码")
    if "enum" in limits:
        notes.append(" / ".join(f"`{value}`" for value in limits["enum"]))
    if "format" in limits:
        notes.append(_FORMAT_WORDS[limits["format"]])
    if "pattern" in limits:
        notes.append(f"格式 `{limits['pattern']}`")
    if "maxLength" in limits:
        notes.append(f"≤ {limits['maxLength']} 字")
    if "minimum" in limits or "maximum" in limits:
        notes.append(f"{limits.get('minimum', '')}–{limits.get('maximum', '')}")
    if field.required:
        notes.append("**必填**")
    return "，".join(notes)


def form_table(form_class: type[forms.Form]) -> str:
    rows = ["| 字段 | 类型与限制 | 含义 |", "|---|---|---|"]
    rows += [f"| `{name}` | {_notes(field)} | {field.label} |" for name, field in form_class().fields.items()]
    return "\n".join(rows)


def _labels(choices, values) -> str:
    return "、".join(str(choices(value).label) for value in choices.values if value in values)


def action_table() -> str:
    rows = ["| 操作 | 名称 | 角色 | 适用状态 | 参数 |", "|---|---|---|---|---|"]
    for name, spec in ACTIONS.items():
        params = "<br>".join(f"`{key}` {_notes(field)} — {field.label}" for key, field in spec.form().fields.items())
        roles, states = _labels(Role, spec.roles), _labels(State, spec.states)
        rows.append(f"| `{name}` | {spec.label} | {roles} | {states} | {params} |")
    return "\n".join(rows)


def tables() -> str:
    return f"{form_table(IntakeForm)}\n\n{action_table()}\n"
