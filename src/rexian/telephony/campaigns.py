"""Probe campaigns (拨测任务): validation, the trunk guard, hotlines, planning, dead lines.

* ``create_campaign`` checks every setting and every hotline URI before
  anything is stored.
* ``probe_config`` is the only way a call's ``ProbeConfig`` is built: it
  re-checks the URI against the campaign's allow-list and insists that the
  next hop is the campaign's outbound proxy, so nothing dials outside the
  trunk even if a row was edited by hand.
* ``plan`` gives every (hotline, round, n) a random time inside the round's
  windows, at least ``min_spacing_seconds`` apart for one hotline in one
  round; seeded per hotline and round, so the same seed gives the same plan
  and filling in a hotline added later does not move anyone else's calls.
* ``refresh_dead_line`` applies the evaluation's own rule
  (``rexian.evaluation.monitoring.metrics.classify``) to the calls done so far.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import random
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from rexian.telephony.models import (
    CallStatus,
    Campaign,
    CampaignHotline,
    CampaignStatus,
    EvaluationOutcome,
    ProbeCall,
)
from rexian.telephony.sip import Outcome, ProbeConfig
from rexian.telephony.sip.batch import MAX_CONCURRENCY
from rexian.telephony.sip.uri import DEFAULT_PORT, SipUri, parse_hostport

log = logging.getLogger("rexian.telephony")

# Campaign limits: tighter than the prober's own (a campaign rings real hotlines many times).
MAX_RING_TIMEOUT = 120.0
MAX_HOLD = 120.0
MAX_CALLS_PER_MINUTE = 600
MAX_ROUNDS = 100
MAX_CALLS_PER_ROUND = 1000
HOTLINE_COLUMNS = ("hotline_id", "province", "city", "sip_uri")

# Prober outcome → the evaluation's outcome vocabulary.  Failures on our side of
# the call (trunk authentication, no response, network) count as 无法接通 for the
# hotline, as an evaluator dialling by hand would record them; the raw prober
# outcome is kept beside it (ProbeCall.prober_outcome).
OUTCOME_MAP: dict[Outcome, str] = {
    Outcome.ANSWERED: EvaluationOutcome.ANSWERED,
    Outcome.BUSY: EvaluationOutcome.BUSY,
    Outcome.NO_ANSWER: EvaluationOutcome.NO_ANSWER,
    Outcome.INVALID_NUMBER: EvaluationOutcome.INVALID_NUMBER,
    Outcome.UNAVAILABLE: EvaluationOutcome.UNAVAILABLE,
    Outcome.REJECTED: EvaluationOutcome.REJECTED,
    Outcome.AUTH_FAILED: EvaluationOutcome.UNAVAILABLE,
    Outcome.TIMEOUT: EvaluationOutcome.UNAVAILABLE,
    Outcome.UNREACHABLE: EvaluationOutcome.UNAVAILABLE,
    Outcome.FAILED: EvaluationOutcome.UNAVAILABLE,
}

_DAILY_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class CampaignError(ValueError):
    """A campaign setting, hotline or request that cannot be accepted; the message says why."""


class GuardError(CampaignError):
    """A URI that would not go (only) through the campaign's trunk."""


class PlanError(CampaignError):
    pass


def evaluation_outcome(outcome: Outcome) -> str:
    return OUTCOME_MAP[Outcome(outcome)]


# -- the trunk guard ----------------------------------------------------------


def proxy_hop(proxy: str) -> tuple[str, int]:
    """``host:port`` of the outbound proxy as the prober will use it."""
    host, port = parse_hostport(proxy)
    return host.strip("[]"), port or DEFAULT_PORT


def allowed_hosts(campaign: Campaign) -> set[str]:
    hosts = {host.strip().lower().strip("[]") for host in campaign.allowed_domains or [] if host.strip()}
    try:
        hosts.add(proxy_hop(campaign.proxy)[0].lower())
    except ValueError:
        pass
    return hosts


def check_uri(campaign: Campaign, uri: str) -> SipUri:
    """The parsed URI if a call to it may go through this campaign's trunk, else GuardError.

    The host must be on the allow-list (the proxy's host and ``allowed_domains``);
    ``maddr`` and URI headers are refused because they ask the next hop to send
    the call somewhere else.
    """
    try:
        parsed = SipUri.parse(uri)
    except ValueError as exc:
        raise GuardError(f"不是有效的 SIP URI：{uri!r}（{exc}）") from None
    if parsed.scheme != "sip":
        raise GuardError(f"只支持 sip: URI（不支持 TLS）：{uri!r}")
    if not parsed.user:
        raise GuardError(f"URI 缺少被叫号码（sip:号码@主机）：{uri!r}")
    if "maddr" in parsed.params or parsed.headers:
        raise GuardError(f"URI 不能带 maddr 参数或头部字段（会让中继改投别处）：{uri!r}")
    uri_transport = parsed.params.get("transport")
    if uri_transport is not None and uri_transport.lower() != campaign.transport:
        raise GuardError(f"URI 的 transport={uri_transport} 与任务的传输协议 {campaign.transport} 不一致：{uri!r}")
    host = parsed.host_ip_literal.lower()
    if host not in allowed_hosts(campaign):
        allowed = "、".join(sorted(allowed_hosts(campaign))) or "（无）"
        raise GuardError(
            f"URI 的主机 {parsed.host} 不在允许的被叫域内：{uri!r}。允许：{allowed}；"
            "拨测只经配置的出局代理拨出，请把中继的域名加入 allowed_domains"
        )
    return parsed


def probe_config(campaign: Campaign, hotline: CampaignHotline) -> ProbeConfig:
    """The prober's instructions for one call to ``hotline``; every packet goes to the proxy."""
    check_uri(campaign, hotline.sip_uri)
    if not campaign.proxy:
        raise GuardError("任务没有配置出局代理")
    try:
        config = ProbeConfig(
            target=hotline.sip_uri,
            ring_timeout=campaign.ring_timeout,
            hold=campaign.hold,
            auth_user=campaign.auth_user or None,
            password=campaign.password if campaign.auth_user else None,
            proxy=campaign.proxy,
            local_ip=campaign.local_ip or None,
            transport=campaign.transport,
            from_user=campaign.from_user or None,
            from_domain=campaign.from_domain or None,
        )
    except ValueError as exc:
        raise GuardError(f"拨测参数无效：{exc}") from None
    if config.next_hop() != proxy_hop(campaign.proxy):
        raise GuardError("下一跳不是出局代理，拒绝拨打")
    return config


def call_bound(campaign: Campaign) -> float:
    """Seconds one call can take at most: Timer B before any answer, ring timeout, CANCEL's
    wait, hold, BYE's Timer F (each 64·T1 = 32 s), and a digest round trip."""
    timer_b = 32.0
    return campaign.ring_timeout + campaign.hold + 3 * timer_b + 5.0


# -- validation ---------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.get_current_timezone())


def parse_daily_window(text: str) -> tuple[time, time | None]:
    """``"09:00-12:00"`` → (09:00, 12:00); an end of 24:00 is returned as None (midnight)."""
    match = _DAILY_WINDOW.match(str(text))
    if not match:
        raise CampaignError(f"每日时段 {text!r} 应写成 HH:MM-HH:MM，如 09:00-12:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if not (0 <= h1 <= 23 and 0 <= m1 <= 59 and (0 <= h2 <= 23 and 0 <= m2 <= 59 or (h2, m2) == (24, 0))):
        raise CampaignError(f"每日时段 {text!r} 中的时间无效")
    start, end = time(h1, m1), None if h2 == 24 else time(h2, m2)
    if end is not None and end <= start:
        raise CampaignError(f"每日时段 {text!r} 的结束须晚于开始（跨午夜请拆成两段）")
    return start, end


def _parse_moment(text) -> datetime:
    if isinstance(text, datetime):
        return _local(text)
    try:
        return _local(datetime.fromisoformat(str(text).strip()))
    except ValueError:
        raise CampaignError(f"无法识别的时间 {text!r}：请写成 2025-07-10T09:00") from None


def normalise_round_windows(value) -> list[list[list[str]]]:
    """Each round's explicit ranges as [[start, end], ...]; a round given as one pair is wrapped."""
    rounds = []
    for entry in value or []:
        if isinstance(entry, (list, tuple)) and len(entry) == 2 and not isinstance(entry[0], (list, tuple)):
            entry = [entry]
        if not isinstance(entry, (list, tuple)) or not entry:
            raise CampaignError(f"明确时段 {entry!r} 应为 [[开始, 结束], ...]")
        ranges = []
        for pair in entry:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise CampaignError(f"明确时段 {pair!r} 应为 [开始, 结束]")
            start, end = _parse_moment(pair[0]), _parse_moment(pair[1])
            if end <= start:
                raise CampaignError(f"明确时段 {pair[0]} – {pair[1]} 的结束须晚于开始")
            ranges.append([start.isoformat(), end.isoformat()])
        rounds.append(ranges)
    return rounds


def validate(campaign: Campaign) -> None:
    """Raise CampaignError naming the first setting that is out of bounds."""
    if not campaign.name.strip():
        raise CampaignError("任务名称不能为空")
    if not 1 <= campaign.rounds <= MAX_ROUNDS:
        raise CampaignError(f"轮次应在 1 到 {MAX_ROUNDS} 之间")
    if not 1 <= campaign.calls_per_round <= MAX_CALLS_PER_ROUND:
        raise CampaignError(f"每轮拨打次数应在 1 到 {MAX_CALLS_PER_ROUND} 之间")
    if not 0 < campaign.ring_timeout <= MAX_RING_TIMEOUT:
        raise CampaignError(f"振铃超时应在 0 到 {MAX_RING_TIMEOUT:g} 秒之间")
    if not 0 <= campaign.hold <= MAX_HOLD:
        raise CampaignError(f"接通后保持时间应在 0 到 {MAX_HOLD:g} 秒之间")
    if not 1 <= campaign.concurrency <= MAX_CONCURRENCY:
        raise CampaignError(f"最大同时通话数应在 1 到 {MAX_CONCURRENCY} 之间")
    if not 1 <= campaign.max_calls_per_minute <= MAX_CALLS_PER_MINUTE:
        raise CampaignError(f"每分钟最多拨打次数应在 1 到 {MAX_CALLS_PER_MINUTE} 之间")
    if campaign.min_spacing_seconds < 1:
        raise CampaignError("同一热线两次拨打的最小间隔至少 1 秒（评估按不同拨打时间计数）")
    if campaign.round_days < 1:
        raise CampaignError("每轮天数至少为 1")
    if campaign.transport not in ("udp", "tcp"):
        raise CampaignError("传输协议只能是 udp 或 tcp")
    if not campaign.proxy:
        raise CampaignError("必须配置出局代理（--proxy HOST:PORT）：所有拨测只经它拨出")
    try:
        proxy_hop(campaign.proxy)
    except ValueError:
        raise CampaignError(f"出局代理 {campaign.proxy!r} 应写成 host:port") from None
    if bool(campaign.auth_user) != bool(campaign.password):
        raise CampaignError("鉴权用户名和密码要么都填，要么都不填")
    if not isinstance(campaign.allowed_domains, list):
        raise CampaignError("允许的被叫域应为列表")
    campaign.round_windows = normalise_round_windows(campaign.round_windows)
    if campaign.round_windows:
        if len(campaign.round_windows) != campaign.rounds:
            raise CampaignError(f"明确时段有 {len(campaign.round_windows)} 轮，但任务有 {campaign.rounds} 轮")
    else:
        if not campaign.daily_windows:
            raise CampaignError("请给出每日拨测时段（--window 09:00-17:00）或各轮明确时段")
        if campaign.start_date is None:
            raise CampaignError("使用每日时段时必须给出首轮开始日期（--start YYYY-MM-DD）")
        for text in campaign.daily_windows:
            parse_daily_window(text)
    if campaign.evaluation_config:
        dead_line_config(campaign.evaluation_config)


@functools.lru_cache(maxsize=16)
def dead_line_config(path: str = ""):
    """The evaluation configuration whose dead-line rule the campaign applies."""
    from rexian.evaluation.monitoring.config import load_config
    from rexian.evaluation.monitoring.errors import InputError

    try:
        return load_config(path or None)
    except InputError as error:
        raise CampaignError(f"评估配置无效：{error}") from None


# -- hotlines -----------------------------------------------------------------


@dataclass(frozen=True)
class HotlineRow:
    hotline_id: str
    province: str
    city: str
    sip_uri: str


def read_hotlines_csv(path: str | Path) -> list[HotlineRow]:
    """hotline_id,province,city,sip_uri (UTF-8 with or without BOM, or GB18030)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CampaignError(f"无法读取热线文件 {path}（{error.strerror or error}）") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CampaignError(f"{path}：无法识别文件编码，请另存为 UTF-8")
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    if not rows:
        raise CampaignError(f"{path}：文件是空的，第 1 行应为表头 {','.join(HOTLINE_COLUMNS)}")
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [name for name in HOTLINE_COLUMNS if name not in header]
    if missing:
        raise CampaignError(f"{path} 第 1 行：缺少列 {', '.join(missing)}（表头应为 {','.join(HOTLINE_COLUMNS)}）")
    index = {name: header.index(name) for name in HOTLINE_COLUMNS}
    result = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
        for name in HOTLINE_COLUMNS:
            if not cells[name]:
                raise CampaignError(f"{path} 第 {number} 行：{name} 不能为空")
        result.append(HotlineRow(**cells))
    if not result:
        raise CampaignError(f"{path}：只有表头，没有热线")
    return result


def add_hotlines(campaign: Campaign, rows: Iterable[HotlineRow]) -> list[CampaignHotline]:
    """Add hotlines after checking every URI against the trunk guard; all or nothing."""
    existing = set(campaign.hotlines.values_list("hotline_id", flat=True))
    objects = []
    for number, row in enumerate(rows, start=1):
        if row.hotline_id in existing:
            raise CampaignError(f"热线 {row.hotline_id} 重复（第 {number} 条）")
        existing.add(row.hotline_id)
        try:
            check_uri(campaign, row.sip_uri)
        except GuardError as error:
            raise GuardError(f"热线 {row.hotline_id}：{error}") from None
        objects.append(
            CampaignHotline(
                campaign=campaign, hotline_id=row.hotline_id, province=row.province, city=row.city, sip_uri=row.sip_uri
            )
        )
    with transaction.atomic():
        return CampaignHotline.objects.bulk_create(objects)


def create_campaign(hotlines: Sequence[HotlineRow] = (), **fields) -> Campaign:
    """A validated draft campaign with its hotlines, or CampaignError and nothing stored."""
    campaign = Campaign(**fields)
    validate(campaign)
    if Campaign.objects.filter(name=campaign.name).exists():
        raise CampaignError(f"已有名为 {campaign.name} 的拨测任务")
    try:
        with transaction.atomic():
            campaign.save()
            add_hotlines(campaign, hotlines)
    except IntegrityError:
        raise CampaignError(f"已有名为 {campaign.name} 的拨测任务") from None
    log.info("campaign %s created with %s hotlines", campaign.name, len(hotlines))
    return campaign


def find_campaign(key: str | int) -> Campaign:
    """By name, or by id when the key is a number and no campaign has that name."""
    campaign = Campaign.objects.filter(name=str(key)).first()
    if campaign is None and str(key).isascii() and str(key).isdigit():
        campaign = Campaign.objects.filter(pk=int(key)).first()
    if campaign is None:
        raise CampaignError(f"没有名为（或编号为）{key} 的拨测任务")
    return campaign


# -- planning -----------------------------------------------------------------

Interval = tuple[datetime, datetime]


def round_intervals(campaign: Campaign, round_number: int) -> list[Interval]:
    """The round's windows as aware datetimes, sorted; overlapping windows are an error."""
    if campaign.round_windows:
        ranges = normalise_round_windows(campaign.round_windows)[round_number - 1]
        intervals = [(_parse_moment(start), _parse_moment(end)) for start, end in ranges]
    else:
        zone = timezone.get_current_timezone()
        interval_days = campaign.round_interval_days or campaign.round_days
        first_day = campaign.start_date + timedelta(days=(round_number - 1) * interval_days)
        intervals = []
        for offset in range(campaign.round_days):
            day: date = first_day + timedelta(days=offset)
            for text in campaign.daily_windows:
                start, end = parse_daily_window(text)
                begin = datetime.combine(day, start, tzinfo=zone)
                finish = (
                    datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                    if end is None
                    else datetime.combine(day, end, tzinfo=zone)
                )
                intervals.append((begin, finish))
    intervals.sort()
    for (_, end), (start, _) in zip(intervals, intervals[1:]):
        if start < end:
            raise PlanError(f"第 {round_number} 轮的时段相互重叠")
    return intervals


def _clip(intervals: list[Interval], not_before: datetime | None) -> list[Interval]:
    if not_before is None:
        return intervals
    # whole seconds: the plan's times are whole seconds
    floor = not_before.replace(microsecond=0) + (timedelta(seconds=1) if not_before.microsecond else timedelta(0))
    return [(max(start, floor), end) for start, end in intervals if end > floor and max(start, floor) < end]


def spaced_times(rng: random.Random, intervals: list[Interval], count: int, spacing: int) -> list[Interval]:
    """``count`` random whole-second moments in the intervals, pairwise ≥ ``spacing`` s apart.

    The intervals are laid end to end (gaps only add distance, so spacing on
    the joined line is a lower bound of the real spacing); ``count`` sorted
    uniform draws from the line shortened by (count−1)·spacing, the i-th moved
    on by i·spacing, are uniformly distributed over all valid arrangements.
    Returns (moment, end of its interval).
    """
    lengths = [int((end - start.replace(microsecond=0)).total_seconds()) for start, end in intervals]
    free = sum(lengths) - (count - 1) * spacing
    if free < 1:
        raise PlanError(
            f"时段总长 {sum(lengths)} 秒，放不下 {count} 次间隔至少 {spacing} 秒的拨打：请加长时段或减小最小间隔"
        )
    offsets = sorted(rng.randrange(free) for _ in range(count))
    result = []
    for i, offset in enumerate(offsets):
        position = offset + i * spacing
        for (start, end), length in zip(intervals, lengths):
            if position < length:
                result.append((start.replace(microsecond=0) + timedelta(seconds=position), end))
                break
            position -= length
    return result


def plan(
    campaign: Campaign,
    seed: int | None = None,
    *,
    fill_missing: bool = False,
    not_before: datetime | None = None,
) -> int:
    """Create the campaign's ProbeCalls; returns how many were created.

    Refuses a campaign that already has calls unless ``fill_missing`` (then only
    slots without a call are created: hotlines added later, a round added).
    ``not_before`` drops the part of every window before it (the CLI passes now).
    """
    if campaign.status == CampaignStatus.FINISHED:
        raise PlanError(f"任务 {campaign.name} 已结束，不能再排期")
    existing = set(campaign.calls.values_list("hotline_id", "round", "seq"))
    if existing and not fill_missing:
        raise PlanError(f"任务 {campaign.name} 已排期 {len(existing)} 次拨打；只补排缺少的请用 fill_missing")
    if seed is None:
        seed = campaign.seed if campaign.seed is not None else secrets.randbelow(2**53)
    elif campaign.seed is not None and seed != campaign.seed and existing:
        raise PlanError(f"任务 {campaign.name} 已用种子 {campaign.seed} 排期，补排须用同一种子")
    validate(campaign)
    round_windows = {r: _clip(round_intervals(campaign, r), not_before) for r in range(1, campaign.rounds + 1)}
    for number, intervals in round_windows.items():
        if not intervals:
            raise PlanError(f"第 {number} 轮的时段已全部过去")
    new_calls = []
    for hotline in campaign.hotlines.order_by("hotline_id"):
        for number, intervals in round_windows.items():
            rng = random.Random(f"{seed}:{hotline.hotline_id}:{number}")
            times = spaced_times(rng, intervals, campaign.calls_per_round, campaign.min_spacing_seconds)
            for seq, (moment, window_end) in enumerate(times, start=1):
                if (hotline.pk, number, seq) in existing:
                    continue
                new_calls.append(
                    ProbeCall(
                        campaign=campaign, hotline=hotline, round=number, seq=seq,
                        scheduled_at=moment, not_after=window_end,
                    )
                )
    with transaction.atomic():
        ProbeCall.objects.bulk_create(new_calls, batch_size=500)
        campaign.seed, campaign.planned_at = seed, timezone.now()
        campaign.save(update_fields=["seed", "planned_at", "round_windows"])
    log.info("campaign %s planned: %s calls (seed %s)", campaign.name, len(new_calls), seed)
    return len(new_calls)


# -- status changes -------------------------------------------------------------

_TRANSITIONS = {
    "start": ({CampaignStatus.DRAFT, CampaignStatus.PAUSED}, CampaignStatus.RUNNING),
    "pause": ({CampaignStatus.RUNNING}, CampaignStatus.PAUSED),
    "resume": ({CampaignStatus.PAUSED, CampaignStatus.DRAFT}, CampaignStatus.RUNNING),
    "finish": ({CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.PAUSED}, CampaignStatus.FINISHED),
}


def change_status(campaign: Campaign, action: str) -> Campaign:
    """start / pause / resume / finish with a conditional UPDATE (a worker may change it too)."""
    allowed, target = _TRANSITIONS[action]
    if target == CampaignStatus.RUNNING and not campaign.calls.exists():
        raise CampaignError(f"任务 {campaign.name} 还没有排期：先运行 rexian campaign plan {campaign.name}")
    changed = Campaign.objects.filter(pk=campaign.pk, status__in=allowed).update(status=target)
    campaign.refresh_from_db(fields=["status"])
    if not changed:
        raise CampaignError(f"任务 {campaign.name} 当前为“{campaign.get_status_display()}”，不能执行 {action}")
    if action == "finish":
        # Planned calls that will never be placed: they stay out of the export.
        campaign.calls.filter(status=CallStatus.SCHEDULED).update(status=CallStatus.MISSED, error="任务已结束")
    log.info("campaign %s: %s", campaign.name, action)
    return campaign


# -- dead lines -----------------------------------------------------------------


def called_at_local(moment: datetime) -> datetime:
    """When a call was placed, as it goes into the probe file: local time, whole seconds."""
    return timezone.localtime(moment).replace(microsecond=0)


def refresh_dead_line(hotline: CampaignHotline, now: datetime | None = None) -> bool | None:
    """Apply the evaluation's dead-line rule to the hotline's finished calls.

    Returns True when the hotline was just flagged, False when a flag was
    lifted (a later call connected), None when nothing changed.
    """
    from rexian.evaluation.monitoring.metrics import DEAD, classify

    config = dead_line_config(hotline.campaign.evaluation_config)
    rows = list(hotline.calls.filter(status=CallStatus.DONE).values_list("outcome", "started_at"))
    answered = sum(outcome == EvaluationOutcome.ANSWERED for outcome, _ in rows)
    distinct = len({called_at_local(started) for _, started in rows})
    dead = bool(rows) and classify(answered, len(rows), distinct, config)[0] == DEAD
    if dead == hotline.dead_line:
        return None
    flagged_at = (now or timezone.now()) if dead else None
    CampaignHotline.objects.filter(pk=hotline.pk).update(dead_line=dead, flagged_at=flagged_at)
    hotline.dead_line, hotline.flagged_at = dead, flagged_at
    if dead:
        log.warning(
            "campaign %s: hotline %s is a dead line (%s calls at %s distinct times, none connected)",
            hotline.campaign.name, hotline.hotline_id, len(rows), distinct,
        )
    return dead
