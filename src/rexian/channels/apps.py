from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "rexian.channels"
    verbose_name = "多渠道受理"

    def ready(self):
        from rexian.channels import answers  # noqa: F401  (answers go back out on their channel)
        from rexian.channels import gateways  # noqa: F401  (system checks of the channel settings)
        from rexian.channels.open311 import delivery as _open311  # noqa: F401  (Open311 answers are polled)
        from rexian.channels.portal import delivery as _portal  # noqa: F401  (portal answers show on the status page)
        from rexian.channels import undelivered  # noqa: F401  (答复未送达 and 重发答复)
