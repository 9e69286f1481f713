from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleKind(models.TextChoices):
    POLICY = "policy", _("政策法规")
    GUIDE = "guide", _("办事指南")
    QA = "qa", _("问答")
    DUTIES = "duties", _("部门职责")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    EXPIRED = "expired", _("已失效")
    WITHDRAWN = "withdrawn", _("已撤回")


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    DISCARDED = "discarded", _("已放弃")


# A revision still being worked on; an article has at most one.
OPEN_REVISION = (RevisionStatus.DRAFT, RevisionStatus.REVIEW)
# Article states whose content changes only through a revision (it is, or was, in service).
REVISABLE = (ArticleStatus.PUBLISHED, ArticleStatus.EXPIRED, ArticleStatus.WITHDRAWN)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")


class UsageKind(models.TextChoices):
    USED = "used", _("引用答复")
    NOT_HELPFUL = "not_helpful", _("没有帮助")
