"""``rexian campaign …``: probe campaigns (拨测任务) from the command line.

    rexian campaign create --name 2025Q3 --hotlines lines.csv --rounds 4 --calls 10 \\
        --window 09:00-12:00 --window 14:00-17:00 --start 2025-07-10 --round-days 7 \\
        --proxy 198.51.100.7:5060 --auth-user 0571861234567 --allow-domain ims.example.cn
    rexian campaign plan 2025Q3 --seed 7
    rexian campaign start 2025Q3
    rexian campaign run [2025Q3] [--once]
    rexian campaign status [2025Q3]
    rexian campaign export 2025Q3 --out probes.csv     # then: rexian evaluate probes.csv --out report/
    rexian campaign pause 2025Q3 / resume 2025Q3

Exit status: 0 done, 1 nothing to do or failed to write, 2 invalid arguments
or a request the campaign's state does not allow.  The trunk password comes
from ``--password`` or, better, ``$REXIAN_SIP_PASSWORD`` and is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from rexian.core.cliargs import fail, iso_date, positive_int

BAD_INPUT, FAILED = 2, 1
PASSWORD_ENV = "REXIAN_SIP_PASSWORD"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("campaign", help="拨测任务：建任务、排期、拨打、导出（供 rexian evaluate 评估）")
    actions = parser.add_subparsers(dest="campaign_command", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="新建拨测任务（草稿）并导入热线")
    create.add_argument("--name", required=True)
    create.add_argument("--hotlines", required=True, metavar="FILE.csv", help="列：hotline_id,province,city,sip_uri")
    create.add_argument("--rounds", type=positive_int, default=4, help="轮次（默认 4）")
    create.add_argument("--calls", type=positive_int, default=10, help="每轮每条热线拨打次数（默认 10）")
    create.add_argument("--window", action="append", default=[], metavar="HH:MM-HH:MM",
                        help="每日拨测时段（当地时间），可重复")
    create.add_argument("--start", type=iso_date, help="首轮开始日期 YYYY-MM-DD（配合 --window）")
    create.add_argument("--round-days", type=positive_int, default=1, help="每轮天数（默认 1）")
    create.add_argument("--round-interval-days", type=positive_int, help="相邻两轮开始日期相隔天数（默认等于每轮天数）")
    create.add_argument("--round-window", action="append", default=[], metavar="R=START/END",
                        help="第 R 轮的明确时段（ISO 时间），如 1=2025-07-10T09:00/2025-07-10T17:00；可重复，代替 --window")
    create.add_argument("--proxy", required=True, metavar="HOST:PORT", help="出局代理：所有拨测只经它拨出")
    create.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    create.add_argument("--auth-user", default="", metavar="U")
    create.add_argument("--password", metavar="P", help=f"鉴权密码（默认取 ${PASSWORD_ENV}，不会出现在进程列表中）")
    create.add_argument("--from-user", default="", metavar="NUMBER", help="主叫号码")
    create.add_argument("--from-domain", default="", metavar="HOST")
    create.add_argument("--local-ip", default="", metavar="IP")
    create.add_argument("--allow-domain", action="append", default=[], metavar="HOST",
                        help="热线 URI 允许的主机（出局代理的主机总是允许），可重复")
    create.add_argument("--ring-timeout", type=float, default=30.0, metavar="S", help="振铃超时秒数（默认 30）")
    create.add_argument("--hold", type=float, default=5.0, metavar="S", help="接通后保持秒数（默认 5）")
    create.add_argument("--concurrency", type=positive_int, default=2, help="最大同时通话数（默认 2）")
    create.add_argument("--max-per-minute", type=positive_int, default=10, help="每分钟最多拨打次数（默认 10）")
    create.add_argument("--min-spacing", type=positive_int, default=1800, metavar="S",
                        help="同一热线两次拨打的最小间隔秒数（默认 1800）")
    create.add_argument("--late-grace", type=int, default=60, metavar="MIN",
                        help="时段结束后还允许补拨的分钟数（默认 60）")
    create.add_argument("--evaluation-config", default="", metavar="FILE.toml", help="死线规则所用的评估配置")
    create.set_defaults(func=handle_create)

    plan = actions.add_parser("plan", help="为任务排期：每次拨打随机落在所在轮次的时段内")
    plan.add_argument("campaign", metavar="CAMPAIGN", help="任务名称或编号")
    plan.add_argument("--seed", type=int, help="随机种子（同一种子排出同样的时间）")
    plan.add_argument("--fill-missing", action="store_true", help="已排期时只补排缺少的拨打（如新增的热线）")
    plan.add_argument("--include-past", action="store_true", help="时段中已过去的部分也排（默认只排现在以后）")
    plan.set_defaults(func=handle_plan)

    for name, help_text in (("start", "开始任务（草稿 → 进行中）"), ("pause", "暂停任务：不再拨出新的电话"),
                            ("resume", "恢复已暂停的任务")):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("campaign", metavar="CAMPAIGN")
        action.set_defaults(func=handle_status_change, action=name)

    run = actions.add_parser("run", help="立即拨打到期的电话（每轮有上限）；不加 --once 则持续运行到任务结束")
    run.add_argument("campaign", nargs="?", metavar="CAMPAIGN", help="只运行这个任务（默认所有进行中的任务）")
    run.add_argument("--once", action="store_true", help="只运行一轮")
    run.add_argument("--limit", type=positive_int, default=20, help="每轮最多拨打次数（默认 20）")
    run.set_defaults(func=handle_run)

    status = actions.add_parser("status", help="任务列表，或一个任务的进度、结果与死线")
    status.add_argument("campaign", nargs="?", metavar="CAMPAIGN")
    status.set_defaults(func=handle_status)

    export = actions.add_parser("export", help="导出已完成的拨打为测试电话 CSV（rexian evaluate 的输入）")
    export.add_argument("campaign", metavar="CAMPAIGN")
    export.add_argument("--out", required=True, metavar="FILE.csv")
    export.set_defaults(func=handle_export)


# -- handlers -------------------------------------------------------------------------


def handle_create(args: argparse.Namespace) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.telephony.campaigns import (
        CampaignError,
        create_campaign,
        read_hotlines_csv,
    )

    password = args.password if args.password is not None else os.environ.get(PASSWORD_ENV, "")
    try:
        round_windows = _round_windows(args.round_window, args.rounds)
        hotlines = read_hotlines_csv(args.hotlines)
        campaign = create_campaign(
            hotlines,
            name=args.name, rounds=args.rounds, calls_per_round=args.calls,
            daily_windows=args.window, start_date=args.start, round_days=args.round_days,
            round_interval_days=args.round_interval_days, round_windows=round_windows,
            min_spacing_seconds=args.min_spacing, late_grace_minutes=max(args.late_grace, 0),
            concurrency=args.concurrency, max_calls_per_minute=args.max_per_minute,
            ring_timeout=args.ring_timeout, hold=args.hold,
            proxy=args.proxy, transport=args.transport, auth_user=args.auth_user,
            password=password if args.auth_user else "", from_user=args.from_user,
            from_domain=args.from_domain, local_ip=args.local_ip, allowed_domains=args.allow_domain,
            evaluation_config=args.evaluation_config,
        )
    except CampaignError as error:
        return fail(error)
    print(f"已创建拨测任务 {campaign.name}（编号 {campaign.pk}，{len(hotlines)} 条热线，草稿）。"
          f"下一步：rexian campaign plan {campaign.name}")
    return 0


def handle_plan(args: argparse.Namespace) -> int:
    from rexian.cli import setup_django

    setup_django()
    from django.utils import timezone

    from rexian.telephony.campaigns import CampaignError, find_campaign, plan

    try:
        campaign = find_campaign(args.campaign)
        created = plan(
            campaign, args.seed, fill_missing=args.fill_missing,
            not_before=None if args.include_past else timezone.now(),
        )
    except CampaignError as error:
        return fail(error)
    first = campaign.calls.order_by("scheduled_at").first()
    last = campaign.calls.order_by("-scheduled_at").first()
    span = f"，{_local(first.scheduled_at)} 至 {_local(last.scheduled_at)}" if first else ""
    print(f"任务 {campaign.name} 已排期 {created} 次拨打（种子 {campaign.seed}{span}）。")
    if campaign.status == "draft":
        print(f"下一步：rexian campaign start {campaign.name}")
    return 0


def handle_status_change(args: argparse.Namespace) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.telephony.campaigns import CampaignError, change_status, find_campaign

    try:
        campaign = change_status(find_campaign(args.campaign), args.action)
    except CampaignError as error:
        return fail(error)
    print(f"任务 {campaign.name}：{campaign.get_status_display()}")
    return 0


def handle_run(args: argparse.Namespace) -> int:
    from rexian.cli import setup_django

    setup_django()
    from django.utils import timezone

    from rexian.telephony.campaigns import CampaignError, find_campaign
    from rexian.telephony.models import CampaignStatus
    from rexian.telephony.scheduler import next_due, run_due_calls

    campaign = None
    if args.campaign:
        try:
            campaign = find_campaign(args.campaign)
        except CampaignError as error:
            return fail(error)
        if campaign.status != CampaignStatus.RUNNING:
            return fail(f"任务 {campaign.name} 当前为“{campaign.get_status_display()}”，没有可拨打的电话"
                         f"（需要时先 rexian campaign start {campaign.name}）")
    total = 0
    try:
        while True:
            result = run_due_calls(limit=args.limit, campaign=campaign)
            total += result.done
            if result.claimed or result.missed or result.errors or result.finished:
                print(f"[{_local(timezone.now())}] {result.summary()}", flush=True)
            if args.once:
                break
            due = next_due(campaign)
            if due is None and not _in_flight(campaign):
                break
            wait = 30.0 if due is None else min(max((due - timezone.now()).total_seconds(), 0.5), 30.0)
            if not result.claimed:
                time.sleep(wait)
    except KeyboardInterrupt:
        print("已中断：未完成的拨打已挂断并放回队列。", file=sys.stderr)
        return FAILED
    if not args.once:
        print(f"没有待拨打的电话了，共拨打 {total} 次。")
    return 0


def handle_status(args: argparse.Namespace) -> int:
    from rexian.cli import setup_django

    setup_django()
    from django.db.models import Count

    from rexian.telephony.campaigns import CampaignError, find_campaign
    from rexian.telephony.models import Campaign

    if not args.campaign:
        campaigns = Campaign.objects.annotate(n_hotlines=Count("hotlines", distinct=True), n_calls=Count("calls", distinct=True))
        if not campaigns:
            print("还没有拨测任务。用 rexian campaign create 新建。")
        for item in campaigns:
            print(f"{item.pk:>4}  {item.name}  {item.get_status_display()}  热线 {item.n_hotlines}  拨打 {item.n_calls}")
        return 0
    try:
        campaign = find_campaign(args.campaign)
    except CampaignError as error:
        return fail(error)
    print(_describe(campaign))
    return 0


def handle_export(args: argparse.Namespace) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.telephony.campaigns import (
        CampaignError,
        dead_line_config,
        find_campaign,
    )
    from rexian.telephony.export import export_csv

    try:
        campaign = find_campaign(args.campaign)
    except CampaignError as error:
        return fail(error)
    if not args.out.lower().endswith(".csv"):
        return fail(f"输出文件 {args.out} 的扩展名应为 .csv")
    try:
        count = export_csv(campaign, args.out)
    except OSError as error:
        print(f"错误：无法写入 {args.out}（{error.strerror or error}）", file=sys.stderr)
        return FAILED
    print(f"已导出 {count} 次拨打到 {args.out}。评估：rexian evaluate {args.out} --out 报告目录")
    rounds = dead_line_config(campaign.evaluation_config).rounds
    if campaign.rounds > rounds:
        print(f"注意：任务有 {campaign.rounds} 轮，评估配置只有 {rounds} 轮；"
              f"评估时请用 --config 设置 [campaign] rounds = {campaign.rounds}")
    return 0 if count else FAILED


# -- helpers -------------------------------------------------------------------------


def _describe(campaign) -> str:
    from django.db.models import Count

    from rexian.telephony.campaigns import call_bound
    from rexian.telephony.scheduler import next_due

    calls = campaign.calls
    by_status = dict(calls.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    outcomes = dict(calls.filter(status="done").values_list("outcome").annotate(n=Count("pk")).values_list("outcome", "n"))
    dead = list(campaign.hotlines.filter(dead_line=True).values_list("hotline_id", "flagged_at"))
    windows = campaign.round_windows or campaign.daily_windows
    lines = [
        f"任务 {campaign.name}（编号 {campaign.pk}）：{campaign.get_status_display()}",
        f"  热线 {campaign.hotlines.count()} 条，{campaign.rounds} 轮 × 每轮 {campaign.calls_per_round} 次；时段 {windows}",
        f"  中继：代理 {campaign.proxy}/{campaign.transport}，鉴权用户 {campaign.auth_user or '—'}，"
        f"密码 {'已设置' if campaign.password else '未设置'}，主叫 {campaign.from_user or '—'}",
        f"  限额：同时 {campaign.concurrency} 通，每分钟 {campaign.max_calls_per_minute} 次，"
        f"振铃 {campaign.ring_timeout:g} 秒，保持 {campaign.hold:g} 秒（每通最长 {call_bound(campaign):g} 秒）",
        "  拨打：" + ("，".join(f"{key} {value}" for key, value in sorted(by_status.items())) or "尚未排期"),
        "  结果：" + ("，".join(f"{key} {value}" for key, value in sorted(outcomes.items())) or "—"),
        "  死线：" + ("，".join(f"{hid}（{_local(at)}）" for hid, at in dead) or "无"),
    ]
    due = next_due(campaign)
    if due is not None:
        lines.append(f"  下一次拨打：{_local(due)}")
    return "\n".join(lines)


def _in_flight(campaign) -> bool:
    from rexian.telephony.models import CallStatus, CampaignStatus, ProbeCall

    calls = ProbeCall.objects.filter(status=CallStatus.CLAIMED, campaign__status=CampaignStatus.RUNNING)
    if campaign is not None:
        calls = calls.filter(campaign=campaign)
    return calls.exists()


def _round_windows(values: list[str], rounds: int) -> list:
    from rexian.telephony.campaigns import CampaignError

    if not values:
        return []
    by_round: dict[int, list] = {}
    for value in values:
        number, sep, span = value.partition("=")
        start, slash, end = span.partition("/")
        if not sep or not slash or not (number.strip().isascii() and number.strip().isdigit()):
            raise CampaignError(f"--round-window {value!r} 应写成 R=开始/结束，如 1=2025-07-10T09:00/2025-07-10T17:00")
        by_round.setdefault(int(number), []).append([start.strip(), end.strip()])
    missing = [str(r) for r in range(1, rounds + 1) if r not in by_round]
    extra = [str(r) for r in by_round if not 1 <= r <= rounds]
    if missing or extra:
        raise CampaignError(f"--round-window 须给出第 1 到 {rounds} 轮的时段"
                            + (f"，缺第 {'、'.join(missing)} 轮" if missing else "")
                            + (f"，多出第 {'、'.join(extra)} 轮" if extra else ""))
    return [by_round[r] for r in range(1, rounds + 1)]


def _local(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


