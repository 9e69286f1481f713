"""The campaign worker: claim due probe calls, place them through the trunk, store what they found.

``run_due_calls`` is one bounded tick (the background worker calls ``tick``):

1. For each running campaign, in one transaction holding the campaign row
   (``SELECT … FOR UPDATE``; SQLite's IMMEDIATE transactions serialise the
   same way): calls whose window and grace have passed become ``missed``;
   calls due now, or claimed by a worker whose lease ran out, are claimed
   with a conditional UPDATE (scheduled → claimed, a token and a lease).
   At most ``concurrency`` calls of a campaign are in flight across all
   workers, at most one per hotline, never two calls to one hotline less
   than ``min_spacing_seconds`` apart, and every call gets a start slot
   ``60 / max_calls_per_minute`` seconds after the previous one (the
   campaign row remembers the next free slot, so the rate holds across
   workers and ticks).
2. The calls run in an asyncio loop on a helper thread (the prober is
   asyncio, Django's ORM is not); each result comes back through a queue and
   is stored by this thread at once, with a conditional UPDATE on the claim
   token (a worker that lost its lease cannot overwrite anyone), and the
   hotline's dead-line flag is re-evaluated.
3. A running campaign with nothing left to place is finished.

Every call is bounded (ring timeout + hold + SIP timers, enforced with
``asyncio.wait_for``, which cancels the probe and so sends CANCEL or BYE), so
a tick is bounded by ``limit`` calls.  If the tick is interrupted, unfinished
calls are abandoned (CANCEL/BYE) and their claims released.
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from rexian.evaluation.monitoring import metrics as _metrics  # noqa: F401 - imported before any call rings
from rexian.telephony.campaigns import (
    CampaignError,
    GuardError,
    call_bound,
    dead_line_config,
    evaluation_outcome,
    probe_config,
    refresh_dead_line,
)
from rexian.telephony.models import CallStatus, Campaign, CampaignStatus, ProbeCall
from rexian.telephony.sip import CallResult, ProbeConfig, probe_call

log = logging.getLogger("rexian.telephony")

DEFAULT_LIMIT = 20  # calls per tick, all campaigns together
MAX_ATTEMPTS = 3  # claims lost with a crashed worker before a call is given up as an error
LEASE_MARGIN = timedelta(seconds=60)
RATE_HORIZON = timedelta(seconds=60)  # a tick reserves start slots at most this far ahead
_SCAN = 500  # due rows looked at per campaign and tick


@dataclass
class TickResult:
    claimed: int = 0
    done: int = 0
    errors: int = 0
    missed: int = 0
    recovered: int = 0  # claims taken over from a worker whose lease had run out
    released: int = 0  # claims handed back unfinished (tick interrupted)
    outcomes: Counter = field(default_factory=Counter)
    flagged: list[str] = field(default_factory=list)  # "campaign/hotline" newly flagged dead
    finished: list[str] = field(default_factory=list)  # campaigns finished in this tick

    @property
    def placed(self) -> int:
        return self.done

    def __bool__(self) -> bool:
        """False when the tick did nothing (the worker logs only ticks that did something)."""
        return bool(self.claimed or self.missed or self.errors or self.released or self.finished)

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        outcomes = ", ".join(f"{key} {value}" for key, value in sorted(self.outcomes.items())) or "-"
        parts = [f"拨打 {self.done} 次（{outcomes}）", f"出错 {self.errors}", f"错过 {self.missed}"]
        if self.recovered:
            parts.append(f"接管超时领取 {self.recovered}")
        if self.flagged:
            parts.append(f"新判死线 {'、'.join(self.flagged)}")
        if self.finished:
            parts.append(f"已结束任务 {'、'.join(self.finished)}")
        return "；".join(parts)


@dataclass(frozen=True)
class _Job:
    call_pk: int
    token: str
    config: ProbeConfig = field(repr=False)  # holds the trunk password: never in a repr or a log line
    delay: float = 0.0  # seconds after the tick's start before this call may start (its rate slot)
    bound: float = 0.0  # seconds the call may take at most


@dataclass(frozen=True)
class _Group:
    """One campaign's calls in this tick."""

    campaign_pk: int
    concurrency: int  # free call slots (the campaign's limit minus calls in flight elsewhere)
    interval: float  # seconds between two call starts
    jobs: tuple[_Job, ...]


@dataclass(frozen=True)
class _Finished:
    job: _Job
    started_at: datetime
    finished_at: datetime
    result: CallResult | None
    error: str = ""


_DONE = object()


def run_due_calls(now: datetime | None = None, limit: int = DEFAULT_LIMIT, campaign: Campaign | None = None) -> TickResult:
    """Place the calls that are due (of one campaign or all running ones); bounded by ``limit``."""
    now = now or timezone.now()
    result = TickResult()
    campaigns = Campaign.objects.filter(status=CampaignStatus.RUNNING).order_by("pk")
    if campaign is not None:
        campaigns = campaigns.filter(pk=campaign.pk)
    campaign_pks = list(campaigns.values_list("pk", flat=True))
    groups: list[_Group] = []
    remaining = limit
    for index, pk in enumerate(campaign_pks):
        share = math.ceil(remaining / (len(campaign_pks) - index))  # fair share of what is left
        group = _claim(pk, now, share, result)
        if group is not None:
            groups.append(group)
            remaining -= len(group.jobs)
    jobs = [job for group in groups for job in group.jobs]
    stored: set[int] = set()
    try:
        if jobs:
            _execute(groups, lambda finished: _store(finished, result, stored))
    finally:
        unfinished = [job for job in jobs if job.call_pk not in stored]
        for job in unfinished:
            result.released += ProbeCall.objects.filter(
                pk=job.call_pk, status=CallStatus.CLAIMED, claim_token=job.token
            ).update(status=CallStatus.SCHEDULED, claim_token="", lease_until=None, claimed_at=None)
    _finish_campaigns(campaign_pks, result)
    return result


def tick(now: datetime | None = None, limit: int = DEFAULT_LIMIT) -> TickResult:
    """One round for the background worker: place due calls of every running campaign, log a line."""
    result = run_due_calls(now=now, limit=limit)
    if result:
        log.info("probe campaigns: %s", result)
    return result


# -- claiming -------------------------------------------------------------------------


def _claim(campaign_pk: int, now: datetime, limit: int, result: TickResult) -> _Group | None:
    real_now = timezone.now()  # rate slots and spacing are about real call starts, whatever `now` says
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_pk).first()
        if campaign is None or campaign.status != CampaignStatus.RUNNING:
            return None
        calls = ProbeCall.objects.filter(campaign=campaign)
        grace = timedelta(minutes=campaign.late_grace_minutes)
        late = Q(not_after__lt=now - grace)
        result.missed += calls.filter(late, status=CallStatus.SCHEDULED).update(
            status=CallStatus.MISSED, error="时段已过，未能拨出"
        )
        result.missed += calls.filter(late, status=CallStatus.CLAIMED, lease_until__lt=now).update(
            status=CallStatus.MISSED, error="领取的工作进程中断，时段已过", claim_token="", lease_until=None
        )
        result.errors += calls.filter(
            status=CallStatus.CLAIMED, lease_until__lt=now, attempts__gte=MAX_ATTEMPTS
        ).update(status=CallStatus.ERROR, error=f"连续 {MAX_ATTEMPTS} 次领取后工作进程都中断，放弃", claim_token="")
        in_flight = list(calls.filter(status=CallStatus.CLAIMED, lease_until__gte=now).values_list("hotline_id", flat=True))
        free = campaign.concurrency - len(in_flight)
        if free <= 0 or limit <= 0:
            return None
        spacing = timedelta(seconds=campaign.min_spacing_seconds)
        busy = set(in_flight) | set(
            calls.filter(started_at__gt=real_now - spacing).values_list("hotline_id", flat=True)
        )
        due = Q(status=CallStatus.SCHEDULED, scheduled_at__lte=now) | Q(status=CallStatus.CLAIMED, lease_until__lt=now)
        interval = timedelta(seconds=campaign.start_interval)
        first_slot = max(real_now, campaign.next_start_at or real_now)
        chosen: list[tuple[int, str, datetime]] = []
        candidates = calls.filter(due).order_by("scheduled_at", "pk").values_list("pk", "status", "hotline_id")[:_SCAN]
        for pk, status, hotline_pk in candidates:
            if len(chosen) >= limit:
                break
            if hotline_pk in busy:
                continue
            slot = first_slot + len(chosen) * interval
            if slot > real_now + RATE_HORIZON:
                break
            busy.add(hotline_pk)
            chosen.append((pk, status, slot))
        if not chosen:
            return None
        try:
            # Load the dead-line rule now: a first load while calls ring would hold the GIL
            # (module imports, TOML parsing) and delay the call loop's timers.
            dead_line_config(campaign.evaluation_config)
        except CampaignError as error:
            log.error("campaign %s: %s; dead lines will not be flagged", campaign.name, error)
        bound = call_bound(campaign)
        span = (chosen[-1][2] - real_now).total_seconds()
        lease_until = now + timedelta(seconds=span + math.ceil(len(chosen) / free) * bound) + LEASE_MARGIN
        claimed: list[tuple[int, str, datetime]] = []
        for pk, status, slot in chosen:
            token = secrets.token_hex(16)
            updated = (
                ProbeCall.objects.filter(pk=pk, status=status)
                .filter(due)
                .update(
                    status=CallStatus.CLAIMED, claim_token=token, claimed_at=now, lease_until=lease_until,
                    attempts=F("attempts") + 1,
                )
            )
            if updated:
                claimed.append((pk, token, slot))
                result.recovered += status == CallStatus.CLAIMED
        if not claimed:
            return None
        campaign.next_start_at = claimed[-1][2] + interval
        campaign.save(update_fields=["next_start_at"])
        jobs = []
        by_pk = {call.pk: call for call in ProbeCall.objects.filter(pk__in=[pk for pk, _, _ in claimed]).select_related("hotline")}
        for pk, token, slot in claimed:
            try:
                config = probe_config(campaign, by_pk[pk].hotline)
            except GuardError as error:
                # Refused before anything is sent: the URI would leave the trunk (e.g. edited by hand).
                ProbeCall.objects.filter(pk=pk, claim_token=token).update(
                    status=CallStatus.ERROR, error=str(error), claim_token="", lease_until=None
                )
                result.errors += 1
                log.error("campaign %s: call %s refused by the trunk guard: %s", campaign.name, pk, error)
                continue
            jobs.append(_Job(pk, token, config, max(0.0, (slot - real_now).total_seconds()), bound))
        result.claimed += len(jobs)
    if not jobs:
        return None
    return _Group(campaign_pk, free, campaign.start_interval, tuple(jobs))


# -- placing ---------------------------------------------------------------------------


def _execute(groups: list[_Group], on_result) -> None:
    """Run the calls on a helper thread's event loop; hand each result to ``on_result`` here.

    If ``on_result`` raises (or we are interrupted), the running calls are
    cancelled, which makes each send its CANCEL or BYE, and the error goes on.
    """
    results: queue.Queue = queue.Queue()
    control: dict = {}
    started = threading.Event()

    def runner() -> None:
        try:
            asyncio.run(_drive_all(groups, results, control, started))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            results.put(exc)
        finally:
            started.set()
            results.put(_DONE)

    thread = threading.Thread(target=runner, name="rexian-probe-calls", daemon=True)
    thread.start()
    try:
        while (item := results.get()) is not _DONE:
            if isinstance(item, BaseException):
                if isinstance(item, asyncio.CancelledError):
                    continue
                raise item
            on_result(item)
    except BaseException:
        started.wait(5)
        loop, task = control.get("loop"), control.get("task")
        if loop is not None and task is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:
                pass  # the loop closed in the meantime
        thread.join(30)
        raise
    thread.join()


async def _drive_all(groups: list[_Group], results: queue.Queue, control: dict, started: threading.Event) -> None:
    control["loop"], control["task"] = asyncio.get_running_loop(), asyncio.current_task()
    started.set()
    await asyncio.gather(*(_drive(group, results) for group in groups))


async def _drive(group: _Group, results: queue.Queue) -> None:
    """Start the campaign's calls one by one: a free slot, its rate slot, and the interval since the last start."""
    gate = asyncio.Semaphore(group.concurrency)
    t0 = time.monotonic()
    last_start = -math.inf
    tasks: list[asyncio.Task] = []
    try:
        for job in group.jobs:
            await gate.acquire()
            wait = max(t0 + job.delay, last_start + group.interval) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            last_start = time.monotonic()
            tasks.append(asyncio.create_task(_one(job, gate, results)))
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _one(job: _Job, gate: asyncio.Semaphore, results: queue.Queue) -> None:
    started_at = timezone.now()
    try:
        call = await asyncio.wait_for(probe_call(job.config), job.bound)
    except TimeoutError:
        results.put(_Finished(job, started_at, timezone.now(), None, f"超过 {job.bound:g} 秒上限，已中止"))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a failure of ours (e.g. cannot bind local_ip), stored on the call
        results.put(_Finished(job, started_at, timezone.now(), None, f"{type(exc).__name__}: {exc}"))
    else:
        results.put(_Finished(job, started_at, timezone.now(), call))
    finally:
        gate.release()


# -- storing -------------------------------------------------------------------------


def _store(finished: _Finished, result: TickResult, stored: set[int]) -> None:
    call = finished.result
    fields = {
        "started_at": finished.started_at,
        "finished_at": finished.finished_at,
        "claim_token": "",
        "lease_until": None,
    }
    if call is None:
        fields.update(status=CallStatus.ERROR, error=finished.error[:2000])
    else:
        fields.update(
            status=CallStatus.DONE,
            outcome=evaluation_outcome(call.outcome),
            prober_outcome=call.outcome.value,
            final_status=call.final_status,
            reason=(call.final_reason or "")[:200],
            q850_cause=call.q850_cause,
            q850_text=(call.q850_text or "")[:200],
            seconds_to_first_response=call.seconds_to_first_response,
            seconds_to_ringing=call.seconds_to_ringing,
            seconds_to_answer=call.seconds_to_answer,
            seconds_connected=call.seconds_connected,
            rtp_packets_in=call.rtp_packets_in,
            sip_call_id=call.call_id,
            ladder=[{"t": e.t, "direction": e.direction, "first_line": e.first_line} for e in call.ladder],
            error=(call.error or "")[:2000],
        )
    with transaction.atomic():
        updated = ProbeCall.objects.filter(
            pk=finished.job.call_pk, status=CallStatus.CLAIMED, claim_token=finished.job.token
        ).update(**fields)
    stored.add(finished.job.call_pk)
    if not updated:
        log.warning("probe call %s finished after its claim was lost; result dropped", finished.job.call_pk)
        return
    if call is None:
        result.errors += 1
        return
    result.done += 1
    result.outcomes[fields["outcome"]] += 1
    probe = ProbeCall.objects.select_related("hotline__campaign").get(pk=finished.job.call_pk)
    try:
        if refresh_dead_line(probe.hotline):
            result.flagged.append(f"{probe.campaign.name}/{probe.hotline.hotline_id}")
    except Exception:  # noqa: BLE001 - a broken evaluation config must not lose the calls' results
        log.exception("campaign %s: dead-line check failed", probe.campaign.name)


def _finish_campaigns(campaign_pks: list[int], result: TickResult) -> None:
    open_statuses = (CallStatus.SCHEDULED, CallStatus.CLAIMED)
    for campaign in Campaign.objects.filter(pk__in=campaign_pks, status=CampaignStatus.RUNNING):
        if campaign.calls.exists() and not campaign.calls.filter(status__in=open_statuses).exists():
            if Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.RUNNING).update(
                status=CampaignStatus.FINISHED
            ):
                result.finished.append(campaign.name)
                log.info("campaign %s finished: every planned call is done, missed or in error", campaign.name)


def next_due(campaign: Campaign | None = None) -> datetime | None:
    """When the next scheduled call of a running campaign is due (for a foreground runner's sleep)."""
    calls = ProbeCall.objects.filter(status=CallStatus.SCHEDULED, campaign__status=CampaignStatus.RUNNING)
    if campaign is not None:
        calls = calls.filter(campaign=campaign)
    first = calls.order_by("scheduled_at").values_list("scheduled_at", flat=True).first()
    return first
