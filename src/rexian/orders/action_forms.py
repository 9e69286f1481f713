"""Parameters of each workflow action: one validation path for the web UI and the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rexian.callbacks.choices import CallbackResult
from rexian.directory.forms import ActiveCategoryField
from rexian.directory.models import Department
from rexian.orders.choices import ReplyResult, TransferTarget

NOTE_MAX = 2000


def _units():
    return Department.objects.filter(active=True)


class UnitField(forms.ModelChoiceField):
    """A unit chosen by its code (what the API and the UI's select both send)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": _("单位编码不存在或已停用。")})
        super().__init__(queryset=_units(), to_field_name="code", **kwargs)

    def label_from_instance(self, obj):
        return obj.full_name


class UnitsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": _("单位编码 %(value)s 不存在或已停用。")})
        super().__init__(queryset=_units(), to_field_name="code", required=False, **kwargs)

    def label_from_instance(self, obj):
        return obj.full_name


def note(required=False, label=_("说明")):
    return forms.CharField(label=label, required=required, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = note()


class RequiredNoteForm(forms.Form):
    note = note(required=True)


class ReasonForm(forms.Form):
    reason = note(required=True, label=_("理由"))


class DirectAnswerForm(forms.Form):
    content = note(required=True, label=_("答复内容"))
    reference = forms.CharField(label=_("引用知识"), required=False, max_length=200)


class TransferForm(forms.Form):
    target = forms.ChoiceField(label=_("转出至"), choices=TransferTarget.choices)
    note = note()


class DispatchForm(forms.Form):
    unit = UnitField(label=_("主办单位"))
    assisting = UnitsField(label=_("协办单位"))
    # Intake's category may be wrong: the dispatcher corrects it here (empty keeps it).
    category = ActiveCategoryField(
        label=_("诉求分类"),
        required=False,
        empty_label=_("保持原分类"),
        help_text=_("受理时的分类有误时在此更正；留空则不变。"),
        error_messages={"invalid_choice": _("分类编码不存在或已停用，请选择有效的诉求分类或留空保持原分类。")},
    )
    note = note(label=_("派单意见"))

    def clean(self):
        data = super().clean()
        lead, assisting = data.get("unit"), data.get("assisting") or []
        if lead is not None and lead in assisting:
            self.add_error("assisting", _("主办单位不能同时是协办单位。"))
        return data


class MergeForm(forms.Form):
    master = forms.CharField(label=_("主工单编号"), max_length=20)
    note = note()


class PassDownForm(forms.Form):
    unit = UnitField(label=_("下派至"))
    note = note()


class ExtensionForm(forms.Form):
    workdays = forms.IntegerField(label=_("延期工作日"), min_value=1, max_value=60)
    reason = note(required=True, label=_("延期理由"))


class ReplyForm(forms.Form):
    result = forms.ChoiceField(label=_("办理结果"), choices=ReplyResult.choices)
    content = note(required=True, label=_("答复内容"))
    reason = note(label=_("无法解决的原因"))

    def clean(self):
        data = super().clean()
        if data.get("result") == ReplyResult.UNRESOLVABLE and not data.get("reason"):
            self.add_error("reason", _("办理结果为“无法解决”时必须说明原因。"))
        return data


class CallbackForm(forms.Form):
    result = forms.ChoiceField(label=_("回访结果"), choices=CallbackResult.choices)
    reopen = forms.BooleanField(label=_("转重办"), required=False)
    note = note(label=_("回访记录"))

    def clean(self):
        data = super().clean()
        if data.get("reopen") and data.get("result") != CallbackResult.DISSATISFIED:
            self.add_error("reopen", _("只有“不满意”的回访才能转重办。"))
        if data.get("result") == CallbackResult.DISSATISFIED and not data.get("reopen") and not data.get("note"):
            self.add_error("note", _("不满意且不重办时，请记录向市民作出的解释。"))
        return data
