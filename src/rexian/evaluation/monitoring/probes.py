"""Probe files: one row per test call, as CSV or XLSX, loaded strictly.

Every problem is reported with the file, the row (as a spreadsheet shows it:
the header is row 1) and the column, and says what to write instead. Rules
that are policy rather than format:

* only answered calls have a time to human, and only their checklist cells
  count (a 0 typed into an unanswered call's cell is ignored, not an error);
* times without a zone are Beijing time; times with a zone are converted to it;
* a CSV may be UTF-8 (with or without BOM) or GB18030/GBK as Excel saves it;
* from an XLSX file the first sheet is read.
"""

import csv
import difflib
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from rexian.evaluation.monitoring.config import BASE_COLUMNS, Config
from rexian.evaluation.monitoring.errors import InputError

ANSWERED = "answered"
OUTCOME_LABELS = {
    ANSWERED: "接通（人工应答）",
    "busy": "占线",
    "no_answer": "无人接听",
    "invalid_number": "空号/错号",
    "unavailable": "无法接通（停机、关机等）",
    "ivr_only": "只有自助语音，无法转人工",
    "rejected": "被拒接或挂断",
}
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class Probe:
    """One test call. `items` holds only the applicable checklist items (done or not)."""

    hotline_id: str
    province: str
    city: str
    round: int
    called_at: datetime
    outcome: str
    seconds_to_human: Decimal | None
    items: dict[str, bool]

    @property
    def answered(self) -> bool:
        return self.outcome == ANSWERED


def load_probes(path: str | Path, config: Config) -> list[Probe]:
    path = Path(path)
    header, rows = _read_table(path)
    loader = _Loader(path, config, header)
    if not rows:
        raise InputError(path, "只有表头，没有测试电话记录", hint="每次测试电话一行，从第 2 行开始")
    return loader.probes(rows)


def write_probes(path: str | Path, probes: Iterable[Probe], item_keys: Sequence[str]) -> None:
    """Write probes in the format load_probes reads: CSV (with a BOM, for Excel) or XLSX.

    XLSX cells keep their types (numbers, date-times), which Excel shows
    properly and openpyxl reads back several times faster than text cells.
    """
    path = Path(path)
    header = [*BASE_COLUMNS, *item_keys]
    rows = (_cells(probe, item_keys) for probe in probes)
    if path.suffix.lower() == ".xlsx":
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("probes")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows([_csv_text(cell) for cell in row] for row in rows)


def _cells(probe: Probe, item_keys: Sequence[str]) -> list:
    items = [int(probe.items[key]) if key in probe.items else None for key in item_keys]
    return [
        probe.hotline_id,
        probe.province,
        probe.city,
        probe.round,
        probe.called_at,
        probe.outcome,
        probe.seconds_to_human,
        *items,
    ]


def _csv_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return str(cell)


def _read_table(path: Path) -> tuple[list, list[tuple[int, Sequence]]]:
    """The header cells and the (row number, cells) of every non-blank data row."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(
            path, f"不支持的文件类型“{suffix or '无扩展名'}”", hint="请提供 .csv 或 .xlsx 文件（.xls 请先另存为 .xlsx）"
        )
    if not path.is_file():
        raise InputError(path, "找不到文件", hint="请检查路径和文件名")
    rows = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
    if not rows:
        raise InputError(path, "文件是空的", hint=f"第 1 行应为表头：{','.join(BASE_COLUMNS)}")
    numbered = [
        (number, cells) for number, cells in enumerate(rows[1:], start=2) if any(_text(cell) for cell in cells)
    ]
    return list(rows[0]), numbered


def _csv_rows(path: Path) -> list[Sequence]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(path, "无法识别文件编码", hint="请另存为 UTF-8 编码的 CSV")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise InputError(path, f"CSV 格式有误（{error}）", hint="请用表格软件重新导出为 CSV") from None


def _xlsx_rows(path: Path) -> list[Sequence]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise InputError(
            path, f"不是有效的 .xlsx 文件（{error}）", hint="请用表格软件打开后另存为 .xlsx 或 .csv"
        ) from None
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def _text(cell) -> str:
    """A cell as trimmed text; whole floats (Excel's numbers) without '.0'."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


class _Loader:
    """Checks the header once, then turns each row into a Probe or a precise error."""

    def __init__(self, path: Path, config: Config, header: list):
        self.path = path
        self.config = config
        self.columns = self._columns([_text(cell).lower() for cell in header])
        self.items = [key for key in config.item_keys if key in self.columns]
        self.places: dict[str, tuple[str, str, int]] = {}

    def error(self, message: str, row: int | None = None, column: str | None = None, hint: str = ""):
        return InputError(self.path, message, row=row, column=column, hint=hint)

    def _columns(self, names: list[str]) -> dict[str, int]:
        known = (*BASE_COLUMNS, *self.config.item_keys)
        columns: dict[str, int] = {}
        for index, name in enumerate(names):
            if not name:
                continue
            if name in columns:
                raise self.error(f"表头中列 {name} 出现了两次", row=1, hint="请删除重复的列")
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                guess = f"是否应为 {close[0]}？" if close else ""
                raise self.error(
                    f"未知的列 {name}",
                    row=1,
                    hint=f"{guess}可用的列：{', '.join(known)}（检查项列由配置文件的 service 各维度 items 决定）",
                )
            columns[name] = index
        missing = [name for name in BASE_COLUMNS if name not in columns]
        if missing:
            raise self.error(
                f"缺少必需的列 {', '.join(missing)}", row=1, hint=f"表头应包含：{','.join(BASE_COLUMNS)}"
            )
        return columns

    def probes(self, rows: list[tuple[int, Sequence]]) -> list[Probe]:
        return [self.probe(number, cells) for number, cells in rows]

    def probe(self, number: int, cells: Sequence) -> Probe:
        width = len(cells)
        row = {column: cells[index] if index < width else None for column, index in self.columns.items()}
        hotline_id, province, city = (self.required(number, row, key) for key in ("hotline_id", "province", "city"))
        outcome = _text(row["outcome"]).lower()
        if outcome not in OUTCOME_LABELS:
            choices = "；".join(f"{key}（{label}）" for key, label in OUTCOME_LABELS.items())
            raise self.error(f"未知的结果“{_text(row['outcome'])}”", number, "outcome", hint=f"应为以下之一：{choices}")
        self.check_place(number, hotline_id, province, city)
        answered = outcome == ANSWERED
        seconds = self.seconds(number, row["seconds_to_human"], answered)
        items = {}
        for key in self.items:
            done = self.item(number, key, row[key])
            if done is not None and answered:
                items[key] = done
        return Probe(
            hotline_id=hotline_id,
            province=province,
            city=city,
            round=self.round(number, row["round"]),
            called_at=self.called_at(number, row["called_at"]),
            outcome=outcome,
            seconds_to_human=seconds if answered else None,
            items=items,
        )

    def required(self, number: int, row: dict, column: str) -> str:
        value = _text(row[column])
        if not value:
            raise self.error("不能为空", number, column)
        return value

    def check_place(self, number: int, hotline_id: str, province: str, city: str) -> None:
        first = self.places.setdefault(hotline_id, (province, city, number))
        if first[:2] != (province, city):
            raise self.error(
                f"热线 {hotline_id} 在第 {first[2]} 行属于 {first[0]} {first[1]}，这里却是 {province} {city}",
                number,
                "province" if first[0] != province else "city",
                hint="同一 hotline_id 的省份和城市必须一致",
            )

    def round(self, number: int, cell) -> int:
        rounds = self.config.rounds
        hint = f"轮次应为 1 到 {rounds} 的整数（轮次数由配置文件 campaign.rounds 规定）"
        try:
            value = int(_text(cell))
        except ValueError:
            raise self.error(f"轮次“{_text(cell)}”不是整数", number, "round", hint=hint) from None
        if not 1 <= value <= rounds:
            raise self.error(f"轮次 {value} 超出范围", number, "round", hint=hint)
        return value

    def called_at(self, number: int, cell) -> datetime:
        if isinstance(cell, datetime):
            moment = cell
        else:
            raw = _text(cell).replace("/", "-")
            moment = _parse_time(raw)
            if moment is None:
                raise self.error(
                    f"无法识别的拨打时间“{_text(cell)}”",
                    number,
                    "called_at",
                    hint="请写成 2017-07-10 09:15 或 2017-07-10 09:15:30（北京时间）",
                )
        if moment.tzinfo is not None:
            moment = moment.astimezone(BEIJING).replace(tzinfo=None)
        return moment

    def seconds(self, number: int, cell, answered: bool) -> Decimal | None:
        raw = _text(cell)
        if not raw:
            if answered:
                raise self.error(
                    "接通的电话必须填写接通时长",
                    number,
                    "seconds_to_human",
                    hint="填写从拨通到人工应答的秒数（含自助语音提示）",
                )
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0:
            raise self.error(
                f"接通时长“{raw}”不是有效的秒数", number, "seconds_to_human", hint="应为 ≥ 0 的数字，如 12 或 12.5"
            )
        return value

    def item(self, number: int, key: str, cell) -> bool | None:
        if cell is None or cell == "":
            return None
        raw = str(int(cell)) if isinstance(cell, bool) else _text(cell)
        if raw == "":
            return None
        if raw in ("1", "0"):
            return raw == "1"
        raise self.error(f"检查项的值“{raw}”无效", number, key, hint="1 表示做到，0 表示未做到，留空表示不适用")


def _parse_time(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(raw, pattern)
        except ValueError:
            continue
    return None
