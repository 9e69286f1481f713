"""Hot issues that are bursts of one complaint: found as one issue, ranked first."""

import random
from datetime import datetime, timedelta

import pytest

from rexian.nlp.hotspots import HotspotMessage, find_hot_issues
from rexian.nlp.taidi import read_public_messages

START = datetime(2024, 3, 1)
BURST = ["幸福小区停水", "幸福小区又停水了", "投诉幸福小区停水", "幸福小区停水三天无人管", "幸福小区突然停水"]
PLACES = ["人民路", "解放街", "麓谷", "星沙镇", "东湖村", "滨江花园", "梅溪湖", "金星路", "雨花亭", "芙蓉广场", "湘江大道", "岳麓山",
          "桐梓坡", "洋湖", "坪塘", "含浦", "黄花镇", "榔梨", "暮云", "跳马", "白沙井", "天心阁", "橘子洲", "月湖"]
TOPICS = ["公交车晚点", "红绿灯故障", "出租车拒载", "工厂排放废气", "河道发臭", "垃圾焚烧冒烟", "学校乱收费", "幼儿园入学难",
          "教师补课收费", "体育馆不开放", "路灯不亮", "井盖缺失", "违章搭建", "物业乱收费", "电梯故障", "广场舞扰民",
          "占道经营", "油烟扰民", "农民工欠薪", "医保报销慢", "燃气涨价", "共享单车乱停", "网吧接纳未成年人", "狗咬人"]


def burst(count: int, days: int, *, identical: bool, seed: int = 0) -> list[HotspotMessage]:
    chooser = random.Random(seed)
    messages = []
    for n in range(count):
        title = BURST[0] if identical else chooser.choice(BURST)
        posted = START + timedelta(seconds=chooser.uniform(0, days * 86400))
        messages.append(HotspotMessage(f"burst{n}", title, f"{title}，家里没水用。", posted, author=f"caller{n}"))
    return messages


def burst_ids(issue) -> int:
    return sum(str(i).startswith("burst") for i in issue.message_ids)


def test_a_window_of_one_complaint_is_one_issue():
    # Every word of these messages is in all of them: counting messages dropped them all (ValueError).
    issues = find_hot_issues(burst(22, 1, identical=False), window=(START, START + timedelta(days=1)))
    assert [issue.size for issue in issues] == [22]
    assert {"幸福", "停水"} <= set(issues[0].keywords)


def test_a_burst_among_a_few_others_is_found():
    others = [HotspotMessage(f"other{n}", f"{PLACES[n]}{TOPICS[n]}", f"{PLACES[n]}{TOPICS[n]}。", START + timedelta(hours=n))
              for n in range(5)]
    issues = find_hot_issues(burst(30, 1, identical=True) + others, window=(START, START + timedelta(days=1)))
    assert len(issues) == 1 and issues[0].size == 30 and burst_ids(issues[0]) == 30


def test_messages_without_words_give_no_issues():
    silent = [HotspotMessage(n, "？？？", "。。。", START + timedelta(hours=n)) for n in range(3)]
    assert find_hot_issues(silent) == []


def test_words_found_across_many_matters_are_still_dropped():
    # 24 matters, each reported twice, all saying 问题 and 请尽快处理: those words must not glue them.
    messages = [
        HotspotMessage(f"{n}-{copy}", f"反映{place}{topic}的问题", "请尽快处理。", START + timedelta(hours=n, minutes=copy))
        for n, (place, topic) in enumerate(zip(PLACES, TOPICS))
        for copy in range(2)
    ]
    issues = find_hot_issues(messages)
    assert sorted(issue.size for issue in issues) == [2] * 24
    assert not any("问题" in issue.keywords for issue in issues)


@pytest.mark.parametrize("size", [25, 40, 100])
def test_a_burst_among_real_requests_ranks_first_as_one_issue(taidi, size):
    real = list(read_public_messages(taidi / "messages_with_votes.csv"))
    chooser = random.Random(size)
    others = [
        HotspotMessage(f"real{n}", m.title, m.detail, START + timedelta(seconds=chooser.uniform(0, 7 * 86400)), author=m.user)
        for n, m in enumerate(chooser.sample(real, 425 - size))
    ]
    for identical in (True, False):
        issues = find_hot_issues(others + burst(size, 7, identical=identical), window=(START, START + timedelta(days=7)))
        assert burst_ids(issues[0]) == size  # the whole burst, in one issue, first
        # Real requests may join it, but only about water cuts (one says A6区停水问题很严重).
        joined = [m for m in others if m.id in issues[0].message_ids]
        assert all("停水" in m.title + m.body for m in joined)
