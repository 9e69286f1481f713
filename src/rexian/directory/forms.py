from django import forms

from rexian.directory.cache import active_category
from rexian.directory.models import Category


class ActiveCategoryField(forms.ModelChoiceField):
    """An active category given by its code, looked up in the process's category
    snapshot instead of one query per submission (intake is the busiest form)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Category.objects.filter(active=True), to_field_name="code", **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        category = active_category(str(value))
        if category is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return category
