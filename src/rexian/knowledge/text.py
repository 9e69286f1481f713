"""Turning Chinese text into index terms: segmentation, domain words, synonyms.

The same analyser runs on articles when they are indexed and on the agent's
query, so 住建委 in a query finds 住建局 in an article once the synonym is
entered. The domain dictionary and synonyms live in the database (admin-
editable), and postings only match queries cut with the same dictionary. So
the dictionary has a version (`IndexStats.dictionary_version`) that
`index.rebuild()` raises when it has cut every article anew: each process
keeps the analyser of the version it last read and loads the dictionary again
when it reads another one (search with the document frequencies, indexing
under the index lock).
"""

import math
import re
from dataclasses import dataclass

from rexian.core.snapshot import Snapshot
from rexian.nlp.segment import Segmenter

# Single characters and function words that carry no meaning for retrieval.
STOPWORDS = frozenset("的 了 和 与 及 或 是 在 我 你 他 她 它 我们 请问 请 想 要 有 吗 呢 吧 啊 怎么 如何 什么 哪里 一个 这个 那个 就 都 也 还 被 把 对 从 向 给 为 以 之".split())
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Analyser:
    """The segmenter of one version of the dictionary."""

    version: int
    segmenter: Segmenter

    def terms(self, text: str, document: bool = False) -> list[str]:
        return [
            token
            for token in self.segmenter.tokens(text, search_mode=document)
            if token not in STOPWORDS and _WORD.search(token) and len(token) <= 50
        ]


_built: dict = {}  # the last dictionary read → its segmenter (one entry)


def _load() -> Analyser:
    from rexian.knowledge.models import DomainTerm, IndexStats, Synonym

    # The version before the words: what is read after it is at least that
    # new, so an analyser is never older than its version says.
    version = IndexStats.objects.filter(pk=1).values_list("dictionary_version", flat=True).first() or 0
    dictionary = (
        tuple(sorted(DomainTerm.objects.values_list("word", flat=True))),
        tuple(sorted(Synonym.objects.values_list("variant", "canonical"))),
    )
    # Building a segmenter takes ≈ 0.1 s (jieba's dictionary): not again when
    # the index was rebuilt without a change to the words.
    if dictionary not in _built:
        words, synonyms = dictionary
        _built.clear()
        _built[dictionary] = Segmenter(user_words=list(words), synonyms=dict(synonyms))
    return Analyser(version, _built[dictionary])


_current = Snapshot(_load, seconds=math.inf)  # replaced only when another version is asked for


def analyser(version: int | None = None) -> Analyser:
    """The analyser of dictionary `version`; by default the one this process last read."""
    current = _current.get()
    if version is not None and current.version != version:
        _current.clear()
        current = _current.get()
    return current


def terms(text: str, document: bool = False, version: int | None = None) -> list[str]:
    """Index terms of `text`, in order, repeats kept (term frequency matters).

    Documents are cut in search mode (公积金 also gives 公积, 积金), so a query
    cut plainly finds its words in them whichever way they were written.
    """
    return analyser(version).terms(text, document)
