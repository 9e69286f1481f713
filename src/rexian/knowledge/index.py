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


def stats() -> IndexStats:
    row, _created = IndexStats.objects.get_or_create(pk=1)
    return row


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
            Posting.objects.bulk_create(
                Posting(term=term, article=locked, frequency=frequency) for term, frequency in counts.items()
            )
            length = sum(counts.values())
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
    count = 0
    for article in Article.objects.filter(status=ArticleStatus.PUBLISHED).iterator():
        reindex(article)
        count += 1
    return count
