"""Fixtures for the language tools: a synthetic corpus and the research data set."""

import os
import random

import pytest

from rexian.nlp.taidi import taidi_dir

TOPICS = {
    "交通运输": ["公交车晚点", "地铁站拥挤", "红绿灯故障", "出租车拒载", "道路拥堵"],
    "环境保护": ["工厂排放废气", "河道污染发臭", "夜间施工噪音", "垃圾焚烧冒烟", "污水直排"],
    "教育文体": ["学校乱收费", "幼儿园入学难", "教师补课收费", "学生午餐质量差", "体育馆不开放"],
}
PLACES = ["人民路", "解放街", "麓谷小区", "星沙镇", "东湖村", "滨江花园"]
OPENINGS = ["投诉", "反映", "请求处理", "强烈要求解决", "咨询"]


def synthetic_corpus(per_label: int = 24, seed: int = 0) -> tuple[list[str], list[str]]:
    """Deterministic short complaints, ``per_label`` for each label in TOPICS."""
    chooser = random.Random(seed)
    texts, labels = [], []
    for label, topics in TOPICS.items():
        for _ in range(per_label):
            texts.append(f"{chooser.choice(OPENINGS)}{chooser.choice(PLACES)}{chooser.choice(topics)}的问题")
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return synthetic_corpus()


@pytest.fixture(scope="session")
def make_corpus():
    return synthetic_corpus


@pytest.fixture(scope="session")
def taidi():
    """The taidi2020 directory; skipped when absent, except under CI where it must exist."""
    directory = taidi_dir()
    if not (directory / "messages_train.csv").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"taidi2020 data set missing at {directory} (CI=true requires it)")
        pytest.skip(f"taidi2020 data set not found at {directory}")
    return directory
