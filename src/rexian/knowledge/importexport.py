"""Moving articles in and out as XLSX or JSON (centres start from spreadsheets).

Imports are all or nothing: every row is validated first, and a file with any
bad row imports nothing and reports each problem with its row number.
"""

import json
from dataclasses import dataclass, field

from django.db import transaction
from openpyxl import load_workbook

from rexian.core.xlsx import Sheet, write_workbook
from rexian.knowledge.choices import ArticleKind, Visibility
from rexian.knowledge.forms import ArticleForm

# Column key, Chinese header (what a centre's spreadsheet is likely to say).
COLUMNS = [
    ("kind", "类型"), ("title", "标题"), ("body", "正文"), ("categories", "适用分类编码"),
    ("department", "责任单位编码"), ("source", "来源"), ("issuing_body", "发文机关"),
    ("document_number", "文号"), ("effective_from", "生效日期"), ("expires_on", "失效日期"),
    ("visibility", "公开范围"), ("tags", "标签"),
]
_HEADER_TO_KEY = {header: key for key, header in COLUMNS} | {key: key for key, _ in COLUMNS}
_KIND_BY_LABEL = {str(label): value for value, label in ArticleKind.choices}
_VISIBILITY_BY_LABEL = {str(label): value for value, label in Visibility.choices}
MAX_ROWS = 20000


class ImportRejected(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems[:5]))
        self.problems = problems


@dataclass
class ImportResult:
    created: list = field(default_factory=list)


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
    rows = export_rows(articles)
    headers = [header for _key, header in COLUMNS]
    body = [[",".join(r[key]) if key == "categories" else r[key] for key, _h in COLUMNS] for r in rows]
    write_workbook(target, [Sheet("知识库", headers, body)])


def _normalise(raw: dict) -> dict:
    data = {}
    for header, value in raw.items():
        key = _HEADER_TO_KEY.get(str(header).strip()) if header is not None else None
        if key is None:
            continue
        value = "" if value is None else value
        if key == "categories":
            value = [code.strip() for code in (value if isinstance(value, list) else str(value).replace("，", ",").split(",")) if code.strip()]
        elif key == "kind":
            value = _KIND_BY_LABEL.get(str(value).strip(), str(value).strip())
        elif key == "visibility":
            value = _VISIBILITY_BY_LABEL.get(str(value).strip(), str(value).strip() or Visibility.INTERNAL)
        elif key in ("effective_from", "expires_on") and hasattr(value, "isoformat"):
            value = value.date().isoformat() if hasattr(value, "date") else value.isoformat()
        data[key] = value if isinstance(value, list) else str(value).strip()
    data.setdefault("visibility", Visibility.INTERNAL)
    return data


def read_json(content: bytes) -> list[dict]:
    try:
        rows = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRejected([f"不是有效的 UTF-8 JSON：{error}"]) from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ImportRejected(["JSON 应为对象数组，每个对象一条知识。"])
    return rows


def read_xlsx(stream) -> list[dict]:
    try:
        sheet = load_workbook(stream, read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise ImportRejected([f"无法读取 XLSX 文件：{error}"]) from None
    rows = sheet.iter_rows(values_only=True)
    headers = next(rows, None)
    if not headers:
        raise ImportRejected(["表格是空的：第一行应为表头（类型、标题、正文……）。"])
    keys = {_HEADER_TO_KEY.get(str(header).strip()) for header in headers if header}
    missing = [header for key, header in COLUMNS if key in ("title", "body") and key not in keys]
    if missing:
        raise ImportRejected([f"表头缺少列：{'、'.join(missing)}。"])
    return [dict(zip(headers, row)) for row in rows if any(cell not in (None, "") for cell in row)]


def import_rows(rows: list[dict], user) -> ImportResult:
    """Create the articles as drafts (they go through review like any other)."""
    from rexian.knowledge import services

    if len(rows) > MAX_ROWS:
        raise ImportRejected([f"一次最多导入 {MAX_ROWS} 条，本文件有 {len(rows)} 条，请拆分后导入。"])
    prepared, problems = [], []
    for number, raw in enumerate(rows, start=2):  # row 1 is the header in a spreadsheet
        data = _normalise(raw)
        form = ArticleForm(data=data)
        if form.is_valid():
            prepared.append(data)
        else:
            for name, messages in form.errors.items():
                problems.append(f"第 {number} 行 {dict(COLUMNS).get(name, name)}：{'；'.join(messages)}")
    if problems:
        raise ImportRejected(problems)
    result = ImportResult()
    with transaction.atomic():
        for data in prepared:
            result.created.append(services.create(user, data, note="导入"))
    return result

