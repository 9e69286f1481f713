"""`rexian stats`: the KPI report for a period, as JSON or an XLSX file."""

import json
import sys

from rexian.core.cliargs import iso_date


def handle(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.metrics.report import build, write_xlsx

    if args.to < args.from_:
        print(f"错误：结束日期 {args.to} 早于开始日期 {args.from_}。", file=sys.stderr)
        return 2
    report = build(args.from_, args.to)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return 0
    out = args.out or f"rexian-stats-{args.from_}-{args.to}.xlsx"
    write_xlsx(report, out)
    print(f"已写入 {out}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("stats", help="运行指标（受理量、办结率、满意率……）与单位考核")
    parser.add_argument("--from", dest="from_", type=iso_date, required=True, metavar="DATE", help="开始日期 YYYY-MM-DD")
    parser.add_argument("--to", type=iso_date, required=True, metavar="DATE", help="结束日期（含）YYYY-MM-DD")
    parser.add_argument("--format", choices=["json", "xlsx"], default="json")
    parser.add_argument("--out", help="xlsx 输出文件（默认 rexian-stats-FROM-TO.xlsx）")
    parser.set_defaults(func=handle)
