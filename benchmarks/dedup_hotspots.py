"""Hot issues in messages_with_votes.csv (taidi2020), and clustering speed at 25,000 messages.

    .venv/bin/python benchmarks/dedup_hotspots.py

The window is 2019-01-01 to the last message (2020-01): the file has only
four messages before 2019. "Recent" is the last quarter of the window.
"""

import random
import time
from dataclasses import replace
from datetime import datetime, timedelta

from rexian.nlp.hotspots import HotspotMessage, find_hot_issues
from rexian.nlp.taidi import read_public_messages, taidi_dir

TOP = 15
SCALE = 25_000


def as_hotspot_message(message) -> HotspotMessage:
    return HotspotMessage(
        id=message.id,
        title=message.title,
        body=message.detail,
        posted_at=message.posted_at,
        likes=message.likes,
        author=message.user,
    )


def main() -> None:
    directory = taidi_dir()
    messages = [as_hotspot_message(m) for m in read_public_messages(directory / "messages_with_votes.csv")]
    window = (datetime(2019, 1, 1), max(m.posted_at for m in messages))
    started = time.perf_counter()
    issues = find_hot_issues(messages, window=window)
    seconds = time.perf_counter() - started
    print(
        f"{len(messages)} messages, window {window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d}: "
        f"{len(issues)} issues with 2+ messages in {seconds:.1f} s\n"
    )
    print(f"{'#':>2}  {'heat':>6}  {'msgs':>4}  {'people':>6}  {'recent/earlier':>14}  {'growth':>6}  {'likes':>5}  title / keywords")
    for rank, issue in enumerate(issues[:TOP], 1):
        print(
            f"{rank:>2}  {issue.heat:6.1f}  {issue.size:4}  {issue.reporters:6}  "
            f"{f'{issue.recent}/{issue.earlier}':>14}  {issue.growth:6.2f}  {issue.likes:5}  {issue.title}\n"
            f"{'':48}{' · '.join(issue.keywords)}   ({issue.first_posted:%Y-%m-%d} – {issue.last_posted:%Y-%m-%d})"
        )

    # A burst: 100 reports of one water cut among 325 real messages in a week.
    # Words in more than 5 % of the *messages* used to be dropped, so the
    # burst lost its words and vanished; it must be one issue, ranked first.
    chooser = random.Random(0)
    week_start = datetime(2024, 3, 1)
    week = [replace(m, id=f"real-{n}", posted_at=week_start + timedelta(seconds=chooser.uniform(0, 7 * 86400)))
            for n, m in enumerate(chooser.sample(messages, 325))]
    week += [HotspotMessage(f"burst-{n}", "幸福小区停水", "幸福小区停水了，家里没水用。",
                            week_start + timedelta(seconds=chooser.uniform(0, 7 * 86400)), author=f"caller-{n}")
             for n in range(100)]
    burst = find_hot_issues(week, window=(week_start, week_start + timedelta(days=7)))
    print(f"\nburst: 100 of 425 in a week; top issue {burst[0].title!r}, {burst[0].size} messages, "
          f"{sum(str(i).startswith('burst') for i in burst[0].message_ids)} of the burst")

    replies = [as_hotspot_message(m) for m in read_public_messages(directory / "messages_with_replies.csv")]
    pool = messages + replies
    # Past the 7,142 real messages, repeat them under new ids: repeats are the
    # worst case for clustering, since every one of them has a close neighbour.
    scaled = [replace(pool[i % len(pool)], id=f"copy-{i}") for i in range(SCALE)]
    started = time.perf_counter()
    scaled_issues = find_hot_issues(scaled)
    print(f"\nscale: {len(scaled)} messages clustered in {time.perf_counter() - started:.1f} s ({len(scaled_issues)} issues)")


if __name__ == "__main__":
    main()
