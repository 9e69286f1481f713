"""Shapes shared by the apps' routers, and input schemas derived from Django forms.

Input rules live in one place, the forms the web UI also uses (STYLE.md #4).
`form_schema` turns a form into a pydantic model that checks only JSON types
(a string is a string, a list is a list) and documents the form's limits in
OpenAPI; the form itself then validates the values, with its own messages.
"""

from decimal import Decimal
from typing import Any

from django import forms
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from rexian.api.errors import field_errors, invalid_fields


class Choice(Schema):
    """A coded value with its display label, e.g. `{"code": "handling", "label": "办理中"}`."""

    code: str
    label: str


class Ref(Schema):
    """A unit or category by code and name."""

    code: str
    name: str


class UserRef(Schema):
    username: str
    name: str


def choice(value: str, label) -> dict:
    return {"code": value, "label": str(label)}


def ref(node) -> dict | None:
    return {"code": node.code, "name": node.name} if node is not None else None


def user_ref(user) -> dict | None:
    return {"username": user.username, "name": user.display_name} if user is not None else None


# Most specific first: ModelMultipleChoiceField ⊂ ModelChoiceField ⊂ ChoiceField,
# DecimalField and FloatField ⊂ IntegerField. Dates travel as strings and the
# form parses them, so the messages about their format are the form's.
_JSON_TYPES: list[tuple[type, Any]] = [
    (forms.ModelMultipleChoiceField, list[str]),
    (forms.MultipleChoiceField, list[str]),
    (forms.ModelChoiceField, str),
    (forms.ChoiceField, str),
    (forms.BooleanField, bool),
    (forms.DecimalField, Decimal),
    (forms.FloatField, float),
    (forms.IntegerField, int),
    (forms.DateTimeField, str),
    (forms.DateField, str),
    (forms.CharField, str),
]
_FORMATS = {forms.DateTimeField: "date-time", forms.DateField: "date"}


def json_type(field: forms.Field):
    for field_class, json_type in _JSON_TYPES:
        if isinstance(field, field_class):
            return json_type
    raise TypeError(f"form_schema: no JSON type for {type(field).__name__}")


def documented_limits(field: forms.Field) -> dict:
    limits: dict[str, Any] = {}
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        limits["enum"] = [str(value) for value, _label in field.choices if value != ""]
    if getattr(field, "max_length", None):
        limits["maxLength"] = field.max_length
    if isinstance(field, forms.RegexField):
        limits["pattern"] = field.regex.pattern
    if type(field) in _FORMATS:
        limits["format"] = _FORMATS[type(field)]
    if getattr(field, "min_value", None) is not None:
        limits["minimum"] = field.min_value
    if getattr(field, "max_value", None) is not None:
        limits["maximum"] = field.max_value
    return limits


def form_schema(form_class: type[forms.Form], name: str, **extra_fields) -> type[BaseModel]:
    """A pydantic model with `form_class`'s fields, all optional at the type level
    (the form decides what is required), unknown keys refused."""
    base = form_class()
    fields: dict[str, Any] = {
        key: (
            json_type(field) | None,
            Field(None, description=str(field.label or key), json_schema_extra=documented_limits(field)),
        )
        for key, field in base.fields.items()
    }
    fields.update(extra_fields)
    required = [key for key, field in base.fields.items() if field.required]

    def mark_required(schema: dict) -> None:
        if required:
            schema["required"] = required

    config = ConfigDict(extra="forbid", title=name, json_schema_extra=mark_required)
    return create_model(name, __config__=config, **fields)


def form_data(model: BaseModel, *exclude: str) -> dict:
    """What the form gets: only the keys the client sent, without JSON nulls."""
    return model.model_dump(exclude_none=True, exclude=set(exclude))


def parse(schema: type[BaseModel], payload: Any) -> BaseModel:
    """Validate a request body against `schema`, or raise 422 with field errors."""
    try:
        return schema.model_validate(payload if payload is not None else {})
    except ValidationError as error:
        raise invalid_fields(field_errors(error.errors(include_url=False), source="body")) from None
