"""`rexian calls …`: import call files, print the figures, size the staffing."""

import json
import sys
import unicodedata
from datetime import date

ERRORS_SHOWN = 20


def register(subparsers) -> None:
    calls = subparsers.add_parser("calls", help="话务统计：导入话单，统计接通率、服务水平，测算坐席").add_subparsers(
        dest="calls_command", required=True, metavar="ACTION"
    )

    imp = calls.add_parser("import", help="导入 CSV 或 Asterisk queue_log 话单（可重复导入，不会重复计数）")
    imp.add_argument("file", help="文件路径（.gz 亦可）")
    imp.add_argument("--format", choices=["csv", "queue_log"], help="省略时按首行判断")
    imp.add_argument("--source", default="default", help="话单来源（如交换机名称）；通话以 来源+call_id 去重")
    imp.add_argument("--partial", action="store_true", help="有错误行时仍导入正确的行（默认整份拒绝）")
    imp.add_argument("--number", dest="number_called", default="", help="queue_log 没有 DID 行时使用的被叫号码")
    imp.add_argument("--force", action="store_true", help="内容与已导入文件相同也重新读取")
    imp.add_argument("--user", help="记为导入人的用户名")
    imp.set_defaults(func=cmd_import)

    figures = calls.add_parser("figures", help="话务指标：接通率、服务水平、平均应答、平均处理时长，并对照 GB/T 33358")
    figures.add_argument("--from", dest="date_from", required=True, type=date.fromisoformat, help="开始日期 YYYY-MM-DD")
    figures.add_argument("--to", dest="date_to", required=True, type=date.fromisoformat, help="结束日期（含当天）")
    figures.add_argument("--by", choices=["day", "hour", "half_hour", "period"], default="day")
    figures.add_argument("--split", choices=["queue", "number_called"], help="按队列或被叫号码分列")
    figures.add_argument("--threshold", type=int, help="服务水平秒数（默认 GB/T 33358 的 15 秒）")
    figures.add_argument("--short-abandon", type=int, help="少于此秒数的放弃不计入呼入与放弃（默认见配置，0 为不排除）")
    figures.add_argument("--queue")
    figures.add_argument("--number", dest="number_called")
    figures.add_argument("--format", choices=["table", "json"], default="table")
    figures.add_argument("--from-records", action="store_true", help="直接从通话记录计算（全表扫描，用于核对汇总表）")
    figures.set_defaults(func=cmd_figures)

    staffing = calls.add_parser("staffing", help="按过去几周同一星期几的话务，测算每半小时所需坐席（Erlang C / A）")
    staffing.add_argument("--date", required=True, type=date.fromisoformat, help="要排班的日期")
    staffing.add_argument("--target", type=float, default=0.95, help="目标服务水平（默认 0.95）")
    staffing.add_argument("--seconds", type=int, help="目标秒数（默认 15）")
    staffing.add_argument("--patience", type=float, help="来电者平均耐心秒数：给出则用 Erlang A")
    staffing.add_argument("--weeks", type=int, default=4, help="取过去几周（默认 4）")
    staffing.add_argument("--aht", type=float, help="平均处理秒数（默认取历史通话时长）")
    staffing.add_argument("--queue")
    staffing.add_argument("--number", dest="number_called")
    staffing.add_argument("--format", choices=["table", "json"], default="table")
    staffing.set_defaults(func=cmd_staffing)


def _error(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def cmd_import(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.accounts.models import User
    from rexian.callcentre.importer import CallFileError, import_calls

    user = None
    if args.user:
        user = User.objects.filter(username=args.user, is_active=True).first()
        if user is None:
            return _error(f"用户 {args.user} 不存在或已停用")
    try:
        result = import_calls(
            args.file,
            format=args.format,
            source=args.source,
            user=user,
            partial=args.partial,
            number_called=args.number_called,
            skip_identical=not args.force,
        )
    except CallFileError as error:
        return _error(str(error))
    record = result.record
    print(
        f"{record.file_name}（{record.get_format_display()}，来源 {record.source}）：{record.get_status_display()}。"
        f"读取 {record.rows_read} 行，新增 {record.calls_added} 通，已有 {record.calls_skipped} 通，"
        f"未结束 {record.calls_incomplete} 通，错误 {record.rows_rejected} 行。"
    )
    if record.note:
        print(record.note)
    if result.errors_total:
        for error in result.errors[:ERRORS_SHOWN]:
            print(f"第 {error['line']} 行：{error['message']}", file=sys.stderr)
        if result.errors_total > ERRORS_SHOWN:
            print(f"……另有 {result.errors_total - ERRORS_SHOWN} 个错误（见导入记录 #{record.pk}）", file=sys.stderr)
        return 2
    return 0


def cmd_figures(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.callcentre.figures import FiguresError, call_figures, day_bounds

    if args.date_to < args.date_from:
        return _error("--to 不能早于 --from")
    try:
        report = call_figures(
            *day_bounds(args.date_from, args.date_to),
            by=args.by,
            split=args.split,
            threshold=args.threshold,
            short_abandon=args.short_abandon,
            queue=args.queue,
            number_called=args.number_called,
            from_records=args.from_records,
        )
    except FiguresError as error:
        return _error(str(error))
    if args.format == "json":
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(figures_table(report))
    return 0


def figures_table(report) -> str:
    threshold = report.threshold
    header = ["时段", "呼入", "接通", "放弃", "短时放弃", "接通率", f"{threshold}秒服务水平", "SL2", "平均应答", "平均处理", "放弃率"]
    if report.split:
        header.insert(1, "队列" if report.split == "queue" else "被叫号码")

    def cells(figures, label=None):
        c = figures.counts
        row = [
            label or figures.label,
            c.offered,
            c.answered,
            c.abandoned,
            c.short_abandoned,
            figures.connection_rate.text(),
            figures.service_level.text(),
            figures.service_level2.text(),
            figures.average_speed_of_answer.text(),
            figures.average_handle_time.text(),
            figures.abandonment_rate.text(),
        ]
        if report.split:
            row.insert(1, next(iter(figures.group.values()), "") or "（空）")
        return [str(cell) for cell in row]

    rows = [cells(row) for row in report.rows]
    total = cells(report.total, "合计")
    if report.split:
        total[1] = ""
    lines = _columns([header, *rows, total])
    if report.worst_24h:
        window = report.worst_24h
        lines.append(
            f"最低的 24 小时接通率：{window.connection_rate.text()}"
            f"（{window.start:%Y-%m-%d %H:%M} 起，{window.connection_rate.numerator}/{window.connection_rate.denominator}）"
        )
    lines.append("GB/T 33358-2016：")
    for check in report.checks:
        verdict = {True: "达标", False: "未达标", None: "无数据"}[check.passed]
        lines.append(f"  {check.label}：{check.value}（要求 {check.target}）{verdict}")
    if report.short_abandon:
        lines.append(f"短时放弃（等待少于 {report.short_abandon} 秒）不计入呼入与放弃。")
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        parts = [
            cell + " " * (width - _width(cell)) if i == 0 else " " * (width - _width(cell)) + cell
            for i, (cell, width) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(parts).rstrip())
    return lines


def cmd_staffing(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.callcentre.staffing import StaffingError, staffing_for_day
    from rexian.evaluation.rates import cut

    if not 0 < args.target < 1:
        return _error("--target 须在 0 与 1 之间，例如 0.95")
    try:
        table = staffing_for_day(
            args.date,
            weeks=args.weeks,
            target=args.target,
            seconds=args.seconds,
            patience_seconds=args.patience,
            aht_seconds=args.aht,
            queue=args.queue,
            number_called=args.number_called,
        )
    except StaffingError as error:
        return _error(str(error))
    if args.format == "json":
        print(json.dumps(table.as_dict(), ensure_ascii=False, indent=2))
        return 0
    model = "Erlang C" if table.patience_seconds is None else f"Erlang A（平均耐心 {table.patience_seconds:g} 秒）"
    print(
        f"{table.day} 排班测算：{model}，目标 {table.target * 100:g}% 的来电在 {table.seconds} 秒内接听；"
        f"预测取 {', '.join(day.isoformat() for day in table.history_days)} 的平均"
    )
    rows = [["时段", "预测来电", "平均处理", "所需坐席", "服务水平", "平均应答", "放弃率", "占用率"]]
    for row in table.rows:
        rows.append(
            [
                row.start.strftime("%H:%M"),
                f"{float(row.calls):.1f}",
                f"{float(row.aht_seconds):.0f}s",
                str(row.agents),
                f"{cut(row.service_level * 100)}%",
                f"{row.asa_seconds:.1f}s",
                f"{row.probability_abandon:.2%}",
                f"{row.occupancy:.0%}",
            ]
        )
    print("\n".join(_columns(rows)))
    print(f"合计 {float(table.agent_hours):g} 坐席·小时")
    return 0
