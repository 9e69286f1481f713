"""BM25 search over the knowledge base, the same on SQLite and PostgreSQL.

The BM25 term weights are computed when an article is indexed (`Posting`),
document frequencies are kept in `TermStat`, and scores are summed in Python
in a fixed order, so both databases rank identically (PostgreSQL has no BM25
of its own, and SQLite FTS5's would differ from any PostgreSQL ranking).
Ties are broken by article id. Whether an article is in force today (and
public, for citizens) is checked on the best-scoring candidates afterwards,
so the hot query touches no other table.
"""

import heapq
import html
import math
from collections import defaultdict
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from rexian.knowledge import text
from rexian.knowledge.index import stats
from rexian.knowledge.models import Article, Posting, TermStat

MAX_QUERY_TERMS = 8
MAX_QUERY_LENGTH = 500
# A term in more than this share of the articles says little about which one is
# meant; it is dropped when the query has better terms (a BM25 stop-list built from the data).
COMMON_SHARE = 0.25
CANDIDATE_ROUNDS = (4, 20, 100)  # × limit: how far to look when many top hits are not current
PER_TERM = 1000  # postings read per query term, highest weight first
RESCORE = 300  # candidates scored exactly


@dataclass
class Hit:
    article: Article
    score: float
    snippet: SafeString


def idf(documents: int, frequency: int) -> float:
    """BM25's IDF in the always-positive form (Lucene's)."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def query_terms(query: str) -> list[str]:
    seen: dict[str, None] = {}
    for term in text.terms(query[:MAX_QUERY_LENGTH]):
        seen.setdefault(term, None)
    return list(seen)


def _weights(terms: list[str], documents: int) -> dict[str, float]:
    """IDF of the query's informative terms: single characters and very common
    terms go when anything better is there; at most MAX_QUERY_TERMS, rarest first."""
    frequencies = dict(TermStat.objects.filter(term__in=terms, documents__gt=0).values_list("term", "documents"))
    found = [term for term in terms if term in frequencies]
    informative = [t for t in found if len(t) > 1 and frequencies[t] <= COMMON_SHARE * documents]
    chosen = sorted(informative or found, key=lambda t: frequencies[t])[:MAX_QUERY_TERMS]
    return {term: idf(documents, frequencies[term]) for term in chosen}


def _ranked(weights: dict[str, float], limit: int) -> list[tuple[int, float]]:
    """Score-at-a-time BM25: candidates from each term's highest-weighted postings,
    then exact scores for the best candidates.

    Each term contributes at most PER_TERM postings (an index range scan on
    term, weight); the RESCORE best candidates are then scored exactly from all
    their postings of the query's terms. Sums run in Python in a fixed order, so
    both databases give the same scores to the last bit.
    """
    approximate: dict[int, float] = defaultdict(float)
    for term, term_idf in weights.items():
        top = Posting.objects.filter(term=term).order_by("-weight", "-article").values_list("article", "weight")
        for article, weight in top[:PER_TERM]:
            approximate[article] += term_idf * weight
    best = heapq.nsmallest(max(RESCORE, limit), approximate.items(), key=lambda item: (-item[1], item[0]))
    exact: dict[int, float] = defaultdict(float)
    rows = (
        Posting.objects.filter(term__in=list(weights), article__in=[article for article, _score in best])
        .order_by("article", "term")
        .values_list("article", "term", "weight")
    )
    for article, term, weight in rows:
        exact[article] += weights[term] * weight
    return sorted(exact.items(), key=lambda item: (-item[1], item[0]))[:limit]


def search(query: str, limit: int = 10, public_only: bool = False) -> list[Hit]:
    totals = stats()
    if not totals.documents:
        return []
    weights = _weights(query_terms(query), totals.documents)
    if not weights:
        return []
    eligible = Article.objects.current().select_related("department")
    if public_only:
        eligible = eligible.public()
    for factor in CANDIDATE_ROUNDS:
        ranked = _ranked(weights, limit * factor)
        articles = eligible.in_bulk([pk for pk, _score in ranked])
        hits = [(articles[pk], score) for pk, score in ranked if pk in articles][:limit]
        if len(hits) == limit or len(ranked) < limit * factor:
            break
    return [Hit(article, score, snippet(article.body, query, list(weights))) for article, score in hits]


def _spans(window: str, needles: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping matches, longer needles first (公积金 before 积金)."""
    taken = [False] * len(window)
    spans = []
    for needle in needles:
        at = window.find(needle)
        while at != -1:
            end = at + len(needle)
            if not any(taken[at:end]):
                spans.append((at, end))
                taken[at:end] = [True] * len(needle)
            at = window.find(needle, at + 1)
    return sorted(spans)


def snippet(body: str, query: str, terms: list[str], width: int = 90) -> SafeString:
    """A window of the body around the first match, HTML-escaped, matches in <mark>."""
    needles = sorted({*terms, *query.split()} - {""}, key=len, reverse=True)
    positions = [body.find(needle) for needle in needles if needle in body]
    start = max(0, min(positions) - width // 3) if positions else 0
    window = body[start : start + width]
    parts, cursor = [], 0
    for begin, end in _spans(window, needles):
        parts.append(html.escape(window[cursor:begin]))
        parts.append(f"<mark>{html.escape(window[begin:end])}</mark>")
        cursor = end
    parts.append(html.escape(window[cursor:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(body) else ""
    return mark_safe(prefix + "".join(parts) + suffix)
