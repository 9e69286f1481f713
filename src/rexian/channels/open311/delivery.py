"""Open311 clients read answers by polling GET requests (status, status_notes); nothing is pushed.

The outbox marks the queued answer of an ``open311`` order sent with this
gateway instead of failing it for want of one. Imported by `ChannelsConfig.ready()`.
"""

from rexian.channels import outbox


def available_to_poll(message) -> str:
    return f"open311:{message.pk}"


outbox.register("open311", available_to_poll)
