"""The `rexian` command: run, seed, administer and operate a Rexian installation."""

import argparse
import importlib
import os
import sys

# Modules that add their own sub-commands with `register(subparsers)`.
COMMAND_MODULES: list[str] = [
    "rexian.metrics.cli",
    "rexian.evaluation.evaluate_cli",
    "rexian.telephony.probe_cli",
    "rexian.callcentre.cli",
    "rexian.routing.cli",
    "rexian.knowledge.cli",
    "rexian.channels.poll_cli",
    "rexian.channels.open311_cli",
    "rexian.telephony.campaign_cli",
]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
    import django

    django.setup()


def _call(name: str, *args, **options) -> None:
    from django.core.management import call_command

    call_command(name, *args, **options)


def _checked() -> bool:
    """Django's system checks (settings that cannot work, e.g. channels.E…): False, with the
    report on stderr, when any fails. `call_command` skips them unless asked."""
    from django.core.management.base import SystemCheckError

    try:
        _call("check")
    except SystemCheckError as error:
        print(error, file=sys.stderr, flush=True)
        return False
    return True


def cmd_serve(args) -> int:
    setup_django()
    from rexian.core.bootstrap import ensure_admin

    if not _checked():
        return 1
    _call("migrate", interactive=False, verbosity=0)
    password = ensure_admin()
    if password:
        print(f"已创建管理员账号 admin，一次性密码：{password}\n请登录后立即修改。", flush=True)
    if args.demo:
        from rexian.demo.seed import DemoError, seed_demo

        try:
            print(seed_demo().summary(), flush=True)
        except DemoError as error:
            print(f"演示数据未写入：{error}", file=sys.stderr, flush=True)
    from django.db import connections

    from rexian.core.server import serve

    connections.close_all()  # the workers open their own; this process only watches them
    print(f"Rexian 运行于 http://{args.host}:{args.port}/", flush=True)
    serve(args.host, args.port, workers=args.workers, threads=args.threads)
    return 0


def cmd_demo(args) -> int:
    setup_django()
    _call("migrate", interactive=False, verbosity=0)
    from rexian.demo.seed import DemoError, seed_demo

    try:
        print(seed_demo(orders=args.orders).summary())
    except DemoError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    return 0


def cmd_user_add(args) -> int:
    setup_django()
    from rexian.accounts.services import UserError, add_user

    try:
        user, password = add_user(args.username, args.role, args.department, args.password)
    except UserError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    print(f"已创建用户 {user.username}（{user.get_role_display()}）")
    if password:
        print(f"初始密码：{password}")
    return 0


def cmd_token_create(args) -> int:
    setup_django()
    from rexian.accounts.models import ApiToken, User

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        print(f"错误：用户 {args.username} 不存在或已停用。用 `rexian user add` 先创建。", file=sys.stderr)
        return 2
    _token, secret = ApiToken.issue(user, name=args.name)
    print(secret)
    return 0


def cmd_sweep(args) -> int:
    setup_django()
    from rexian.orders.services.sweep import sweep

    result = sweep()
    print(f"临期 {result.due_soon} 件，超期 {result.overdue} 件已记录；过期的幂等键 {result.intake_keys_purged} 个已清除。")
    return 0


def cmd_worker(args) -> int:
    setup_django()
    from rexian.core.worker import run_worker

    if not _checked():
        return 1
    run_worker(interval=args.interval, once=args.once)
    return 0


def cmd_manage(args) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rexian manage", *args.args])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rexian",
        description="Rexian（热线）：政务服务便民热线平台。数据库由 REXIAN_DATABASE_URL 指定，默认使用数据目录中的 SQLite。",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="迁移数据库、首次运行时创建管理员，并以 Granian 提供 Web 服务")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, help="Web 进程数（默认按 CPU 核数）")
    serve.add_argument("--threads", type=int, default=None, help="每个 Web 进程的线程数（默认 4）")
    serve.add_argument("--demo", action="store_true", help="同时写入示例市演示数据")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="写入示例市演示数据（可重复执行）")
    demo.add_argument("--orders", type=int, default=500, help="演示工单数量（默认 500）")
    demo.set_defaults(func=cmd_demo)

    user = sub.add_parser("user", help="用户管理").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", help="创建用户")
    add.add_argument("username")
    add.add_argument(
        "--role", required=True, choices=["agent", "dispatcher", "department", "reviewer", "callback", "supervisor", "admin"]
    )
    add.add_argument("--department", help="承办单位编码（department 角色必填，见 /api/v1/departments）")
    add.add_argument("--password", help="初始密码（省略则随机生成并打印）")
    add.set_defaults(func=cmd_user_add)

    token = sub.add_parser("token", help="API 令牌").add_subparsers(dest="token_command", required=True)
    create = token.add_parser("create", help="为用户创建 API 令牌并打印（只保存其哈希）")
    create.add_argument("username")
    create.add_argument("--name", default="", help="令牌用途说明")
    create.set_defaults(func=cmd_token_create)

    sweep = sub.add_parser("sweep", help="记录临期、超期事件并发出通知（一次）")
    sweep.set_defaults(func=cmd_sweep)

    worker = sub.add_parser("worker", help="后台工作进程：定时扫描时限等")
    worker.add_argument("--interval", type=int, default=60, help="两次扫描之间的秒数")
    worker.add_argument("--once", action="store_true", help="只运行一轮后退出")
    worker.set_defaults(func=cmd_worker)

    manage = sub.add_parser("manage", help="Django 管理命令透传，例如 rexian manage migrate")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
