"""`rexian evaluate` (third-party monitoring report) and `rexian evaluate-generate` (synthetic probes).

Bad input never shows a traceback: the message names the file, row, column or
configuration key and says what to do, and the exit status is 2 (as argparse
uses for bad arguments). Failing to write the output is status 1.

The monitoring modules are imported inside the handlers, so registering these
commands costs the rest of `rexian` nothing at start-up.
"""

import argparse
from datetime import date
from pathlib import Path

from rexian.core.cliargs import fail, iso_date, positive_int
from rexian.evaluation.monitoring.config import DEFAULT_CONFIG_PATH, load_config
from rexian.evaluation.monitoring.errors import InputError

BAD_INPUT, WRITE_FAILED = 2, 1
REPORT_NAMES = ("report.json", "report.xlsx", "report.html")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="评估第三方监测（拨测）结果，生成排行榜与报告",
        description="读取测试电话记录（每次拨测一行），计算接通情况、服务水平、得分、排名和榜单，"
        "在输出目录写入 report.json、report.xlsx 和可离线打开的 report.html。",
    )
    parser.add_argument("probes", metavar="PROBES", help="本期测试电话文件（.csv 或 .xlsx）")
    parser.add_argument("--previous", metavar="PREVIOUS_PROBES", help="上期（如去年同期）测试电话文件，用于最佳进步榜")
    parser.add_argument(
        "--config", metavar="FILE", help=f"评分配置（TOML），只需写要修改的键；默认配置见 {DEFAULT_CONFIG_PATH}"
    )
    parser.add_argument("--out", metavar="DIR", required=True, help="输出目录（不存在时自动创建）")
    parser.set_defaults(func=evaluate_handler)

    generator = subparsers.add_parser(
        "evaluate-generate",
        help="生成模拟的第三方监测测试电话数据（用于演示和测试）",
        description="按随机种子生成可复现的模拟监测数据：真实省份和城市名，热线、温线、冷线、死线混合。",
    )
    generator.add_argument("--hotlines", type=positive_int, default=334, help="热线条数（默认 334）")
    generator.add_argument("--rounds", type=positive_int, default=4, help="监测轮次（默认 4）")
    generator.add_argument("--calls", type=positive_int, default=10, help="每条热线每轮拨打次数（默认 10）")
    generator.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
    generator.add_argument("--start", type=iso_date, default=date(2017, 7, 10), help="首轮开始日期（默认 2017-07-10）")
    generator.add_argument("--end", type=iso_date, default=date(2017, 8, 15), help="末轮结束日期（默认 2017-08-15）")
    generator.add_argument("--out", metavar="FILE", required=True, help="输出文件（.csv 或 .xlsx）")
    generator.add_argument("--previous-out", metavar="FILE", help="同时生成上一年同期的数据，用于 --previous")
    generator.set_defaults(func=generate_handler)


def evaluate_handler(args: argparse.Namespace) -> int:
    from rexian.evaluation.monitoring.campaign import evaluate
    from rexian.evaluation.monitoring.probes import load_probes
    from rexian.evaluation.monitoring.report_html import write_html
    from rexian.evaluation.monitoring.report_json import write_json
    from rexian.evaluation.monitoring.report_xlsx import write_xlsx

    try:
        config = load_config(args.config)
        probes = load_probes(args.probes, config)
        previous = load_probes(args.previous, config) if args.previous else None
    except InputError as error:
        return fail(error, BAD_INPUT)
    evaluation = evaluate(probes, config, previous, probes_file=args.probes, previous_file=args.previous)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, write in zip(REPORT_NAMES, (write_json, write_xlsx, write_html)):
            write(evaluation, out / name)
    except OSError as error:
        return fail(f"无法写入输出目录 {out}（{error.strerror or error}）：请检查路径和权限", WRITE_FAILED)
    print(
        f"已评估 {len(evaluation.hotlines)} 条热线、{evaluation.calls} 次测试电话；"
        f"报告已写入 {out}：{'、'.join(REPORT_NAMES)}"
    )
    return 0


def generate_handler(args: argparse.Namespace) -> int:
    from rexian.evaluation.monitoring.probes import write_probes
    from rexian.evaluation.monitoring.synthetic import ITEM_BEHAVIOUR, generate_campaign

    targets = [Path(args.out)] + ([Path(args.previous_out)] if args.previous_out else [])
    for target in targets:
        if target.suffix.lower() not in (".csv", ".xlsx"):
            return fail(f"输出文件 {target} 的扩展名应为 .csv 或 .xlsx", BAD_INPUT)
    if args.end < args.start:
        return fail(f"结束日期 {args.end} 早于开始日期 {args.start}", BAD_INPUT)
    current, previous = generate_campaign(args.hotlines, args.rounds, args.calls, args.seed, args.start, args.end)
    try:
        for target, probes in zip(targets, (current, previous)):
            write_probes(target, probes, tuple(ITEM_BEHAVIOUR))
    except OSError as error:
        return fail(f"无法写入 {error.filename or targets[0]}（{error.strerror or error}）：请检查路径和权限", WRITE_FAILED)
    print(f"已生成 {args.hotlines} 条热线 × {args.rounds} 轮 × {args.calls} 次 = {len(current)} 次测试电话：{args.out}")
    if args.rounds != load_config().rounds:
        print(f"注意：评估时请在配置文件中设置 [campaign] rounds = {args.rounds}")
    return 0


