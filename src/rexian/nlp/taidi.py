"""Locating and reading the taidi2020 research data set (city hotline messages).

The data has no licence and is never copied into the repository: it lives in
``shared/data/taidi2020`` beside the repository, or wherever
``REXIAN_TAIDI_DIR`` points.

Note for modelling: in ``messages_train.csv`` and ``messages_dev.csv`` the
``id`` column is sorted by label, so ids must never be used as a feature.
"""

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ENV_VARIABLE = "REXIAN_TAIDI_DIR"
_REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
_TIMESTAMP_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


def taidi_dir() -> Path:
    """Where the data set is expected (it may not exist)."""
    configured = os.environ.get(ENV_VARIABLE)
    if configured:
        return Path(configured)
    return _REPOSITORY_ROOT.parent / "shared" / "data" / "taidi2020"


@dataclass(frozen=True)
class PublicMessage:
    """A message from the public board, with its author and reactions."""

    id: str
    user: str
    title: str
    detail: str
    posted_at: datetime
    likes: int
    dislikes: int


def parse_timestamp(raw: str) -> datetime:
    """The files mix ``2019/4/25 9:32:09`` and ``2017-06-08 17:31:20``."""
    for timestamp_format in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(raw.strip(), timestamp_format)
        except ValueError:
            continue
    raise ValueError(f"unrecognised timestamp {raw!r}")


def read_public_messages(path: Path) -> Iterator[PublicMessage]:
    """Rows of ``messages_with_votes.csv`` or ``messages_with_replies.csv``.

    The replies file has no vote columns; its likes and dislikes read as 0.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield PublicMessage(
                id=row["留言编号"].strip(),
                user=row["留言用户"].strip(),
                title=row["留言主题"].strip(),
                detail=" ".join(row["留言详情"].split()),
                posted_at=parse_timestamp(row["留言时间"]),
                likes=int(row.get("点赞数") or 0),
                dislikes=int(row.get("反对数") or 0),
            )
