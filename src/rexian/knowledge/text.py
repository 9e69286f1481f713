"""Turning Chinese text into index terms: segmentation, domain words, synonyms.

The same analyser runs on articles when they are indexed and on the agent's
query, so 住建委 in a query finds 住建局 in an article once the synonym is
entered. The domain dictionary and synonyms live in the database (admin-
editable) and are checked for changes at most once a minute per process.
"""

import re

from rexian.core.snapshot import Snapshot
from rexian.nlp.segment import Segmenter

# Single characters and function words that carry no meaning for retrieval.
STOPWORDS = frozenset("的 了 和 与 及 或 是 在 我 你 他 她 它 我们 请问 请 想 要 有 吗 呢 吧 啊 怎么 如何 什么 哪里 一个 这个 那个 就 都 也 还 被 把 对 从 向 给 为 以 之".split())
_WORD = re.compile(r"\w", re.UNICODE)


_built: dict = {}  # the current dictionary → its segmenter (one entry)


def _load_segmenter() -> Segmenter:
    from rexian.knowledge.models import DomainTerm, Synonym

    dictionary = (
        tuple(sorted(DomainTerm.objects.values_list("word", flat=True))),
        tuple(sorted(Synonym.objects.values_list("variant", "canonical"))),
    )
    # Building a segmenter takes ≈ 0.1 s (jieba's dictionary): not once a
    # minute for a search that would otherwise take milliseconds.
    if dictionary not in _built:
        words, synonyms = dictionary
        _built.clear()
        _built[dictionary] = Segmenter(user_words=list(words), synonyms=dict(synonyms))
    return _built[dictionary]


segmenters = Snapshot(_load_segmenter)
_segmenter = segmenters.get
clear_cache = segmenters.clear_now_and_after_commit


def terms(text: str, document: bool = False) -> list[str]:
    """Index terms of `text`, in order, repeats kept (term frequency matters).

    Documents are cut in search mode (公积金 also gives 公积, 积金), so a query
    cut plainly finds its words in them whichever way they were written.
    """
    return [
        token
        for token in _segmenter().tokens(text, search_mode=document)
        if token not in STOPWORDS and _WORD.search(token) and len(token) <= 50
    ]
