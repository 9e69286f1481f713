"""The knowledge base (知识库): articles, their versions, their use, and the search index."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.knowledge.choices import OPEN_REVISION, ArticleKind, ArticleStatus, RevisionStatus, UsageKind, Visibility


class ArticleQuerySet(models.QuerySet):
    def current(self, today=None):
        """Published and in force today: the only articles offered as answers."""
        today = today or timezone.localdate()
        return self.filter(status=ArticleStatus.PUBLISHED).filter(
            Q(effective_from__isnull=True) | Q(effective_from__lte=today),
            Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        )

    def public(self):
        return self.filter(visibility=Visibility.PUBLIC)


class Article(models.Model):
    """One policy, service guide, Q&A or statement of a department's duties."""

    kind = models.CharField(_("类型"), max_length=10, choices=ArticleKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    categories = models.ManyToManyField("directory.Category", verbose_name=_("适用分类"), blank=True)
    department = models.ForeignKey(
        "directory.Department", verbose_name=_("责任单位"), null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    issuing_body = models.CharField(_("发文机关"), max_length=100, blank=True)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    expires_on = models.DateField(_("失效日期"), null=True, blank=True)
    visibility = models.CharField(_("公开范围"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL)
    tags = models.CharField(_("标签"), max_length=300, blank=True, help_text=_("以逗号分隔"))
    status = models.CharField(_("状态"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    # Raised by every step that changes the article or its revision (services._event), never
    # reused: the ETag and the version a client's write or action is checked against.
    changes = models.PositiveBigIntegerField(_("修改计数"), default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    used_count = models.PositiveIntegerField(_("引用次数"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("无帮助次数"), default=0)
    # Number of index tokens, for BM25's length normalisation; 0 when not indexed.
    indexed_length = models.PositiveIntegerField(default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("知识")
        verbose_name_plural = _("知识")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "visibility"])]

    def __str__(self):
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.replace("，", ",").split(",") if tag.strip()]

    def open_revision(self):
        """The revision being drafted or reviewed, or None."""
        return self.revisions.filter(status__in=OPEN_REVISION).select_related("created_by").first()

    def is_current(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == ArticleStatus.PUBLISHED
            and (self.effective_from is None or self.effective_from <= today)
            and (self.expires_on is None or self.expires_on >= today)
        )


class ArticleVersion(models.Model):
    """A kept version of an article: every edit makes one, so changes can be compared."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    fields = models.JSONField(_("其他字段"), default=dict)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("知识版本")
        verbose_name_plural = _("知识版本")
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="unique_article_version")]


class ArticleRevision(models.Model):
    """A proposed change to an article in (or once in) service, drafted and reviewed on its own.

    The live article stays as it is, current and searchable, until a publisher
    approves the revision: then `data` replaces its content as a new version.
    `data` is ArticleForm data (codes, ISO dates), validated when saved and again
    when published. `version` starts at the article's version and goes up with
    every save; a client's If-Match is checked against `Article.changes`, not this.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    status = models.CharField(_("状态"), max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT)
    data = models.JSONField(_("修订内容"))
    version = models.PositiveIntegerField(_("修订版本"))
    base_version = models.PositiveIntegerField(_("基于版本"))
    published_version = models.PositiveIntegerField(_("发布为版本"), null=True, blank=True)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("知识修订")
        verbose_name_plural = _("知识修订")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            # The article's lock serialises opening one; this is the backstop.
            models.UniqueConstraint(
                fields=["article"], condition=Q(status__in=OPEN_REVISION), name="one_open_revision_per_article"
            ),
        ]

    def __str__(self):
        return f"{self.article} ({self.get_status_display()})"

    @property
    def title(self) -> str:
        return self.data.get("title", "")


class ArticleEvent(models.Model):
    """Lifecycle steps of an article (submitted, published, withdrawn, …), append-only."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    # The revision the step was about (revise, submit_revision, …), if any.
    revision = models.ForeignKey(ArticleRevision, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    action = models.CharField(_("动作"), max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class ArticleUsage(models.Model):
    """An article offered, used in an answer, or marked "did not help" at intake."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="usages")
    # The version the user saw or cited: a later revision may change what the article says.
    article_version = models.PositiveIntegerField(_("知识版本"), null=True, blank=True)
    order = models.ForeignKey("orders.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=UsageKind.choices)
    query = models.CharField(_("检索词"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("知识使用记录")
        verbose_name_plural = _("知识使用记录")


class DomainTerm(models.Model):
    """A word the segmenter must keep whole (e.g. 住房公积金, 12345)."""

    word = models.CharField(_("词语"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("领域词")
        verbose_name_plural = _("领域词")

    def __str__(self):
        return self.word


class Synonym(models.Model):
    """A variant searched as its canonical term (住建委 = 住建局)."""

    variant = models.CharField(_("同义词"), max_length=50, unique=True)
    canonical = models.CharField(_("标准词"), max_length=50)

    class Meta:
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")

    def __str__(self):
        return f"{self.variant} → {self.canonical}"


class Posting(models.Model):
    """The inverted index: a term of a published article and its BM25 term weight.

    `weight` is BM25's term-frequency part, tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen)),
    computed when the article is indexed; a query only multiplies it by the
    term's IDF and sums, reading nothing but this table's two covering indexes.
    """

    term = models.CharField(max_length=50)
    # No index of its own: posting_by_article starts with the article.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", db_index=False)
    frequency = models.PositiveIntegerField()
    weight = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "article"], name="unique_posting")]
        indexes = [
            # A term's highest weights first: the candidates of a query.
            models.Index(fields=["term", "weight", "article"], name="posting_covering"),
            # An article's weights for the query's terms: exact scores of the candidates.
            models.Index(fields=["article", "term", "weight"], name="posting_by_article"),
        ]


class TermStat(models.Model):
    """How many indexed articles hold a term (BM25's document frequency), kept by every (re)index."""

    term = models.CharField(max_length=50, primary_key=True)
    documents = models.PositiveIntegerField(default=0)


class IndexStats(models.Model):
    """Totals BM25 needs (documents, tokens), kept exact by every (re)index, one row.

    The row is also the index's lock (`index.locked_stats`), and
    `dictionary_version` names the dictionary the postings were cut with:
    `rebuild()` raises it, and every process cuts queries and articles with the
    dictionary of the version it reads here.
    """

    documents = models.PositiveIntegerField(default=0)
    tokens = models.PositiveBigIntegerField(default=0)
    dictionary_version = models.PositiveBigIntegerField(default=0)
