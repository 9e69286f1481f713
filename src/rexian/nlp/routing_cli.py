"""``rexian routing evaluate``: train on one CSV, score on another, no database needed.

Registered by rexian.cli through ``register(subparsers)``. Training from the
database (``routing train``) belongs to the Django side and reuses
rexian.nlp.routing.RoutingModel.

Bad input (missing file or column, no rows, a single label) prints one line
naming the file and exits with status 2, as argparse does for bad arguments.
scikit-learn is imported inside the handler, so registering this command
costs the rest of ``rexian`` nothing at start-up.
"""

import argparse
import json
import sys
from pathlib import Path

from rexian.nlp.labelled_csv import TEXT_FIELDS, DatasetError, read_labelled_csv, require_several_labels

BAD_INPUT = 2


def register(subparsers):
    """Add `routing evaluate`; returns the sub-command set so the Django side can add its own."""
    routing = subparsers.add_parser("routing", help="工单智能分类（分派建议）")
    commands = routing.add_subparsers(dest="routing_command", required=True, metavar="COMMAND")
    evaluate = commands.add_parser(
        "evaluate",
        help="用一个 CSV 训练、另一个 CSV 测试，输出分类效果",
        description="在 --train 上训练分类模型，在 --test 上评估。两个文件均为 UTF-8 CSV，"
        "须含 id,title,detail,label 列。",
    )
    evaluate.add_argument("--train", type=Path, required=True, metavar="FILE.csv", help="训练集")
    evaluate.add_argument("--test", type=Path, required=True, metavar="FILE.csv", help="测试集")
    evaluate.add_argument(
        "--text-field",
        choices=TEXT_FIELDS,
        default="full",
        help="模型读取的内容：title 仅标题，full 标题加详情（默认 full）",
    )
    evaluate.add_argument("--format", choices=("json", "text"), default="text", help="输出格式（默认 text）")
    evaluate.add_argument(
        "--no-detail-training",
        dest="detail_for_titles",
        action="store_false",
        help="与 --text-field title 同用：只用标题训练（默认同时用训练集的详情训练）",
    )
    evaluate.set_defaults(func=evaluate_command)
    return commands


def evaluate_command(args: argparse.Namespace) -> int:
    from rexian.nlp.routing import RoutingModel
    from rexian.nlp.routing_evaluation import evaluate

    try:
        train = read_labelled_csv(args.train)
        require_several_labels(train, args.train)
        test = read_labelled_csv(args.test)
        report = evaluate(RoutingModel(), train, test, args.text_field, detail_for_titles=args.detail_for_titles)
    except (DatasetError, ValueError) as error:
        print(f"rexian routing evaluate: error: {error}", file=sys.stderr)
        return BAD_INPUT
    report["detail_for_titles"] = args.detail_for_titles and args.text_field == "title"
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        width = max(map(len, report))
        for name, value in report.items():
            print(f"{name:<{width}}  {f'{value:.4f}' if isinstance(value, float) else value}")
    return 0
