"""The centre's reference data: the tree of handling units and the category tree."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class TreeNode(models.Model):
    """A node of a small tree kept with a materialised path ("/3/17/42/").

    Subtree queries ("this unit and all its sub-units") become one indexed
    `path__startswith`, which every permission check on orders relies on.
    """

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=1)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        abstract = True
        ordering = ["path"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        node = self.parent
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("上级不能是自己或自己的下级。")})
            node = node.parent

    def save(self, *args, **kwargs):
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != old_path:
            self.path, self.depth = new_path, new_path.count("/") - 1
            type(self).objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if old_path:
                for child in self.children.all():
                    child.save()

    def subtree(self):
        return type(self).objects.filter(path__startswith=self.path)

    @cached_property
    def subtree_ids(self) -> list[int]:
        """This node and its descendants, as ids: `x_id IN (...)` gives the planner statistics
        that a `path LIKE` join does not. Kept for the life of the instance (one request)."""
        return list(self.subtree().values_list("pk", flat=True))

    def ancestors(self) -> list:
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        by_id = type(self).objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    @property
    def full_name(self) -> str:
        return " / ".join(node.name for node in self.ancestors())


class DepartmentLevel(models.TextChoices):
    CITY = "city", _("市级部门")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道/乡镇")
    UNIT = "unit", _("其他单位")


class Department(TreeNode):
    """A handling unit (承办单位): city department, district, street or town."""

    level = models.CharField(_("层级"), max_length=10, choices=DepartmentLevel.choices, default=DepartmentLevel.CITY)
    area_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    duties = models.TextField(_("职责"), blank=True)

    class Meta(TreeNode.Meta):
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")


class Category(TreeNode):
    """A request category (3 levels, e.g. 城乡建设 / 物业管理 / 物业服务)."""

    description = models.TextField(_("说明"), blank=True)

    class Meta(TreeNode.Meta):
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
