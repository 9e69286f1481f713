"""第三方监测 on the web: upload a probe file, see the campaign's lists and download its reports.

The evaluation is `rexian.evaluation.monitoring` (docs/evaluation.md), the
same code as `rexian evaluate`. Uploaded files are kept only as long as the
pages and downloads of one sitting need them: in a run directory under
REXIAN_DATA_DIR/tmp/monitoring named by a random token, which is listed in the
uploader's session and swept RUN_HOURS after the upload. The campaign is
evaluated again from the files on each request (about a second for 334 lines ×
40 calls), so nothing derived is stored.
"""

import io
import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rexian.dashboards.tables import XLSX_TYPE, Tile
from rexian.evaluation.monitoring.campaign import Evaluation, evaluate
from rexian.evaluation.monitoring.config import load_config
from rexian.evaluation.monitoring.errors import InputError
from rexian.evaluation.monitoring.probes import load_probes
from rexian.evaluation.monitoring.report_html import render_html
from rexian.evaluation.monitoring.report_xlsx import write_xlsx
from rexian.evaluation.monitoring.tables import NUMBER, display, percent, points, seconds

SUFFIXES = (".csv", ".xlsx")
REPORT_FILES = ("report.xlsx", "report.html")
RUN_HOURS = 12
SESSION_KEY = "dashboards.monitoring_runs"
SESSION_RUNS = 10  # a session remembers its last ten uploads
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}\Z")


def max_upload_bytes() -> int:
    """Per file; REXIAN["MONITORING_UPLOAD_MAX_BYTES"] overrides the 20 MB default."""
    return int(getattr(settings, "REXIAN", {}).get("MONITORING_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def max_request_bytes() -> int:
    """Two files and the form around them. Django reads no more of a body than its
    Content-Length, so refusing a large Content-Length bounds what is stored."""
    return 2 * max_upload_bytes() + 64 * 1024


class UploadForm(forms.Form):
    probes = forms.FileField(
        label=gettext_lazy("本期测试电话文件"),
        help_text=gettext_lazy("CSV 或 XLSX，每次测试电话一行；列格式见 docs/evaluation.md"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )
    previous = forms.FileField(
        label=gettext_lazy("上期测试电话文件（可选）"),
        help_text=gettext_lazy("如去年同期的监测数据，用于最佳进步榜"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    def _checked(self, name):
        upload = self.cleaned_data.get(name)
        if not upload:
            return upload
        suffix = Path(upload.name).suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(
                _("不支持的文件类型“%(suffix)s”：请上传 .csv 或 .xlsx 文件（.xls 请先另存为 .xlsx）。")
                % {"suffix": suffix or _("无扩展名")}
            )
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("文件 %(name)s 有 %(size)s，超过上限 %(limit)s。")
                % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_upload_bytes())}
            )
        return upload

    def clean_probes(self):
        return self._checked("probes")

    def clean_previous(self):
        return self._checked("previous")


@dataclass(frozen=True)
class Run:
    token: str
    directory: Path
    meta: dict

    def evaluate(self) -> Evaluation:
        """The campaign, evaluated from the run's files; InputError names the file as it was uploaded."""
        config = load_config()
        names = self.meta["names"]
        try:
            probes = load_probes(self.directory / self.meta["files"]["probes"], config)
            previous = None
            if "previous" in self.meta["files"]:
                previous = load_probes(self.directory / self.meta["files"]["previous"], config)
        except InputError as error:
            stored = Path(error.file).name
            role = next((key for key, name in self.meta["files"].items() if name == stored), "probes")
            error.file = names[role]
            raise
        return evaluate(probes, config, previous, probes_file=names["probes"], previous_file=names.get("previous"))


def runs_root() -> Path:
    return Path(settings.DATA_DIR) / "tmp" / "monitoring"


def sweep(now: float | None = None) -> None:
    """Remove runs older than RUN_HOURS (called on every upload; cheap: a directory listing)."""
    root = runs_root()
    if not root.is_dir():
        return
    limit = (now or time.time()) - RUN_HOURS * 3600
    for directory in root.iterdir():
        if directory.is_dir() and directory.stat().st_mtime < limit:
            shutil.rmtree(directory, ignore_errors=True)


def create_run(request, form: UploadForm) -> Run:
    """Store the uploads in a new run directory and check they evaluate; InputError leaves nothing behind."""
    sweep()
    token = secrets.token_urlsafe(16)
    directory = runs_root() / token
    directory.mkdir(parents=True)
    files, names = {}, {}
    for role in ("probes", "previous"):
        upload = form.cleaned_data.get(role)
        if not upload:
            continue
        files[role] = f"{role}{Path(upload.name).suffix.lower()}"
        names[role] = Path(upload.name).name
        with open(directory / files[role], "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    meta = {"user": request.user.pk, "files": files, "names": names}
    (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    run = Run(token, directory, meta)
    try:
        run.evaluate()
    except InputError:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    runs = [token, *request.session.get(SESSION_KEY, [])][:SESSION_RUNS]
    request.session[SESSION_KEY] = runs
    return run


def find_run(request, token: str) -> Run | None:
    """The run if it is this session's and this user's and not yet swept."""
    if not _TOKEN.match(token or "") or token not in request.session.get(SESSION_KEY, []):
        return None
    directory = runs_root() / token
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != request.user.pk:
        return None
    return Run(token, directory, meta)


def report_file(evaluation: Evaluation, name: str) -> tuple[bytes, str]:
    """report.xlsx or report.html exactly as `rexian evaluate` writes them: (content, content type)."""
    if name == "report.html":
        return render_html(evaluation).encode("utf-8"), "text/html; charset=utf-8"
    buffer = io.BytesIO()
    write_xlsx(evaluation, buffer)
    return buffer.getvalue(), XLSX_TYPE


def tiles(evaluation: Evaluation) -> list[Tile]:
    """The campaign at a glance, the figures of report.html's cards."""
    dead = evaluation.line_classes["dead"]
    return [
        Tile("score", _("总体平均得分"), display(points(evaluation.mean_score("overall")), NUMBER), _("分"), "primary"),
        Tile("connection", _("总体接通率"), f"{display(percent(evaluation.connection_rate), NUMBER)}%",
             f"{evaluation.answered} / {evaluation.calls}"),
        Tile("reachable", _("可接通热线"), str(evaluation.reachable_hotlines),
             _("共 %(n)d 条") % {"n": len(evaluation.hotlines)}),
        Tile("dead", _("死线"), str(dead), _("条"), "tone-red" if dead else "zero"),
        Tile("seconds", _("平均接通时长"), display(seconds(evaluation.mean_seconds_to_human), NUMBER),
             _("秒（含自助语音）")),
        Tile("service", _("服务水平平均得分"), display(points(evaluation.mean_score("service")), NUMBER), _("分")),
    ]
