"""``rexian open311 key create NAME``: Open311 api_keys from the command line.

The key is printed once; only its SHA-256 is stored. ``register`` is called
by the project's CLI registry with its subparsers.
"""

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    open311 = subparsers.add_parser("open311", help="Open311 GeoReport v2 接口")
    actions = open311.add_subparsers(dest="open311_command", required=True, metavar="ACTION")
    key = actions.add_parser("key", help="Open311 api_key 管理").add_subparsers(dest="key_command", required=True, metavar="ACTION")

    create = key.add_parser("create", help="创建 api_key 并打印（只显示这一次，只保存其哈希）")
    create.add_argument("name", metavar="NAME", help="使用方名称，例如“城市服务 App”")
    create.add_argument("--contact", default="", help="使用方联系人")
    create.set_defaults(func=cmd_key_create)

    listing = key.add_parser("list", help="列出 api_key（只显示前缀）")
    listing.set_defaults(func=cmd_key_list)

    revoke = key.add_parser("revoke", help="吊销 api_key")
    revoke.add_argument("prefix", metavar="PREFIX", help="密钥前缀（`rexian open311 key list` 的第一列）")
    revoke.set_defaults(func=cmd_key_revoke)


def _setup():
    from rexian.cli import setup_django

    setup_django()


def cmd_key_create(args) -> int:
    _setup()
    from rexian.channels.models import Open311Key
    from rexian.core.audit import AuditAction, record

    name = args.name.strip()
    if not name:
        print("错误：名称不能为空。", file=sys.stderr)
        return 2
    key, secret = Open311Key.issue(name[:100], contact=args.contact[:200])
    record(None, AuditAction.TOKEN, key, summary=f"创建 Open311 密钥 {key.prefix}（{key.name}）", via="cli")
    print(secret)
    return 0


def cmd_key_list(args) -> int:
    _setup()
    from rexian.channels.models import Open311Key

    from django.utils.timezone import localtime

    for key in Open311Key.objects.order_by("created_at"):
        state = f"已吊销 {localtime(key.revoked_at):%Y-%m-%d}" if key.revoked_at else "有效"
        used = f"{localtime(key.last_used_at):%Y-%m-%d %H:%M}" if key.last_used_at else "从未使用"
        print(f"{key.prefix}\t{state}\t{used}\t{key.name}")
    return 0


def cmd_key_revoke(args) -> int:
    _setup()
    from django.utils import timezone

    from rexian.channels.models import Open311Key
    from rexian.core.audit import AuditAction, record

    keys = list(Open311Key.objects.filter(prefix=args.prefix, revoked_at__isnull=True))
    if not keys:
        print(f"错误：没有前缀为 {args.prefix} 的有效密钥。", file=sys.stderr)
        return 2
    for key in keys:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record(None, AuditAction.TOKEN, key, summary=f"吊销 Open311 密钥 {key.prefix}（{key.name}）", via="cli")
    print(f"已吊销 {len(keys)} 个密钥。")
    return 0
