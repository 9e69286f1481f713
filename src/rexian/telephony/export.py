"""A campaign's finished calls as a probe file that ``rexian evaluate`` reads.

One row per call with status ``done`` (calls in error or missed were never
placed, or not by the hotline's fault, so they are not test calls), in the
evaluation's schema (``rexian.evaluation.monitoring.config.BASE_COLUMNS``):
``hotline_id, province, city, round, called_at, outcome, seconds_to_human``.

* ``called_at``: when the call was actually placed, local time
  (``TIME_ZONE``), whole seconds, ``YYYY-MM-DD HH:MM:SS``; if the local zone
  is not UTC+8 at that moment the offset is written too, so the evaluator
  (which reads zone-less times as Beijing time) converts it correctly.
* ``outcome``: the evaluation's vocabulary (see campaigns.OUTCOME_MAP).
* ``seconds_to_human``: seconds from the first INVITE to the 200 OK, only for
  answered calls (milliseconds).

The file is UTF-8 with a BOM, as ``rexian evaluate-generate`` writes it, so
Excel opens it with the Chinese names intact.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

from rexian.evaluation.monitoring.config import BASE_COLUMNS
from rexian.telephony.campaigns import called_at_local
from rexian.telephony.models import CallStatus, Campaign, EvaluationOutcome

_BEIJING_OFFSET = timedelta(hours=8)


def called_at_text(moment) -> str:
    local = called_at_local(moment)
    if local.utcoffset() == _BEIJING_OFFSET:
        return local.replace(tzinfo=None).isoformat(sep=" ")
    return local.isoformat(sep=" ")


def export_rows(campaign: Campaign) -> Iterator[list[str]]:
    calls = (
        campaign.calls.filter(status=CallStatus.DONE)
        .select_related("hotline")
        .order_by("hotline__hotline_id", "started_at", "pk")
    )
    for call in calls.iterator(chunk_size=2000):
        hotline = call.hotline
        seconds = ""
        if call.outcome == EvaluationOutcome.ANSWERED and call.seconds_to_answer is not None:
            seconds = f"{call.seconds_to_answer:.3f}"
        yield [
            hotline.hotline_id,
            hotline.province,
            hotline.city,
            str(call.round),
            called_at_text(call.started_at),
            call.outcome,
            seconds,
        ]


def export_csv(campaign: Campaign, file: str | Path | IO[str]) -> int:
    """Write the probe CSV to a path or an open text file; returns the number of calls written."""
    if isinstance(file, (str, Path)):
        with Path(file).open("w", encoding="utf-8-sig", newline="") as handle:
            return _write(campaign, handle)
    return _write(campaign, file)


def _write(campaign: Campaign, handle: IO[str]) -> int:
    writer = csv.writer(handle)
    writer.writerow(BASE_COLUMNS)
    count = 0
    for row in export_rows(campaign):
        writer.writerow(row)
        count += 1
    return count
