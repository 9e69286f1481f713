"""Article fields: one validation path for the editor, the API and imports."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from rexian.directory.models import Category, Department
from rexian.knowledge.models import Article

# What editors and spreadsheets separate tags with: commas (either width) and 、.
TAG_SEPARATORS = re.compile(r"[,，、]")


def canonical_tags(text: str) -> str:
    """Tags as stored: trimmed, empty ones dropped, joined by "," (so equal tags compare equal)."""
    return ",".join(tag for tag in (part.strip() for part in TAG_SEPARATORS.split(text or "")) if tag)


class ArticleForm(forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        label=_("适用分类"), queryset=Category.objects.filter(active=True), to_field_name="code", required=False
    )
    department = forms.ModelChoiceField(
        label=_("责任单位"), queryset=Department.objects.filter(active=True), to_field_name="code", required=False
    )

    class Meta:
        model = Article
        fields = [
            "kind", "title", "body", "categories", "department", "source", "issuing_body", "document_number",
            "effective_from", "expires_on", "visibility", "tags",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def clean_tags(self):
        return canonical_tags(self.cleaned_data.get("tags", ""))

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("expires_on")
        if start and end and end < start:
            self.add_error("expires_on", _("失效日期不能早于生效日期。"))
        if data.get("kind") == "policy" and not (data.get("issuing_body") or data.get("document_number")):
            self.add_error("document_number", _("政策法规请填写发文机关或文号。"))
        return data
