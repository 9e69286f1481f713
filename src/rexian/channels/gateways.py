"""Wiring the channel gateways configured in settings into the outbox, and checking that configuration.

`configure()` registers (or, when a channel is not configured, unregisters)
the e-mail, SMS and WeChat senders; `tick()` and `rexian channels send` call
it before draining, so a worker always sends with the current settings.
`check_channel_settings` is a Django system check (IDs channels.E001…) that
reports impossible combinations at start-up, once this module is imported.
"""

from django.core import checks

from rexian.channels import outbox
from rexian.channels.email import conf as email_conf
from rexian.channels.sms import conf as sms_conf
from rexian.channels.wechat import conf as wechat_conf


def configure() -> list[str]:
    """Register the configured senders with the outbox; return the channels that have one."""
    from rexian.channels.email.smtp import SmtpGateway
    from rexian.channels.sms.gateway import HttpSmsGateway
    from rexian.channels.wechat.api import WeChatApi

    email, sms, wechat = email_conf.email_config(), sms_conf.sms_config(), wechat_conf.wechat_config()
    senders = {
        "email": SmtpGateway(email) if email.sending else None,
        "sms": HttpSmsGateway(sms) if sms.gateway_url else None,
        "wechat": WeChatApi(wechat) if wechat.sending else None,
    }
    for channel, send in senders.items():
        if send is None:
            outbox.GATEWAYS.pop(channel, None)
        else:
            outbox.register(channel, send)
    return sorted(channel for channel, send in senders.items() if send is not None)


def problems() -> list[str]:
    return [
        *email_conf.problems(email_conf.email_config()),
        *sms_conf.problems(sms_conf.sms_config()),
        *wechat_conf.problems(wechat_conf.wechat_config()),
    ]


@checks.register("rexian")
def check_channel_settings(app_configs=None, **kwargs):
    return [
        checks.Error(problem, hint="See docs/channels.md.", id=f"channels.E{index:03d}")
        for index, problem in enumerate(problems(), start=1)
    ]
