"""Answers the citizen never received: a queue for the centre and an action to send them again.

The outbox gives up on a message after MAX_ATTEMPTS (about an hour of
retries), so a longer outage of an SMS, WeChat or mail gateway leaves the
citizen without the answer while the order may already be closed. Such orders
are counted in 答复未送达 on the home page of the staff who can act on them,
and 重发答复 queues the failed messages again: a workflow action, so it is
locked, checked and written to the order's history like every other change.
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rexian.accounts.roles import Role
from rexian.channels import outbox
from rexian.channels.models import Message
from rexian.orders import action_forms
from rexian.orders.choices import State
from rexian.orders.queues import Queue, add_queue
from rexian.orders.services.workflow import action

RESEND_ROLES = {Role.AGENT, Role.CALLBACK, Role.SUPERVISOR}


def _undelivered(user, now) -> Q:
    # Driven from the few failed messages (pk IN …), not by probing every order.
    return Q(pk__in=Message.objects.undelivered().values("order_id"))


add_queue(Queue("undelivered", gettext_lazy("答复未送达"), "red", _undelivered, any_state=True), [*RESEND_ROLES, Role.ADMIN])


def _has_undelivered(order, user) -> str:
    if not order.channel_messages.undelivered().exists():
        return _("该工单没有发送失败的答复。")
    return ""


@action("resend_answer", gettext_lazy("重发答复"), RESEND_ROLES, set(State), action_forms.NoteForm, _has_undelivered)
def _resend_answer(ctx):
    messages = outbox.resend_failed(ctx.order, ctx.now)
    ctx.event("resend_answer", note=ctx.data.get("note", ""), messages=messages)
