"""States and vocabularies of a work order (工单)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REGISTERED = "registered", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    RETURNED = "returned", _("已退单")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("待审核")
    CALLBACK = "callback", _("待回访")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并单")
    TRANSFERRED = "transferred", _("已转出")
    VOIDED = "voided", _("已作废")


TERMINAL_STATES = frozenset({State.CLOSED, State.TRANSFERRED, State.VOIDED})
# Open orders are still someone's work; merged ones follow their master.
OPEN_STATES = frozenset(set(State) - TERMINAL_STATES - {State.MERGED})
# States in which an order may become a merge master: a master waiting for its callback
# already has its approved answer, and a duplicate merged then would never follow it.
MASTER_STATES = OPEN_STATES - {State.CALLBACK}
# The actions that send an order to a unit chosen by the centre.
DISPATCH_ACTIONS = ("dispatch", "reassign", "designate")
# States in which an order is on a unit's desk.
UNIT_STATES = frozenset({State.DISPATCHED, State.HANDLING})
# States in which the handling deadline is still running: once a reply is in
# (待审核, 待回访) the order cannot become 超期 any more.
DEADLINE_STATES = frozenset({State.REGISTERED, State.DISPATCHED, State.RETURNED, State.HANDLING})


class OrderType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    EMERGENCY = "emergency", _("特急")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    WECHAT = "wechat", _("微信")
    SMS = "sms", _("短信")
    APP = "app", _("APP")
    EMAIL = "email", _("电子邮件")
    WEIBO = "weibo", _("微博")
    LETTER = "letter", _("来信")
    OPEN311 = "open311", _("Open311")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    ACCEPTED = "accepted", _("已签收")
    RETURNED = "returned", _("已退单")
    PASSED_DOWN = "passed_down", _("已下派")
    DONE = "done", _("已答复")


class ReplyResult(models.TextChoices):
    RESOLVED = "resolved", _("已解决")
    EXPLAINED = "explained", _("已解释说明")
    UNRESOLVABLE = "unresolvable", _("无法解决")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("退回重办")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class SupervisionKind(models.TextChoices):
    URGE = "urge", _("催办")
    SUPERVISE = "supervise", _("督办")
    NOTICE = "notice", _("通报")


class TransferTarget(models.TextChoices):
    POLICE = "110", _("110 报警")
    FIRE = "119", _("119 火警")
    AMBULANCE = "120", _("120 急救")
    TRAFFIC = "122", _("122 交通事故")
