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
from rexian.knowledge.models import Article, IndexStats, Posting

K1, B = 1.2, 0.75


def stats() -> IndexStats:
    row, _created = IndexStats.objects.get_or_create(pk=1)
    return row


def average_length(adding: int = 0) -> float:
    """Average indexed length, counting a document of `adding` tokens about to join."""
    totals = stats()
    documents = totals.documents + (1 if adding else 0)
    return (totals.tokens + adding) / documents if documents else 1.0


def postings(article: Article, counts: Counter, average: float) -> list[Posting]:
    """BM25's term-frequency weights use the average length at indexing time;
    `rebuild()` brings every weight up to date when the collection has changed a lot."""
    length = sum(counts.values())
    norm = K1 * (1 - B + B * length / average)
    return [
        Posting(term=term, article=article, frequency=tf, weight=tf * (K1 + 1) / (tf + norm)) for term, tf in counts.items()
    ]


def document_terms(article: Article) -> list[str]:
    """Title and tags count twice: a match there says more than one in the body."""
    head = " ".join([article.title, *article.tag_list])
    return text.terms(head, document=True) * 2 + text.terms(article.body, document=True)


def reindex(article: Article) -> None:
    with transaction.atomic():
        stats()  # make sure the row exists before the F() updates below
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.indexed_length:
            Posting.objects.filter(article=locked).delete()
            IndexStats.objects.filter(pk=1).update(documents=F("documents") - 1, tokens=F("tokens") - locked.indexed_length)
        length = 0
        if locked.status == ArticleStatus.PUBLISHED:
            counts = Counter(document_terms(locked))
            length = sum(counts.values())
            Posting.objects.bulk_create(postings(locked, counts, average_length(length)))
            if length:
                IndexStats.objects.filter(pk=1).update(documents=F("documents") + 1, tokens=F("tokens") + length)
        Article.objects.filter(pk=locked.pk).update(indexed_length=length)
        article.indexed_length = length


def rebuild() -> int:
    """Reindex everything (after changing the domain dictionary or synonyms)."""
    with transaction.atomic():
        Posting.objects.all().delete()
        Article.objects.update(indexed_length=0)
        IndexStats.objects.update_or_create(pk=1, defaults={"documents": 0, "tokens": 0})
    text.clear_cache()
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    terms = {article.pk: Counter(document_terms(article)) for article in published.iterator()}
    documents, tokens = len(terms), sum(sum(counts.values()) for counts in terms.values())
    average = tokens / documents if documents else 1.0
    with transaction.atomic():
        for pk, counts in terms.items():
            article = Article(pk=pk)
            Posting.objects.bulk_create(postings(article, counts, average), batch_size=5000)
            Article.objects.filter(pk=pk).update(indexed_length=sum(counts.values()))
        IndexStats.objects.filter(pk=1).update(documents=documents, tokens=tokens)
    return documents
