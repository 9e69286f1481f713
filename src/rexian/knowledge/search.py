"""BM25 search over the knowledge base, the same on SQLite and PostgreSQL.

Scoring happens in one SQL aggregate over the `Posting` table, with the
per-term IDF passed in as constants, so both databases rank identically
(PostgreSQL has no BM25 of its own, and FTS5's would differ from any
PostgreSQL ranking). Ties are broken by article id.
"""

import html
import math
from dataclasses import dataclass

from django.db.models import Case, Count, F, FloatField, Sum, Value, When
from django.db.models.functions import Cast
from django.utils.safestring import SafeString, mark_safe

from rexian.knowledge import text
from rexian.knowledge.index import stats
from rexian.knowledge.models import Article, Posting

K1, B = 1.2, 0.75
MAX_QUERY_TERMS = 20
MAX_QUERY_LENGTH = 500


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
    return list(seen)[:MAX_QUERY_TERMS]


def search(query: str, limit: int = 10, public_only: bool = False, articles=None) -> list[Hit]:
    terms = query_terms(query)
    totals = stats()
    if not terms or not totals.documents:
        return []
    average = totals.tokens / totals.documents
    frequencies = dict(
        Posting.objects.filter(term__in=terms).values("term").annotate(n=Count("id")).values_list("term", "n")
    )
    weights = {term: idf(totals.documents, frequencies[term]) for term in terms if term in frequencies}
    if not weights:
        return []
    candidates = articles if articles is not None else Article.objects.all()
    candidates = candidates.current()
    if public_only:
        candidates = candidates.public()
    frequency = Cast("frequency", FloatField())
    length_norm = Value(K1 * (1 - B)) + Value(K1 * B / average) * Cast(F("article__indexed_length"), FloatField())
    term_weight = Case(*[When(term=term, then=Value(weight)) for term, weight in weights.items()], output_field=FloatField())
    rows = (
        Posting.objects.filter(term__in=list(weights), article__in=candidates)
        .values("article")
        .annotate(score=Sum(term_weight * frequency * Value(K1 + 1) / (frequency + length_norm)))
        .order_by("-score", "article")[:limit]
    )
    scores = [(row["article"], row["score"]) for row in rows]
    by_id = Article.objects.select_related("department").in_bulk([pk for pk, _ in scores])
    return [Hit(by_id[pk], score, snippet(by_id[pk].body, query, list(weights))) for pk, score in scores if pk in by_id]


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
