"""``rexian routing ...`` commands that need no database.

Registered by rexian.cli through ``register(subparsers)``. Training from the
database (``routing train``) belongs to the Django side and reuses
rexian.nlp.routing.RoutingModel.
"""

import argparse
import json
import sys
from pathlib import Path

from rexian.nlp.labelled_csv import TEXT_FIELDS, DatasetError, read_labelled_csv, require_several_labels
from rexian.nlp.routing import RoutingModel
from rexian.nlp.routing_evaluation import evaluate

USAGE_ERROR = 2


def register(subparsers) -> None:
    routing = subparsers.add_parser("routing", help="suggest categories and units for messages")
    commands = routing.add_subparsers(dest="routing_command", required=True, metavar="COMMAND")
    evaluate_parser = commands.add_parser(
        "evaluate",
        help="train on one CSV, test on another, print the scores",
        description=(
            "Train a routing model on --train and score it on --test. Both CSV files need "
            "the columns id,title,detail,label (UTF-8)."
        ),
    )
    evaluate_parser.add_argument("--train", type=Path, required=True, metavar="FILE.csv")
    evaluate_parser.add_argument("--test", type=Path, required=True, metavar="FILE.csv")
    evaluate_parser.add_argument(
        "--text-field",
        choices=TEXT_FIELDS,
        default="full",
        help="what the model reads: the title only, or the title and the detail (default: full)",
    )
    evaluate_parser.add_argument("--format", choices=("json", "text"), default="text")
    evaluate_parser.add_argument(
        "--no-detail-training",
        dest="detail_for_titles",
        action="store_false",
        help="with --text-field title, train on titles only instead of titles plus details",
    )
    evaluate_parser.set_defaults(func=evaluate_command)


def evaluate_command(args: argparse.Namespace) -> int:
    try:
        train = read_labelled_csv(args.train)
        require_several_labels(train, args.train)
        test = read_labelled_csv(args.test)
        report = evaluate(RoutingModel(), train, test, args.text_field, detail_for_titles=args.detail_for_titles)
    except (DatasetError, ValueError) as error:
        print(f"rexian routing evaluate: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    report["detail_for_titles"] = args.detail_for_titles and args.text_field == "title"
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        width = max(map(len, report))
        for name, value in report.items():
            shown = f"{value:.4f}" if isinstance(value, float) else value
            print(f"{name:<{width}}  {shown}")
    return 0
