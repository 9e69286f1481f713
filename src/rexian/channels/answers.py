"""When an order's answer is final, it goes back to the citizen on the channel it came from."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from rexian.channels import outbox
from rexian.channels.models import Conversation, Direction, Message
from rexian.orders.choices import ReviewStatus
from rexian.orders.models import Reply, WorkOrderEvent

FINAL_ANSWERS = {"approve", "direct_answer", "follow_master"}


def answer_text(order) -> str:
    """The approved reply (the master's, for a merged order), as the citizen reads it."""
    source = order.master if order.master_id else order
    reply = Reply.objects.filter(order=source, review_status=ReviewStatus.APPROVED).order_by("-created_at").first()
    if reply is None:
        return ""
    return _("【12345 热线】您反映的问题（工单号 %(n)s）答复如下：%(c)s") % {"n": order.number, "c": reply.content}


def conversation_of(order_id: int) -> Conversation | None:
    """Where the order came from: the conversation of its latest inbound message
    (a conversation's `order` is only its newest order, e.g. for e-mail threads)."""
    message = (
        Message.objects.filter(order_id=order_id, direction=Direction.INBOUND)
        .select_related("conversation")
        .order_by("-created_at")
        .first()
    )
    return message.conversation if message else None


@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="channels-send-answers")
def send_answer(sender, instance: WorkOrderEvent, created: bool, **kwargs):
    if not created or instance.action not in FINAL_ANSWERS:
        return
    conversation = conversation_of(instance.order_id)
    if conversation is None:
        return  # a phone request: the answer was given on the call or is called back
    text = answer_text(instance.order)
    if text:
        outbox.enqueue(
            conversation, text, subject=_("答复：工单 %(n)s") % {"n": instance.order.number}, now=instance.created_at,
            order=instance.order,
        )
