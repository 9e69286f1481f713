from django.db import models
from django.utils.translation import gettext_lazy as _


class CallOutcome(models.TextChoices):
    """How a call left the queue. Every outcome counts as offered (呼入)."""

    ANSWERED = "answered", _("接通")
    ABANDONED = "abandoned", _("放弃")  # the caller hung up while waiting
    TIMEOUT = "timeout", _("排队超时")  # the queue's timeout moved the call on
    EXIT_EMPTY = "exit_empty", _("无坐席")  # no reachable agents (EXITEMPTY, JOINEMPTY)
    EXIT_KEY = "exit_key", _("按键离开")  # the caller left with a menu key
    UNANSWERED = "unanswered", _("未接通")  # ended unanswered, reason unknown (CSV)


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    QUEUE_LOG = "queue_log", _("Asterisk queue_log")


class ImportStatus(models.TextChoices):
    DONE = "done", _("已导入")
    PARTIAL = "partial", _("部分导入")  # good rows kept, bad rows listed
    REJECTED = "rejected", _("整份拒绝")  # nothing written
    IDENTICAL = "identical", _("与已导入文件相同")  # same source and content as an earlier import
