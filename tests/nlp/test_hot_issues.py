from datetime import datetime, timedelta

import pytest
from scipy import sparse

from rexian.nlp.hotspots import HotspotMessage, find_hot_issues, leader_clusters

START = datetime(2024, 3, 1)


def message(number: int, title: str, day: int, likes: int = 0, author: str | None = None) -> HotspotMessage:
    return HotspotMessage(
        id=number,
        title=title,
        body=f"{title}，请有关部门尽快处理。",
        posted_at=START + timedelta(days=day),
        likes=likes,
        author=author or f"user{number}",
    )


MESSAGES = [
    # An old matter: all reports early in the window.
    message(1, "丽景花园小区停车位捆绑销售", 1),
    message(2, "投诉丽景花园捆绑销售停车位", 2),
    message(3, "丽景花园车位捆绑销售问题", 3, likes=3),
    # A growing matter: most reports in the last quarter, one person twice.
    message(4, "滨江路搅拌站噪音扰民", 10),
    message(5, "滨江路搅拌站夜间噪音扰民严重", 80, author="user5"),
    message(6, "投诉滨江路搅拌站噪音", 85, author="user5"),
    message(7, "滨江路搅拌站粉尘噪音污染", 88, likes=40),
    # Unrelated single messages.
    message(8, "咨询孩子入学户口政策", 40),
    message(9, "医保报销比例是多少", 50),
    message(10, "公交站台广告牌破损", 60),
]


@pytest.fixture(scope="module")
def issues():
    return find_hot_issues(MESSAGES, window=(START, START + timedelta(days=90)))


def test_similar_requests_are_grouped_and_unrelated_ones_left_out(issues):
    assert sorted(sorted(issue.message_ids) for issue in issues) == [[1, 2, 3], [4, 5, 6, 7]]


def test_growing_issue_with_support_ranks_first(issues):
    hottest, older = issues
    assert hottest.message_ids == (4, 5, 6, 7)
    assert (hottest.recent, hottest.earlier) == (3, 1)
    assert hottest.growth > 1 > older.growth
    assert hottest.reporters == 3  # user5 reported twice
    assert hottest.likes == 40
    assert "搅拌站" in hottest.keywords
    assert hottest.heat > older.heat


def test_representative_title_and_time_span(issues):
    older = issues[1]
    assert older.title in {m.title for m in MESSAGES[:3]}
    assert (older.first_posted, older.last_posted) == (MESSAGES[0].posted_at, MESSAGES[2].posted_at)


def test_window_excludes_messages_outside_it():
    recent_only = find_hot_issues(MESSAGES, window=(START + timedelta(days=30), START + timedelta(days=90)))
    assert [issue.message_ids for issue in recent_only] == [(5, 6, 7)]


def test_no_messages_no_issues():
    assert find_hot_issues([]) == []
    with pytest.raises(ValueError):
        find_hot_issues(MESSAGES, recent_share=1.0)


def test_leader_clustering_compares_with_leaders_only():
    # Row 1 is close to 0, row 2 to 1 but not to 0: without chaining, 2 starts its own cluster.
    vectors = sparse.csr_matrix([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, 0.8, 0.6]])
    assert leader_clusters(vectors, threshold=0.7) == [[0, 1], [2]]
