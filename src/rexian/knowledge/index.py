"""Keeping the search index in step with the articles.

Only published articles are indexed; effective and expiry dates are checked
at query time, so an article that expires tonight stops being offered
tomorrow without any job having to run.
"""

from collections import Counter

from django.db import transaction
from django.db.models import F

from rexian.knowledge import text
from rexian.knowledge.choices import ArticleStatus
from rexian.knowledge.models import Article, IndexStats, Posting, TermStat

K1, B = 1.2, 0.75


def stats() -> IndexStats:
    row, _created = IndexStats.objects.get_or_create(pk=1)
    return row


def locked_stats() -> IndexStats:
    """The index's lock: its one IndexStats row, locked until the transaction ends.

    `reindex()` and `rebuild()` take it first, so they run one after the other
    and neither sees the other's half-written postings. A caller that also
    locks an article takes this lock before the article's: `rebuild()` writes
    articles while it holds it. (SQLite runs one writing transaction at a time anyway.)
    """
    stats()
    return IndexStats.objects.select_for_update().get(pk=1)


def average_length(adding: int = 0) -> float:
    """Average indexed length, counting a document of `adding` tokens about to join."""
    totals = stats()
    documents = totals.documents + (1 if adding else 0)
    return (totals.tokens + adding) / documents if documents else 1.0


def term_weights(counts: Counter, average: float) -> list[tuple[str, int, float]]:
    """(term, frequency, weight) of one document: BM25's term-frequency part,
    with the average length at indexing time; `rebuild()` brings every weight
    up to date when the collection has changed a lot."""
    length = sum(counts.values())
    norm = K1 * (1 - B + B * length / average)
    return [(term, tf, tf * (K1 + 1) / (tf + norm)) for term, tf in counts.items()]


def postings(article: Article, counts: Counter, average: float) -> list[Posting]:
    return [
        Posting(term=term, article=article, frequency=tf, weight=weight)
        for term, tf, weight in term_weights(counts, average)
    ]


def count_terms(counts) -> None:
    """One more document for each of these terms (created on first sight)."""
    terms = list(counts)
    TermStat.objects.bulk_create([TermStat(term=term) for term in terms], ignore_conflicts=True)
    TermStat.objects.filter(term__in=terms).update(documents=F("documents") + 1)


def document_terms(article: Article, version: int | None = None) -> list[str]:
    """Title and tags count twice: a match there says more than one in the body.
    Cut with dictionary `version` (by default the one this process last read)."""
    head = " ".join([article.title, *article.tag_list])
    return text.terms(head, document=True, version=version) * 2 + text.terms(article.body, document=True, version=version)


def reindex(article: Article) -> None:
    with transaction.atomic():
        version = locked_stats().dictionary_version
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.indexed_length:
            old_terms = list(Posting.objects.filter(article=locked).values_list("term", flat=True))
            TermStat.objects.filter(term__in=old_terms).update(documents=F("documents") - 1)
            Posting.objects.filter(article=locked).delete()
            IndexStats.objects.filter(pk=1).update(documents=F("documents") - 1, tokens=F("tokens") - locked.indexed_length)
        length = 0
        if locked.status == ArticleStatus.PUBLISHED:
            counts = Counter(document_terms(locked, version))
            length = sum(counts.values())
            Posting.objects.bulk_create(postings(locked, counts, average_length(length)))
            count_terms(counts)
            if length:
                IndexStats.objects.filter(pk=1).update(documents=F("documents") + 1, tokens=F("tokens") + length)
        Article.objects.filter(pk=locked.pk).update(indexed_length=length)
        article.indexed_length = length


def rebuild() -> int:
    """Reindex every published article with the dictionary as it is now; returns their number.

    One transaction: searches meanwhile use the old index, and publishing waits
    for the new one. The dictionary's version goes up with it, so every process
    cuts its next query the new way.
    """
    with transaction.atomic():
        version = locked_stats().dictionary_version + 1
        IndexStats.objects.filter(pk=1).update(dictionary_version=version)
        Posting.objects.all().delete()
        TermStat.objects.all().delete()
        # Only the rows that change are written (and so locked until the commit).
        Article.objects.exclude(status=ArticleStatus.PUBLISHED).exclude(indexed_length=0).update(indexed_length=0)
        published = Article.objects.filter(status=ArticleStatus.PUBLISHED).only("title", "tags", "body", "indexed_length")
        terms, lengths_changed = {}, []
        for article in published.iterator():
            terms[article.pk] = counts = Counter(document_terms(article, version))
            if article.indexed_length != sum(counts.values()):
                article.indexed_length = sum(counts.values())
                lengths_changed.append(article)
        documents, tokens = len(terms), sum(sum(counts.values()) for counts in terms.values())
        average = tokens / documents if documents else 1.0
        for pk, counts in terms.items():
            Posting.objects.bulk_create(postings(Article(pk=pk), counts, average), batch_size=5000)
        Article.objects.bulk_update(lengths_changed, ["indexed_length"], batch_size=1000)
        frequencies = Counter(term for counts in terms.values() for term in counts)
        TermStat.objects.bulk_create([TermStat(term=t, documents=n) for t, n in frequencies.items()], batch_size=5000)
        IndexStats.objects.filter(pk=1).update(documents=documents, tokens=tokens)
    return documents


def rebuild_after_commit(using=None, **_signal_kwargs) -> None:
    """Receiver of every save and delete of a domain word or synonym.

    Postings cut with the old dictionary no longer match queries cut with the
    new one, so the index is rebuilt once the change is committed, once per
    transaction however many words it changed.
    """
    connection = transaction.get_connection(using)
    if not any(rebuild in callback for callback in connection.run_on_commit):
        transaction.on_commit(rebuild, using=using)
