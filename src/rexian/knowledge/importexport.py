"""Moving articles in and out as XLSX or JSON (centres start from spreadsheets).

Imports are all or nothing: every row is validated first, and a file with any
bad row imports nothing and reports each problem with its place in the file
(spreadsheet row, or the n-th object of a JSON array). Nothing is dropped in
silence: a column or key that is not ours, or a value of the wrong type
(a list where text belongs), is a problem to report, not something to guess at.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from rexian.accounts.roles import Role
from rexian.core.xlsx import Sheet, fits_cell, write_workbook
from rexian.knowledge.choices import ArticleKind, Visibility
from rexian.knowledge.forms import TAG_SEPARATORS, ArticleForm, canonical_tags
from rexian.knowledge.models import Article
from rexian.orders.services.errors import WorkflowError

# Column key, Chinese header (what a centre's spreadsheet is likely to say).
COLUMNS = [
    ("kind", "类型"), ("title", "标题"), ("body", "正文"), ("categories", "适用分类编码"),
    ("department", "责任单位编码"), ("source", "来源"), ("issuing_body", "发文机关"),
    ("document_number", "文号"), ("effective_from", "生效日期"), ("expires_on", "失效日期"),
    ("visibility", "公开范围"), ("tags", "标签"),
]
_LABELS = dict(COLUMNS)
_HEADER_TO_KEY = {header: key for key, header in COLUMNS} | {key: key for key, _ in COLUMNS}
# The JSON export writes these for reference; a row's `id`, if it names an article, is
# imported as a change to that article (see `_existing`), the others are ignored.
_EXPORT_ONLY = {"id", "status", "version"}
_MAX_ID = 2**63 - 1
_KIND_BY_LABEL = {str(label): value for value, label in ArticleKind.choices}
_VISIBILITY_BY_LABEL = {str(label): value for value, label in Visibility.choices}
MAX_ROWS = 20000
MAX_UPLOAD = 20 * 1024 * 1024
# Who may move the whole knowledge base in or out, in the web UI and the API.
TRANSFER_ROLES = (Role.SUPERVISOR, Role.REVIEWER)
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ImportRejected(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems[:5]))
        self.problems = problems


class ExportRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    # Existing articles (named by `id`) changed: a revision, or a draft edited in place.
    revised: list = field(default_factory=list)
    # Existing articles the file holds as they are: left alone.
    unchanged: list = field(default_factory=list)

    def report(self) -> str:
        return _("已导入：新建 %(c)d 条知识（草稿，待审核发布）；%(r)d 条已有知识按文件内容修订"
                 "（已发布的生成修订，审核发布前现行内容不变；草稿直接修改）；%(u)d 条与现有内容相同，未改动。") % {
            "c": len(self.created), "r": len(self.revised), "u": len(self.unchanged)}


# ---------------------------------------------------------------- export


def export_rows(articles) -> list[dict]:
    rows = []
    for article in articles.select_related("department").prefetch_related("categories"):
        rows.append({
            "id": article.pk, "kind": article.kind, "title": article.title, "body": article.body,
            "categories": [c.code for c in article.categories.all()],
            "department": article.department.code if article.department_id else "",
            "source": article.source, "issuing_body": article.issuing_body, "document_number": article.document_number,
            "effective_from": article.effective_from.isoformat() if article.effective_from else "",
            "expires_on": article.expires_on.isoformat() if article.expires_on else "",
            "visibility": article.visibility, "tags": article.tags, "status": article.status, "version": article.version,
        })
    return rows


def export_json(articles) -> str:
    return json.dumps(export_rows(articles), ensure_ascii=False, indent=2)


def export_xlsx(articles, target) -> None:
    """Refuses, rather than cuts, when an article does not fit Excel's cells: the JSON export keeps it whole."""
    rows = export_rows(articles)
    too_long = [row["title"] for row in rows if not fits_cell(row["body"])]
    if too_long:
        raise ExportRefused(
            _("有 %(n)d 条知识的正文超过 Excel 单元格的字数上限（32767），导出为 XLSX 会被截断：%(titles)s。"
              "请改用“导出 JSON”，它保留全文，也可以再导入。")
            % {"n": len(too_long), "titles": "、".join(f"“{title}”" for title in too_long[:5])}
        )
    headers = [header for _key, header in COLUMNS]
    body = [[",".join(r[key]) if key == "categories" else r[key] for key, _h in COLUMNS] for r in rows]
    write_workbook(target, [Sheet("知识库", headers, body)])


def write_export(fmt: str, target) -> None:
    """Every article, as "json" or "xlsx", written to `target` (an HttpResponse or a file)."""
    articles = Article.objects.all()
    if fmt == "json":
        target.write(export_json(articles))
    else:
        export_xlsx(articles, target)


# ---------------------------------------------------------------- reading values


class _BadValue(Exception):
    pass


def _blank(value) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    """Text, or a number a spreadsheet made of it (a code or 文号 such as 101)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        shown = json.dumps(value, ensure_ascii=False, default=str)[:60]
        raise _BadValue(_("应为文字，不能是 %(value)s") % {"value": shown})
    return str(value).strip()


def _items(value) -> list[str]:
    """Codes or tags: a list, or one text separated by commas or 、."""
    parts = value if isinstance(value, list) else TAG_SEPARATORS.split(_text(value))
    return [text for text in map(_text, parts) if text]


def _date(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


_PARSERS = {
    "kind": lambda value: _KIND_BY_LABEL.get(_text(value), _text(value)),
    "visibility": lambda value: _VISIBILITY_BY_LABEL.get(_text(value), _text(value)) or Visibility.INTERNAL,
    "categories": _items,
    "tags": lambda value: ",".join(_items(value)),
    "effective_from": _date,
    "expires_on": _date,
}


def _normalise(raw: dict, place: str) -> tuple[dict, list[str]]:
    data, problems = {}, []
    for name, value in raw.items():
        key = _HEADER_TO_KEY.get(str(name).strip())
        if key is None:
            if str(name) not in _EXPORT_ONLY and not _blank(value):
                problems.append(_("%(place)s：“%(name)s”不是可导入的列，可用的列：%(columns)s。")
                                % {"place": place, "name": name, "columns": "、".join(_LABELS.values())})
        elif key in data:
            problems.append(_("%(place)s：“%(name)s”与另一列都是%(label)s，请只保留一个。")
                            % {"place": place, "name": name, "label": _LABELS[key]})
        else:
            try:
                data[key] = _PARSERS.get(key, _text)(value)
            except _BadValue as error:
                problems.append(f"{place} {_LABELS[key]}：{error}")
    data.setdefault("visibility", Visibility.INTERNAL)
    return data, problems


# ---------------------------------------------------------------- reading files


def xlsx_place(index: int) -> str:
    return _("第 %(n)d 行") % {"n": index + 2}  # row 1 is the header


def json_place(index: int) -> str:
    return _("第 %(n)d 条") % {"n": index + 1}


def read_json(content: bytes) -> list[dict]:
    try:
        rows = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRejected([_("不是有效的 UTF-8 JSON：%(error)s") % {"error": error}]) from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ImportRejected([_("JSON 应为对象数组，每个对象一条知识。")])
    return rows


def read_xlsx(stream) -> list[dict]:
    """One dict per row after the header; a blank row stays as {} so positions match row numbers."""
    try:
        sheet = load_workbook(stream, read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise ImportRejected([_("无法读取 XLSX 文件：%(error)s") % {"error": error}]) from None
    rows = sheet.iter_rows(values_only=True)
    headers = ["" if header is None else str(header).strip() for header in next(rows, ())]
    if not any(headers):
        raise ImportRejected([_("表格是空的：第一行应为表头（类型、标题、正文……）。")])
    _check_headers(headers)
    # A column without a header is named by its letter; it only matters if a row fills it in.
    names = [header or _("%(letter)s 列（没有表头）") % {"letter": get_column_letter(n)} for n, header in enumerate(headers, 1)]
    return [dict(zip(names, row)) if any(not _blank(cell) for cell in row) else {} for row in rows]


def _check_headers(headers: list[str]) -> None:
    problems = [
        _("表头“%(name)s”不是可导入的列，可用的列：%(columns)s。") % {"name": header, "columns": "、".join(_LABELS.values())}
        for header in headers if header and header not in _HEADER_TO_KEY and header not in _EXPORT_ONLY
    ]
    keys = [_HEADER_TO_KEY.get(header) for header in headers if header in _HEADER_TO_KEY]
    problems += [_("表头中有两列都是%(label)s，请只保留一列。") % {"label": _LABELS[key]}
                 for key in dict.fromkeys(keys) if keys.count(key) > 1]
    missing = [header for key, header in COLUMNS if key in ("title", "body") and key not in keys]
    if missing:
        problems.append(_("表头缺少列：%(columns)s。") % {"columns": "、".join(missing)})
    if problems:
        raise ImportRejected(problems)


def read_upload(name: str, stream) -> tuple[list[dict], Callable[[int], str]]:
    """The rows of an uploaded file, and how to name a row's place in it."""
    if name.lower().endswith(".json"):
        return read_json(stream.read()), json_place
    if name.lower().endswith(".xlsx"):
        return read_xlsx(stream), xlsx_place
    raise ImportRejected([_("只支持 .xlsx 和 .json 文件。")])


# ---------------------------------------------------------------- import


def _existing(raw: dict, place: str) -> tuple[Article | None, int | None, list[str]]:
    """The article a row's `id` names (an exported row brought back), or None: a new article;
    with the id itself, known or not. An id no article has (an export from another
    installation) also makes a new one."""
    value = raw.get("id")
    if _blank(value):
        return None, None, []
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    elif isinstance(value, float) and value.is_integer():  # a spreadsheet's number
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, None, [_("%(place)s：id 应为已有知识的编号（整数），新建的知识请留空。") % {"place": place}]
    return (Article.objects.filter(pk=value).first() if 0 < value <= _MAX_ID else None), value, []


def _comparable(content: dict) -> dict:
    """Content as `services.proposed_content` gives it, tags in their stored form: an article
    saved before tags were normalised (or a revision holding "停水，供水") compares equal."""
    return {**content, "tags": canonical_tags(content.get("tags") or "")}


def import_rows(rows: list[dict], user, place: Callable[[int], str] = xlsx_place) -> ImportResult:
    """Create the articles as drafts (they go through review like any other); blank rows are skipped.

    A row whose `id` names an article changes that article instead, as any edit
    does: a published one gets a revision (the live content stays until it is
    reviewed), a draft is edited; a row that changes nothing leaves it alone.
    """
    from rexian.knowledge import services

    filled = [(index, raw) for index, raw in enumerate(rows) if not all(_blank(value) for value in raw.values())]
    if len(filled) > MAX_ROWS:
        raise ImportRejected([_("一次最多导入 %(max)d 条，本文件有 %(n)d 条，请拆分后导入。") % {"max": MAX_ROWS, "n": len(filled)}])
    prepared, problems, seen = [], [], {}
    for index, raw in filled:
        data, row_problems = _normalise(raw, place(index))
        article, row_id, id_problems = _existing(raw, place(index))
        # A repeated id is a mistake whether or not it names an article here.
        if row_id is not None and row_id in seen:
            id_problems.append(_("%(place)s：与%(other)s是同一条知识（id %(id)d），请只保留一条。")
                               % {"place": place(index), "other": seen[row_id], "id": row_id})
        elif row_id is not None:
            seen[row_id] = place(index)
        problems += row_problems + id_problems
        if row_problems or id_problems:
            continue
        form = ArticleForm(data=data)
        if form.is_valid():
            prepared.append((place(index), article, data, services.proposed_content(form)))
        else:
            for name, messages in form.errors.items():
                problems.append(f"{place(index)} {_LABELS.get(name, name)}：{'；'.join(messages)}")
    if problems:
        raise ImportRejected(problems)
    result = ImportResult()
    with transaction.atomic():
        for row_place, article, data, content in prepared:
            try:
                if article is None:
                    result.created.append(services.create(user, data, note=_("导入")))
                elif _comparable(services.content_to_edit(article)) == _comparable(content):
                    result.unchanged.append(article)
                else:
                    result.revised.append(services.update(article, user, data, note=_("导入")))
            except WorkflowError as error:
                # Something changed since the rows were checked (a category deactivated, an article
                # taken over): leaving the block rolls every row back; the file is refused as a whole.
                raise ImportRejected([f"{row_place}：{error.message}", *_error_details(error)]) from None
    return result


def _error_details(error: WorkflowError) -> list[str]:
    errors = getattr(error, "errors", None) or {}
    return [f"{_LABELS.get(name, name)}：{'；'.join(map(str, messages))}" for name, messages in errors.items()]


def import_upload(upload, user) -> ImportResult:
    """An uploaded file (Django's UploadedFile), imported all or nothing."""
    if upload.size > MAX_UPLOAD:
        raise ImportRejected([_("请选择不超过 20 MB 的 XLSX 或 JSON 文件。")])
    rows, place = read_upload(upload.name, upload)
    return import_rows(rows, user, place)
