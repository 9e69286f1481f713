import copy
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.accounts.roles import CENTRE_ROLES, Role
from rexian.core.snapshot import SnapshotMap


class User(AbstractUser):
    """A person who works the hotline; department staff belong to one unit."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.AGENT)
    department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def clean(self):
        super().clean()
        if self.role == Role.DEPARTMENT and not self.department_id:
            raise ValidationError({"department": _("承办单位用户必须指定所属单位。")})

    @property
    def is_centre_staff(self) -> bool:
        return self.role in CENTRE_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.is_active and (self.role in roles or self.role == Role.ADMIN)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _live_token(key_hash: str) -> "ApiToken | None":
    try:
        return ApiToken.objects.select_related("user", "user__department").get(
            key_hash=key_hash, revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None


# Tokens verified in the last few seconds: the lookup (three tables) cost about
# a fifth of an intake's CPU. Cleared on any save of a token, user or unit (apps.py).
verified_tokens = SnapshotMap(_live_token, seconds=settings.API_TOKEN_CACHE_SECONDS)


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, presented: str) -> "ApiToken | None":
        """The live token for `presented` (looked up by hash only), with its user; a copy for this request."""
        shared = verified_tokens.get(_hash_token(presented))
        if shared is None:
            return None
        token, token.user = copy.copy(shared), copy.copy(shared.user)
        now = timezone.now()
        # At most one write a minute per token: "last used" needs no more precision,
        # and a write per request would cost a third of a busy intake client's time.
        if token.last_used_at is None or now - token.last_used_at > timezone.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = shared.last_used_at = now
        return token


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100, blank=True)
    prefix = models.CharField(_("前缀"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple["ApiToken", str]:
        """Create a token and return it with the secret, which is shown once and never stored."""
        prefix = secrets.token_hex(4)
        secret = f"rx_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(user=user, name=name, prefix=prefix, key_hash=_hash_token(secret))
        return token, secret
