"""Portal forms: the intake form as a citizen sees it, photo checks, tracking and rating.

`RequestForm` is the agent's `IntakeForm` with the fields a citizen does not
fill removed, so the portal and the agent screen share one validation path.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from rexian.channels.models import OnlineRating
from rexian.directory.models import Category
from rexian.orders.choices import OrderType
from rexian.orders.intake_forms import IntakeForm

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# What a citizen may choose: 其他 is for the agent's screen.
CITIZEN_TYPES = [(value, label) for value, label in OrderType.choices if value != OrderType.OTHER]


def sniff_image(upload) -> str | None:
    """The content type proven by the file's first bytes (JPEG or PNG), else None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if head.startswith(PNG_MAGIC):
        return "image/png"
    return None


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Up to N photos, each a real JPEG or PNG (by its bytes, not its name) under the size limit."""

    def __init__(self, *, max_count: int, max_bytes: int, **kwargs):
        self.max_count, self.max_bytes = max_count, max_bytes
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, (list, tuple)) else [data]) if item]
        if len(files) > self.max_count:
            raise forms.ValidationError(_("最多上传 %(n)d 张照片。") % {"n": self.max_count})
        for upload in files:
            name = upload.name[-60:]
            if upload.size > self.max_bytes:
                raise forms.ValidationError(
                    _("照片“%(name)s”超过 %(mb)d MB，请压缩后重新上传。") % {"name": name, "mb": self.max_bytes // (1024 * 1024)}
                )
            if upload.size == 0 or sniff_image(upload) is None:
                raise forms.ValidationError(_("“%(name)s”不是 JPEG 或 PNG 图片，只能上传 JPEG 或 PNG 照片。") % {"name": name})
        return files


def category_choices():
    rows = Category.objects.filter(active=True).order_by("path").values_list("code", "name", "depth")
    return [("", _("不清楚，由热线中心分类"))] + [(code, f"{'　' * (depth - 1)}{name}") for code, name, depth in rows]


class RequestForm(IntakeForm):
    """A citizen's request on the portal."""

    id_number = urgency = channel = area_code = latitude = longitude = None

    order_type = forms.ChoiceField(label=_("诉求类型"), choices=CITIZEN_TYPES)
    category = forms.ChoiceField(label=_("诉求分类"), required=False)
    title = forms.CharField(label=_("标题"), max_length=60, help_text=_("一句话概括，例如“幸福路路灯不亮”"))
    content = forms.CharField(
        label=_("诉求内容"), max_length=5000, min_length=10, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写清时间、地点、经过和您的诉求，至少 10 个字。"),
    )
    address = forms.CharField(label=_("事发地址"), max_length=300, required=False)
    name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("手机号码"), max_length=20, help_text=_("用于查询进度和回访，不会公开。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    confidential = forms.BooleanField(
        label=_("申请保密（承办单位看不到您的姓名和电话）"), required=False
    )
    # A field people never see; bots that fill every field give themselves away.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    field_order = ["order_type", "category", "title", "content", "address", "photos", "name", "phone", "confidential"]

    def __init__(self, *args, max_count: int = 3, max_bytes: int = 5 * 1024 * 1024, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"] = PhotoField(
            label=_("照片（可选）"), required=False, max_count=max_count, max_bytes=max_bytes,
            help_text=_("最多 %(n)d 张，每张不超过 %(mb)d MB，仅限 JPEG 或 PNG。") % {"n": max_count, "mb": max_bytes // (1024 * 1024)},
        )
        self.fields["category"].choices = category_choices()
        self.order_fields(self.field_order)

    def clean_category(self):
        code = self.cleaned_data.get("category")
        if not code:
            return None
        category = Category.objects.filter(active=True, code=code).first()
        if category is None:
            raise forms.ValidationError(_("所选分类已停用，请重新选择。"))
        return category

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("提交失败，请刷新页面后重试。"))
        return ""

    def intake(self) -> dict:
        """IntakeForm-clean values for `channels.inbound.Inbound.intake`."""
        data = self.cleaned_data
        return {
            "order_type": data["order_type"],
            "category": data["category"],
            "title": data["title"],
            "address": data.get("address", ""),
            "confidential": data.get("confidential", False),
        }


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"), max_length=12, widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"})
    )
    # The phone given with the request; for a request sent by e-mail, the address it came from.
    phone = forms.CharField(label=_("手机号码（来信请填邮箱）"), max_length=254, widget=forms.TextInput(attrs={"autocomplete": "tel"}))

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).upper()


class RatingForm(forms.Form):
    access = forms.CharField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("您对答复满意吗？"), choices=OnlineRating.Result.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见和建议（可选）"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
