"""`rexian routing train | models | rollback | resume` (and `evaluate`, from rexian.nlp.routing_cli)."""

import getpass
import sys

from rexian.nlp import routing_cli

KINDS = ("category", "unit")


def train_command(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    if args.scheduled:
        return _scheduled_train()
    from rexian.routing.training import NotEnoughData, train

    status = 0
    for kind in KINDS if args.kind == "both" else (args.kind,):
        try:
            version = train(kind, activate=args.activate)
        except NotEnoughData as error:
            print(f"{kind}：{error}", file=sys.stderr)
            status = 2
            continue
        print(_describe(version))
    return status


def _describe(version) -> str:
    metrics = version.metrics
    if version.active:
        outcome = "已启用。"
    else:
        outcome = f"未启用：{metrics['not_activated']}" if metrics.get("not_activated") else "未启用。"
    return (
        f"{version.get_kind_display()}模型 #{version.pk}：{version.training_orders} 件工单，{version.labels} 类，"
        f"交叉验证 macro-F1 {metrics.get('cv_macro_f1', 0):.3f}，top-3 {metrics.get('cv_top3_accuracy', 0):.3f}，"
        f"用时 {metrics.get('training_seconds')} 秒；{outcome}"
    )


def _scheduled_train() -> int:
    """What the worker runs in a child process: the kinds that are due, each claimed first."""
    from rexian.routing.training import retrain_if_due

    for version in retrain_if_due():
        print(_describe(version))
    return 0


def models_command(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.routing.accuracy import production_accuracy
    from rexian.routing.models import RoutingModelVersion

    from rexian.routing.models import RoutingKindState

    for state in RoutingKindState.objects.filter(pinned_at__isnull=False):
        print(f"{state.kind}：{state.pinned_by or '管理员'} 于 {state.pinned_at:%Y-%m-%d %H:%M} 回滚并锁定，"
              f"定时重训暂停（`rexian routing resume --kind {state.kind}` 恢复）。")
    for version in RoutingModelVersion.objects.defer("model"):
        mark = "*" if version.active else " "
        pruned = "  （权重已清除，不能回滚）" if version.pruned_at else ""
        if version.not_activated:
            pruned += "  （定时重训未启用：指标不如当时的版本或已锁定）"
        print(f"{mark} #{version.pk:<4} {version.kind:<9} {version.created_at:%Y-%m-%d %H:%M}  "
              f"{version.training_orders:>7} 件  macro-F1 {version.metrics.get('cv_macro_f1', 0):.3f}{pruned}")
    accuracy = production_accuracy()
    if accuracy["dispatched"]:
        print(f"生产环境：{accuracy['dispatched']} 件按建议派单统计，采纳首选 {accuracy['taken']} 件，"
              f"前三含所派单位 {accuracy['in_top3']} 件，采纳后被退单 {accuracy['taken_returned']} 件。")
    return 0


def rollback_command(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.routing.models import RoutingModelVersion
    from rexian.routing.training import PrunedVersion, activate_version

    version = RoutingModelVersion.objects.defer("model").filter(pk=args.version).first()
    if version is None:
        print(f"错误：没有编号为 {args.version} 的模型版本；用 `rexian routing models` 查看。", file=sys.stderr)
        return 2
    try:
        activate_version(version, pin=True, pinned_by=f"{getpass.getuser()}（命令行）")
    except PrunedVersion as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    print(f"已启用 {version}。定时重训暂停（该类模型已锁定），直到执行 `rexian routing train` "
          f"或 `rexian routing resume --kind {version.kind}`。")
    return 0


def resume_command(args) -> int:
    from rexian.cli import setup_django

    setup_django()
    from rexian.routing.training import resume_schedule

    for kind in KINDS if args.kind == "both" else (args.kind,):
        resumed = resume_schedule(kind)
        print(f"{kind}：{'已恢复定时重训。' if resumed else '未锁定，定时重训照常。'}")
    return 0


def register(subparsers) -> None:
    commands = routing_cli.register(subparsers)
    train = commands.add_parser("train", help="用本中心已办结工单训练分类/承办单位模型并启用")
    train.add_argument("--kind", choices=(*KINDS, "both"), default="both")
    train.add_argument("--no-activate", dest="activate", action="store_false", help="只训练、保存，不启用新版本")
    train.add_argument(
        "--scheduled", action="store_true",
        help="定时重训（工作进程调用）：只训练到期且未锁定的类型，新版本不差于当前版本才启用",
    )
    train.set_defaults(func=train_command)
    models = commands.add_parser("models", help="列出模型版本（* 为当前使用）和生产环境准确率")
    models.set_defaults(func=models_command)
    rollback = commands.add_parser("rollback", help="启用某个较早的模型版本，并暂停定时重训（锁定）")
    rollback.add_argument("version", type=int)
    rollback.set_defaults(func=rollback_command)
    resume = commands.add_parser("resume", help="解除回滚造成的锁定，恢复定时重训")
    resume.add_argument("--kind", choices=(*KINDS, "both"), default="both")
    resume.set_defaults(func=resume_command)
