"""The scoring configuration: weights, curves, thresholds, lists.

The standard's weights are not public, so every number that shapes a score lives
in a TOML file. The default ships beside this module (every key commented); a
user's file names only the keys it changes and is merged over the default,
table by table. Floats are parsed as Decimal and held as Fractions, so a weight
of 0.7 is exactly 7/10 and scores compare exactly when ranking.
"""

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from rexian.evaluation.monitoring.errors import InputError

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")

# Columns every probe file has; item columns come from the configuration.
BASE_COLUMNS = (
    "hotline_id",
    "province",
    "city",
    "round",
    "called_at",
    "outcome",
    "seconds_to_human",
)

_ITEM_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Curve:
    """A piecewise linear scoring curve through (x, points) pairs, flat outside them."""

    points: tuple[tuple[Fraction, Fraction], ...]

    def __call__(self, x: Fraction) -> Fraction:
        (x0, y0), (xn, yn) = self.points[0], self.points[-1]
        if x <= x0:
            return y0
        if x >= xn:
            return yn
        for (left_x, left_y), (right_x, right_y) in zip(self.points, self.points[1:]):
            if x <= right_x:
                return left_y + (right_y - left_y) * (x - left_x) / (right_x - left_x)
        raise AssertionError("unreachable: x is inside the curve")


@dataclass(frozen=True)
class Item:
    """One checklist item: a probe-file column of 1 / 0 / empty."""

    key: str
    label: str
    weight: Fraction


@dataclass(frozen=True)
class Group:
    """A service dimension (服务礼仪, 沟通技巧, 问题回应) made of checklist items."""

    key: str
    label: str
    weight: Fraction
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Config:
    source: str
    rounds: int
    hot_min_rate: Fraction
    warm_min_rate: Fraction
    dead_min_calls: int
    weight_connection: Fraction
    weight_service: Fraction
    rate_weight: Fraction
    speed_weight: Fraction
    rate_curve: Curve
    speed_curve: Curve
    groups: tuple[Group, ...]
    top: int
    full_connection_allowed_imperfect_rounds: int
    full_connection_consecutive: bool
    most_improved_min_rise: int
    settings: dict

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for group in self.groups for item in group.items)

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @property
    def full_connection_min_rounds(self) -> int:
        return self.rounds - self.full_connection_allowed_imperfect_rounds


def load_config(path: str | Path | None = None) -> Config:
    """The default configuration, with the file at `path` (if any) merged over it."""
    settings = _read_toml(DEFAULT_CONFIG_PATH)
    source = str(DEFAULT_CONFIG_PATH)
    if path is not None:
        settings = _merge(settings, _read_toml(Path(path)))
        source = str(path)
    return _Parser(source).config(settings)


def _read_toml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "找不到配置文件", hint="请检查路径") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            path, f"无法读取配置文件（{error}）", hint="配置文件须为 UTF-8 编码的 TOML 文本"
        ) from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise InputError(path, f"不是有效的 TOML（{error}）", hint="请对照默认配置文件修改") from None


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _Parser:
    """Reads the merged settings, naming the file and the dotted key of any problem."""

    def __init__(self, source: str):
        self.source = source

    def error(self, key: str, message: str, hint: str = "") -> InputError:
        hint = hint or f"默认配置及每个键的说明见 {DEFAULT_CONFIG_PATH}"
        return InputError(self.source, message, key=key, hint=hint)

    def config(self, settings: dict) -> Config:
        self.table(
            settings, "", ("campaign", "line_classes", "weights", "connection", "service", "item_labels", "lists")
        )
        campaign = self.table(settings, "campaign", ("rounds",))
        classes = self.table(settings, "line_classes", ("hot_min_rate", "warm_min_rate", "dead_min_calls"))
        weights = self.table(settings, "weights", ("connection", "service"))
        connection = self.table(
            settings, "connection", ("rate_weight", "speed_weight", "rate_curve", "speed_curve")
        )
        lists = self.table(
            settings,
            "lists",
            (
                "top",
                "full_connection_allowed_imperfect_rounds",
                "full_connection_consecutive",
                "most_improved_min_rise",
            ),
        )

        rounds = self.integer(campaign, "campaign.rounds", minimum=1)
        hot = self.number(classes, "line_classes.hot_min_rate", 1)
        warm = self.number(classes, "line_classes.warm_min_rate", 1)
        if not warm < hot:
            raise self.error("line_classes.warm_min_rate", f"应小于 hot_min_rate（{hot}），现为 {warm}")
        weight_connection, weight_service = self.weights(weights, "weights", ("connection", "service"))
        rate_weight, speed_weight = self.weights(connection, "connection", ("rate_weight", "speed_weight"))
        allowed = self.integer(lists, "lists.full_connection_allowed_imperfect_rounds", minimum=0)
        if allowed >= rounds:
            raise self.error(
                "lists.full_connection_allowed_imperfect_rounds",
                f"应小于监测轮次数 campaign.rounds（{rounds}），现为 {allowed}",
            )
        return Config(
            source=self.source,
            rounds=rounds,
            hot_min_rate=hot,
            warm_min_rate=warm,
            dead_min_calls=self.integer(classes, "line_classes.dead_min_calls", minimum=1),
            weight_connection=weight_connection,
            weight_service=weight_service,
            rate_weight=rate_weight,
            speed_weight=speed_weight,
            rate_curve=self.curve(connection, "connection.rate_curve"),
            speed_curve=self.curve(connection, "connection.speed_curve"),
            groups=self.groups(settings),
            top=self.integer(lists, "lists.top", minimum=0),
            full_connection_allowed_imperfect_rounds=allowed,
            full_connection_consecutive=self.boolean(lists, "lists.full_connection_consecutive"),
            most_improved_min_rise=self.integer(lists, "lists.most_improved_min_rise", minimum=1),
            settings=settings,
        )

    def groups(self, settings: dict) -> tuple[Group, ...]:
        service = self.table(settings, "service", None)
        labels = self.table(settings, "item_labels", None)
        if not service:
            raise self.error("service", "至少需要一个服务水平维度")
        groups, seen = [], {}
        for group_key in service:
            path = f"service.{group_key}"
            group = self.table(service, path, ("label", "weight", "items"))
            items_table = self.table(group, f"{path}.items", None)
            if not items_table:
                raise self.error(f"{path}.items", "至少需要一个检查项")
            items = []
            for item_key in items_table:
                item_path = f"{path}.items.{item_key}"
                if not _ITEM_KEY.match(item_key) or item_key in BASE_COLUMNS:
                    raise self.error(
                        item_path,
                        "检查项名称即测试电话表的列名，须由小写英文字母、数字和下划线组成，以字母开头，"
                        f"且不能与基本列 {', '.join(BASE_COLUMNS)} 重名",
                    )
                if item_key in seen:
                    raise self.error(
                        item_path, f"检查项已在 service.{seen[item_key]} 中出现，每项只能属于一个维度"
                    )
                seen[item_key] = group_key
                if item_key not in labels:
                    raise self.error(f"item_labels.{item_key}", "缺少该检查项的中文名称")
                label = self.text(labels, f"item_labels.{item_key}")
                items.append(Item(item_key, label, self.number(items_table, item_path)))
            if not any(item.weight for item in items):
                raise self.error(
                    f"{path}.items", "检查项权重之和应大于 0（要停用整个维度，请把该维度的 weight 设为 0）"
                )
            label = self.text(group, f"{path}.label")
            groups.append(Group(group_key, label, self.number(group, f"{path}.weight"), tuple(items)))
        if not any(group.weight for group in groups):
            raise self.error("service", "各维度 weight 之和应大于 0")
        for key in labels:
            if key not in seen:
                raise self.error(f"item_labels.{key}", "该检查项不属于任何服务水平维度", hint=self.suggest(key, seen))
        return tuple(groups)

    def table(self, data: dict, path: str, allowed: Iterable[str] | None) -> dict:
        """data[last part of path] as a table (data itself for the root), checking its keys."""
        value = data if not path else data.get(path.rsplit(".", 1)[-1])
        if value is None:
            raise self.error(path, "缺少该配置表")
        if not isinstance(value, dict):
            raise self.error(path, "应为一个表（[表名] 或 { 键 = 值 }）")
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    where = f"{path}.{key}" if path else key
                    raise self.error(where, "未知的配置项", hint=self.suggest(key, allowed))
        return value

    def suggest(self, key: str, choices: Iterable[str]) -> str:
        choices = list(choices)
        close = difflib.get_close_matches(key, choices, n=1)
        guess = f"是否应为 {close[0]}？" if close else ""
        return f"{guess}可用的配置项：{', '.join(choices)}"

    def value(self, data: dict, path: str):
        key = path.rsplit(".", 1)[-1]
        if key not in data:
            raise self.error(path, "缺少该配置项")
        return data[key]

    def number(self, data: dict, path: str, maximum: int | None = None) -> Fraction:
        """A number ≥ 0 (and ≤ maximum): every weight, rate and threshold here is one."""
        value = self.value(data, path)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.error(path, f"应为数字，现为 {value!r}")
        number = Fraction(value)
        if number < 0 or (maximum is not None and number > maximum):
            bounds = "≥ 0" if maximum is None else f"在 0 到 {maximum} 之间"
            raise self.error(path, f"应{bounds}，现为 {value}")
        return number

    def integer(self, data: dict, path: str, minimum: int) -> int:
        value = self.value(data, path)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(path, f"应为 ≥ {minimum} 的整数，现为 {value!r}")
        return value

    def boolean(self, data: dict, path: str) -> bool:
        value = self.value(data, path)
        if not isinstance(value, bool):
            raise self.error(path, f"应为 true 或 false，现为 {value!r}")
        return value

    def text(self, data: dict, path: str) -> str:
        value = self.value(data, path)
        if not isinstance(value, str) or not value.strip():
            raise self.error(path, f"应为非空文字，现为 {value!r}")
        return value.strip()

    def weights(self, data: dict, path: str, keys: tuple[str, ...]) -> tuple[Fraction, ...]:
        values = tuple(self.number(data, f"{path}.{key}") for key in keys)
        if not any(values):
            raise self.error(path, f"{' 与 '.join(keys)} 之和应大于 0")
        return values

    def curve(self, data: dict, path: str) -> Curve:
        value = self.value(data, path)
        shape = "应为 [[x, 分数], ...] 形式的至少两个点，x 严格递增，分数在 0–100 之间"
        if not isinstance(value, list) or len(value) < 2:
            raise self.error(path, shape)
        points = []
        for index, point in enumerate(value):
            if not (isinstance(point, list) and len(point) == 2) or any(
                isinstance(part, bool) or not isinstance(part, (int, Decimal)) for part in point
            ):
                raise self.error(path, f"第 {index + 1} 个点 {point!r} 有误：{shape}")
            x, y = Fraction(point[0]), Fraction(point[1])
            if not 0 <= y <= 100 or (points and x <= points[-1][0]):
                raise self.error(path, f"第 {index + 1} 个点 {point!r} 有误：{shape}")
            points.append((x, y))
        return Curve(tuple(points))
