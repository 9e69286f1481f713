"""BM25 search over the knowledge base, the same on SQLite and PostgreSQL.

The BM25 term weights are computed when an article is indexed (`Posting`),
document frequencies are kept in `TermStat`, and scores are summed in Python
in a fixed order, so both databases rank identically (PostgreSQL has no BM25
of its own, and SQLite FTS5's would differ from any PostgreSQL ranking).
Ties are broken by article id. Whether an article is in force today (and
public, for citizens) is checked on the best-scoring candidates afterwards,
so the hot queries touch no other table.

A query is four statements: document frequencies (and the dictionary's
version, see text.py); the best candidates by every term's top postings (one
UNION ALL) together with all their postings of the query's terms; whether the
best candidates are in force; and the hits themselves. The first three are
plain SQL read through a cursor (docs/benchmarks.md has the measurements).
When the articles not in force (or not public) crowd the others out of the
top postings, the candidates are chosen again among the eligible articles
only, so a search finds what it would find were the others not indexed.
"""

import heapq
import html
import math
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from rexian.knowledge import text
from rexian.knowledge.choices import Visibility
from rexian.knowledge.models import Article, IndexStats, Posting, TermStat

MAX_QUERY_TERMS = 8
MAX_QUERY_LENGTH = 500
# A term in more than this share of the articles says little about which one is
# meant; it is dropped when the query has better terms (a BM25 stop-list built from the data).
COMMON_SHARE = 0.25
CANDIDATE_ROUNDS = (4, 20, 100)  # × limit: how far to look when many top hits are not current
PER_TERM = 1000  # postings read per query term, highest weight first
RESCORE = 300  # candidates scored exactly
# What `Article.is_current` and the public check read, in the model's order (as `Article.from_db` wants).
_IN_FORCE_FIELDS = [
    field.attname
    for field in Article._meta.concrete_fields
    if field.attname in {"id", "status", "effective_from", "expires_on", "visibility"}
]


@dataclass
class Hit:
    article: Article
    score: float
    snippet: SafeString


def idf(documents: int, frequency: int) -> float:
    """BM25's IDF in the always-positive form (Lucene's)."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def query_terms(query: str, analyser: text.Analyser | None = None) -> list[str]:
    seen: dict[str, None] = {}
    for term in (analyser or text.analyser()).terms(query[:MAX_QUERY_LENGTH]):
        seen.setdefault(term, None)
    return list(seen)


def _rows(sql: str, params: list) -> list[tuple]:
    """The hot reads bypass the ORM: compiling querysets and building rows
    through it costs more than the index reads themselves."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _placeholders(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _frequencies(terms: list[str]) -> tuple[int, int, dict[str, int]]:
    """The number of indexed articles, the dictionary's version and the document
    frequencies of `terms`, in one statement."""
    stats, stat = IndexStats._meta.db_table, TermStat._meta.db_table
    rows = _rows(
        f"SELECT stats.documents, stats.dictionary_version, stat.term, stat.documents FROM {stats} AS stats"
        f" LEFT JOIN {stat} AS stat ON stat.term IN ({_placeholders(terms)}) AND stat.documents > 0"
        f" WHERE stats.id = 1",
        terms,
    )
    if not rows:
        return 0, 0, {}
    return rows[0][0], rows[0][1], {term: frequency for _total, _version, term, frequency in rows if term is not None}


def _weights(query: str) -> tuple[dict[str, float], int]:
    """IDF of the query's informative terms, and the most articles any of them is in.

    Single characters and very common terms go when anything better is there;
    at most MAX_QUERY_TERMS, rarest first. The query is cut again when the
    index was built with another dictionary than this process's (changed by
    another process): it would not match the postings otherwise.
    """
    analyser = text.analyser()
    terms = query_terms(query, analyser)
    if not terms:
        return {}, 0
    documents, version, frequencies = _frequencies(terms)
    if version != analyser.version:
        terms = query_terms(query, text.analyser(version))
        documents, _version, frequencies = _frequencies(terms) if terms else (0, 0, {})
    if not documents:
        return {}, 0
    found = [term for term in terms if term in frequencies]
    informative = [t for t in found if len(t) > 1 and frequencies[t] <= COMMON_SHARE * documents]
    chosen = sorted(informative or found, key=lambda t: frequencies[t])[:MAX_QUERY_TERMS]
    return {term: idf(documents, frequencies[term]) for term in chosen}, max((frequencies[t] for t in chosen), default=0)


def _candidate_postings(weights: dict[str, float], count: int, among=None) -> list[tuple[int, str, float]]:
    """The query's postings of the `count` best articles by partial score, in one statement.

    Candidates come from each term's PER_TERM highest-weighted postings (a
    backward range scan of the covering index (term, weight, article),
    index-only on PostgreSQL), their partial scores summed in the database;
    only the candidates' postings travel back, for the exact scores.
    `among`, a queryset of articles, restricts the candidates to those.
    """
    table = Posting._meta.db_table
    among_sql, among_params = among.values("id").order_by().query.sql_with_params() if among is not None else ("", ())
    restriction = f" AND article_id IN ({among_sql})" if among is not None else ""
    tops = " UNION ALL ".join(
        f"SELECT * FROM (SELECT article_id, weight * %s AS score FROM {table}"
        f" WHERE term = %s{restriction} ORDER BY weight DESC, article_id DESC LIMIT %s) AS top_{position}"
        for position in range(len(weights))
    )
    sql = (
        f"WITH candidates AS (SELECT article_id FROM ({tops}) AS tops"
        f" GROUP BY article_id ORDER BY SUM(score) DESC, article_id LIMIT %s)"
        f" SELECT posting.article_id, posting.term, posting.weight FROM {table} AS posting"
        f" JOIN candidates ON candidates.article_id = posting.article_id"
        f" WHERE posting.term IN ({_placeholders(list(weights))})"
    )
    params = [value for term, term_idf in weights.items() for value in (term_idf, term, *among_params, PER_TERM)]
    return _rows(sql, [*params, count, *weights])


def _id_list(ids: list[int]) -> str:
    """Article ids written into the statement: they are integers from the index,
    and hundreds of parameters cost psycopg more to parse and adapt than the
    database takes to answer."""
    return ", ".join(str(int(pk)) for pk in ids)


def _best(scores: dict[int, float], count: int) -> list[tuple[int, float]]:
    """The `count` highest scores, ties broken by article id.

    The cut-off score is found first (C speed, no key function), so only the few
    articles at or above it are sorted with their ids.
    """
    if len(scores) <= count:
        return sorted(scores.items(), key=_by_score)
    cutoff = heapq.nlargest(count, scores.values())[-1]
    return sorted([item for item in scores.items() if item[1] >= cutoff], key=_by_score)[:count]


def _by_score(item: tuple[int, float]) -> tuple[float, int]:
    return -item[1], item[0]


def _ranked(weights: dict[str, float], limit: int, among=None) -> list[tuple[int, float]]:
    """Score-at-a-time BM25: candidates from each term's highest-weighted postings,
    then exact scores for the best candidates.

    The RESCORE best candidates by partial score are scored exactly from all
    their postings of the query's terms. Those sums run in Python in the order
    of the query's terms, whatever order the database returns rows in, so both
    databases give the same scores to the last bit. (Partial scores, summed by
    each database, only choose the candidates.)
    """
    order = {term: position for position, term in enumerate(weights)}
    rows = sorted(_candidate_postings(weights, max(RESCORE, limit), among), key=lambda row: order[row[1]])
    exact: dict[int, float] = {}
    for article, term, weight in rows:
        exact[article] = exact.get(article, 0.0) + weights[term] * weight
    return _best(exact, limit)


def _in_force(ranked: list[tuple[int, float]], public_only: bool) -> set[int]:
    """Which of the ranked articles are current (and public, if asked).

    Read by primary key and checked by `Article.is_current`: a `current()`
    filter would let SQLite's planner, without statistics, scan the status
    index of every article, and the ORM costs more here than the read itself.
    """
    if not ranked:
        return set()
    columns = ", ".join(_IN_FORCE_FIELDS)
    ids = _id_list([pk for pk, _score in ranked])
    rows = _rows(f"SELECT {columns} FROM {Article._meta.db_table} WHERE id IN ({ids})", [])
    today = timezone.localdate()
    articles = [Article.from_db(connection.alias, _IN_FORCE_FIELDS, row) for row in rows]
    return {
        article.pk
        for article in articles
        if article.is_current(today) and (article.visibility == Visibility.PUBLIC or not public_only)
    }


def search(query: str, limit: int = 10, public_only: bool = False) -> list[Hit]:
    weights, longest = _weights(query)
    if not weights:
        return []
    for factor in CANDIDATE_ROUNDS:
        ranked = _ranked(weights, limit * factor)
        eligible = _in_force(ranked, public_only)
        hits = [(pk, score) for pk, score in ranked if pk in eligible][:limit]
        if len(hits) == limit or len(ranked) < limit * factor:
            break
    every_match_seen = len(ranked) < limit * factor and longest <= PER_TERM
    if len(hits) < min(limit, len(ranked)) and not every_match_seen:
        # Articles not in force (or not public) filled the top postings: choose among the others only.
        eligible_articles = Article.objects.current().public() if public_only else Article.objects.current()
        hits = _ranked(weights, limit, among=eligible_articles)
    # Bodies can be long (whole policies): they are read for the hits only.
    articles = Article.objects.select_related("department").in_bulk([pk for pk, _score in hits])
    found = [(articles[pk], score) for pk, score in hits if pk in articles]  # unless deleted meanwhile
    return [Hit(article, score, snippet(article.body, query, list(weights))) for article, score in found]


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
