"""Hot issues (热点): groups of requests about the same matter in a time window.

Clustering. Each message becomes a TF-IDF vector of its words (rjieba): the
title's vector and that of the first ``BODY_CHARACTERS`` of the body, summed
with the title weighted more. Weights come in two passes. Pass 1 weighs words
by how many messages have them and clusters as below. Pass 2 weighs them by
how many pass-1 *matters* (clusters) have them, drops words found in more than
``MAX_MATTER_SHARE`` of the matters (and in more than ``MIN_MATTER_CEILING``),
and clusters again. Counting matters rather than messages is what keeps a
burst: 100 reports of 幸福小区停水 are one matter, so 停水 and 幸福 stay
specific, while 问题 or 小区, found across many matters, say nothing about
which matter a message is about. (Counting messages dropped exactly the words
of the biggest issue, and a window of one complaint lost every word.)
In each pass, messages are read in time order and leader-clustered: a message joins
the cluster of the most similar earlier *leader* with cosine similarity at
least ``threshold``, or else leads a new cluster. Comparing with leaders
rather than with every member stops clusters from drifting (single-linkage
chaining), and the same rule works incrementally as new requests arrive.
A merge step then does the same with the clusters' centroids, joining clusters
whose leaders were worded differently but whose members agree.
Similarities are computed as sparse matrix products in row blocks, so 25,000
messages take seconds (about 9 s for both passes).

Ranking. Each cluster gets

    heat = reporters × (1 + log10(1 + likes)) × clamp(growth, 0.5, 2)

* reporters: distinct authors (one person posting five times counts once);
  the cluster size when authors are unknown;
* likes: the sum of the members' likes (点赞数), on a log scale so a few
  viral posts do not outrank many independent reporters;
* growth: how much faster messages arrived in the recent part of the window
  (the last ``recent_share`` of it) than before, with add-one smoothing:
  ((recent + 1) / recent_share) / ((earlier + 1) / (1 - recent_share)).
  Clamped so that trend can at most double or halve the heat.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from rexian.nlp.segment import Segmenter, default_segmenter

BODY_CHARACTERS = 150
TITLE_WEIGHT = 0.8
MAX_MATTER_SHARE = 0.05
MIN_MATTER_CEILING = 20
PASS_ONE_THRESHOLD = 0.4
ROW_BLOCK = 2000
KEYWORDS = 5
# The research data replaces place names by codes (A市, A3区, K11县); jieba
# glues the code's last character to the next word (区丽发), so codes are
# blanked before segmentation. Real place names do not look like this.
_ANONYMISED_PLACE_CODE = re.compile(r"[A-Za-zＡ-Ｚ]\d{0,2}[市区县]")
# Tokens that cannot be keywords: single characters, numbers and Latin codes.
_NOT_A_KEYWORD = re.compile(r"^(?:.|[a-z0-9.%]+)$")


@dataclass(frozen=True)
class HotspotMessage:
    id: object
    title: str
    body: str
    posted_at: datetime
    likes: int = 0
    author: str = ""


@dataclass(frozen=True)
class HotIssue:
    title: str
    message_ids: tuple
    size: int
    reporters: int
    likes: int
    recent: int
    earlier: int
    growth: float
    keywords: tuple[str, ...]
    first_posted: datetime
    last_posted: datetime
    heat: float


class _Words:
    """Analyzer: word unigrams from a Segmenter (picklable, unlike a lambda)."""

    def __init__(self, segmenter: Segmenter):
        self.segmenter = segmenter

    def __call__(self, text: str) -> list[str]:
        return self.segmenter.tokens(_ANONYMISED_PLACE_CODE.sub(" ", text))


def find_hot_issues(
    messages: Sequence[HotspotMessage],
    *,
    threshold: float = 0.4,
    window: tuple[datetime, datetime] | None = None,
    recent_share: float = 0.25,
    min_size: int = 2,
    segmenter: Segmenter | None = None,
) -> list[HotIssue]:
    """Clusters of at least ``min_size`` messages posted in ``window``, hottest first.

    ``window`` defaults to the span of the messages' timestamps.
    """
    if not 0 < recent_share < 1:
        raise ValueError("recent_share must be between 0 and 1")
    if not messages:
        return []
    start, end = window or (min(m.posted_at for m in messages), max(m.posted_at for m in messages))
    # Time order matters: leaders are the earliest reports of each matter.
    in_window = sorted((m for m in messages if start <= m.posted_at <= end), key=lambda m: m.posted_at)
    if not in_window:
        return []
    vectorized = _vectorize(in_window, segmenter or default_segmenter())
    if vectorized is None:
        return []
    vectors, vocabulary = vectorized
    clusters = merge_similar_clusters(vectors, leader_clusters(vectors, threshold), threshold)
    recent_from = end - (end - start) * recent_share
    issues = [
        _describe(in_window, members, vectors, vocabulary, recent_from, recent_share)
        for members in clusters
        if len(members) >= min_size
    ]
    return sorted(issues, key=lambda issue: issue.heat, reverse=True)


def _vectorize(messages: Sequence[HotspotMessage], segmenter: Segmenter) -> tuple[sparse.csr_matrix, np.ndarray] | None:
    """Two-pass word TF-IDF of the title and of the body start, weighted, summed and row-normalised.

    Returns None when no message has a single word.
    """
    counter = CountVectorizer(analyzer=_Words(segmenter))
    try:
        counts = counter.fit_transform([m.title for m in messages] + [m.body[:BODY_CHARACTERS] for m in messages])
    except ValueError:  # empty vocabulary: nothing but punctuation, digits or place codes
        return None
    counts = counts.tocsr().astype(float)
    counts.data = 1 + np.log(counts.data)  # sublinear term frequency
    titles, bodies = counts[: len(messages)], counts[len(messages) :]
    words_in = ((titles + bodies) > 0).astype(float).tocsr()  # message x word incidence
    # Pass 1: weights from message frequencies, nothing dropped. A burst of
    # one complaint gives its words low weights here, but its messages still
    # share them and group together.
    first = _weighted(titles, bodies, _idf(words_in.sum(axis=0), len(messages)))
    clusters = merge_similar_clusters(first, leader_clusters(first, PASS_ONE_THRESHOLD), PASS_ONE_THRESHOLD)
    # Pass 2: weights from matter frequencies: in how many first-pass groups
    # a word occurs. A burst counts once, so its words stay specific, while
    # 问题 or 小区 turn up in many matters.
    matters = _membership(clusters, len(messages)) @ words_in
    matter_frequency = np.asarray((matters > 0).sum(axis=0)).ravel()
    idf = _idf(matter_frequency, len(clusters))
    idf[matter_frequency > max(MAX_MATTER_SHARE * len(clusters), MIN_MATTER_CEILING)] = 0
    return _weighted(titles, bodies, idf), counter.get_feature_names_out()


def _idf(frequency, total: int) -> np.ndarray:
    """Smoothed inverse frequency, as scikit-learn's TfidfTransformer computes it."""
    return np.log((1 + total) / (1 + np.asarray(frequency, dtype=float).ravel())) + 1


def _weighted(titles: sparse.csr_matrix, bodies: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    weights = sparse.diags(idf)
    titles = normalize(titles @ weights)
    bodies = normalize(bodies @ weights)
    return normalize(TITLE_WEIGHT * titles + (1 - TITLE_WEIGHT) * bodies).tocsr()


def _membership(clusters: list[list[int]], rows: int) -> sparse.csr_matrix:
    """Cluster x row indicator matrix."""
    return sparse.csr_matrix(
        (
            np.ones(sum(map(len, clusters))),
            np.concatenate(clusters),
            np.cumsum([0] + [len(members) for members in clusters]),
        ),
        shape=(len(clusters), rows),
    )


def leader_clusters(vectors: sparse.csr_matrix, threshold: float) -> list[list[int]]:
    """Leader clustering of row-normalised vectors taken in row order.

    Row i joins the cluster of the most similar earlier leader whose cosine
    similarity is at least ``threshold``; otherwise it leads a new cluster.
    """
    leader_of = np.full(vectors.shape[0], -1)
    members: dict[int, list[int]] = {}
    for block_start in range(0, vectors.shape[0], ROW_BLOCK):
        block = vectors[block_start : block_start + ROW_BLOCK]
        # Only rows up to the end of this block can be earlier than its rows.
        similar = (block @ vectors[: block_start + block.shape[0]].T).tocsr()
        similar.data[similar.data < threshold] = 0
        similar.eliminate_zeros()
        for offset in range(block.shape[0]):
            row = block_start + offset
            start, stop = similar.indptr[offset], similar.indptr[offset + 1]
            best, best_similarity = row, -1.0
            for column, similarity in zip(similar.indices[start:stop], similar.data[start:stop]):
                if column < row and leader_of[column] == column and similarity > best_similarity:
                    best, best_similarity = column, similarity
            leader_of[row] = best
            members.setdefault(best, []).append(row)
    return list(members.values())


def merge_similar_clusters(vectors: sparse.csr_matrix, clusters: list[list[int]], threshold: float) -> list[list[int]]:
    """Merge step: leader-cluster the clusters' centroids, joining clusters that
    one leader split (the same matter worded two ways: 搅拌站 / 搅拌厂)."""
    centroids = normalize(_membership(clusters, vectors.shape[0]) @ vectors).tocsr()
    return [sorted(row for cluster in group for row in clusters[cluster]) for group in leader_clusters(centroids, threshold)]


def _describe(messages, members, vectors, vocabulary, recent_from, recent_share) -> HotIssue:
    group = [messages[index] for index in members]
    rows = vectors[members]
    centroid = np.asarray(rows.mean(axis=0)).ravel()
    representative = group[int(np.argmax(rows @ centroid))]
    recent = sum(m.posted_at >= recent_from for m in group)
    earlier = len(group) - recent
    growth = ((recent + 1) / recent_share) / ((earlier + 1) / (1 - recent_share))
    authors = {m.author for m in group if m.author}
    reporters = len(authors) if authors else len(group)
    likes = sum(m.likes for m in group)
    return HotIssue(
        title=representative.title,
        message_ids=tuple(m.id for m in group),
        size=len(group),
        reporters=reporters,
        likes=likes,
        recent=recent,
        earlier=earlier,
        growth=growth,
        keywords=_keywords(centroid, vocabulary),
        first_posted=min(m.posted_at for m in group),
        last_posted=max(m.posted_at for m in group),
        heat=reporters * (1 + math.log10(1 + likes)) * min(max(growth, 0.5), 2.0),
    )


def _keywords(centroid: np.ndarray, vocabulary: np.ndarray) -> tuple[str, ...]:
    keywords = []
    for column in np.argsort(-centroid, kind="stable"):
        if centroid[column] <= 0 or len(keywords) == KEYWORDS:
            break
        if not _NOT_A_KEYWORD.match(vocabulary[column]):
            keywords.append(str(vocabulary[column]))
    return tuple(keywords)
