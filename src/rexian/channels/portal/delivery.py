"""The portal delivers its own answers: the citizen reads them on the status page.

`channels.answers` queues every final answer on the channel the request came
from; for ``web`` there is nothing to send, so the outbox marks the message
sent with this gateway instead of failing it for want of one. Imported by
`ChannelsConfig.ready()`.
"""

from rexian.channels import outbox


def published_on_portal(message) -> str:
    return f"portal:{message.pk}"


outbox.register("web", published_on_portal)
