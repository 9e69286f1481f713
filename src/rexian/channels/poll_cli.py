"""``rexian channels poll-email`` and ``rexian channels send``, and `tick()` for the worker loop.

`tick()` does one bounded round: poll the mailbox once (if configured; at
most REXIAN_EMAIL_POLL_BATCH mails), drain the outbox (at most `limit`
messages, each network call with a timeout) and fetch the pictures citizens
sent on WeChat (at most 20; their retries and failures are counted with the
messages'). A mailbox that cannot be reached is logged and does not stop the
outbox from draining.
"""

import argparse
import logging
import sys
from dataclasses import dataclass

log = logging.getLogger("rexian.channels")


@dataclass
class TickResult:
    imported: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    mailbox_error: str = ""
    pictures: int = 0  # WeChat pictures stored

    def __bool__(self) -> bool:
        return bool(self.imported or self.sent or self.retried or self.failed or self.mailbox_error or self.pictures)


def tick(limit: int = 100) -> TickResult:
    from rexian.channels import gateways, outbox
    from rexian.channels.email.conf import email_config
    from rexian.channels.email.mailbox import MailboxError, poll
    from rexian.channels.wechat import media
    from rexian.channels.wechat.api import WeChatApi
    from rexian.channels.wechat.conf import wechat_config

    result = TickResult()
    config = email_config()
    if config.polling:
        try:
            result.imported = poll(config).imported
        except MailboxError as error:
            result.mailbox_error = str(error)
            log.warning("e-mail poll failed: %s", error)
    gateways.configure()
    drained = outbox.drain(limit=limit)
    result.sent, result.retried, result.failed = drained.sent, drained.retried, drained.failed
    if (wechat := wechat_config()).sending:
        fetched = media.fetch_due(WeChatApi(wechat))
        result.pictures = fetched.stored
        result.retried += fetched.retried
        result.failed += fetched.failed
    return result


def cmd_poll_email(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.channels.email.conf import email_config, problems
    from rexian.channels.email.mailbox import MailboxError, poll

    config = email_config()
    if not config.polling:
        print("未配置收信邮箱（REXIAN_EMAIL_IMAP_HOST）。", file=sys.stderr)
        return 2
    for problem in problems(config):
        print(f"配置问题：{problem}", file=sys.stderr)
    try:
        result = poll(config)
    except MailboxError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1
    print(result.summary())
    return 1 if result.failed else 0


def cmd_send(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.channels import gateways, outbox

    wired = gateways.configure()
    result = outbox.drain(limit=args.limit)
    print(f"发送网关：{', '.join(wired) or '无'}。已发送 {result.sent}，待重试 {result.retried}，失败 {result.failed}。")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    channels = subparsers.add_parser("channels", help="多渠道受理：收取邮件、发送待发消息")
    actions = channels.add_subparsers(dest="channels_command", required=True, metavar="ACTION")
    poll = actions.add_parser("poll-email", help="收取一次邮箱中的新邮件并生成或补充工单")
    poll.set_defaults(func=cmd_poll_email)
    send = actions.add_parser("send", help="发送一轮待发消息（短信、邮件、微信），失败的按退避重试")
    send.add_argument("--limit", type=int, default=100, help="本轮最多发送的消息数（默认 100）")
    send.set_defaults(func=cmd_send)
