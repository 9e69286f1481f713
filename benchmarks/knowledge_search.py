"""Knowledge search latency with 100,000 articles, on SQLite and PostgreSQL.

    python benchmarks/knowledge_search.py [--articles 100000] [--queries 200] [--db sqlite|postgres|both]

Articles are built from the real replies in ../shared/data/taidi2020/
messages_with_replies.csv (title = the citizen's subject, body = the official
reply), repeated with a numbered suffix up to the asked count; queries are the
titles of messages_dev.csv. Each database is measured in its own process.
The baseline in the same run is a plain `icontains` scan over title and body,
what a search without an index would cost.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from orders_common import REPO, pg_drop, pg_recreate, summary_ms  # noqa: E402

DATA = Path(os.environ.get("REXIAN_TAIDI_DIR", REPO.parent / "shared" / "data" / "taidi2020"))


_CORPUS: list = []


def corpus(count: int) -> list[tuple[str, str]]:
    """`count` (title, reply) pairs; past the end of the file they repeat, numbered."""
    if not _CORPUS:
        with open(DATA / "messages_with_replies.csv", encoding="utf-8") as handle:
            rows = [(r["留言主题"].strip(), " ".join(r["答复意见"].split())) for r in csv.DictReader(handle)]
        _CORPUS.extend((title, body) for title, body in rows if title and body)
    out = []
    for n in range(count):
        title, body = _CORPUS[n % len(_CORPUS)]
        out.append((title if n < len(_CORPUS) else f"{title}（{n // len(_CORPUS) + 1}）", body))
    return out


def queries(count: int) -> list[str]:
    with open(DATA / "messages_dev.csv", encoding="utf-8") as handle:
        return [row["title"] for row in csv.DictReader(handle)][:count]


def load(count: int) -> float:
    """Bulk-load published articles and their postings (the service path, in bulk)."""
    from django.db import transaction

    from rexian.knowledge.index import document_terms, postings
    from rexian.knowledge.models import Article, IndexStats, Posting, TermStat

    started = time.perf_counter()
    documents, batch = corpus(count), 2000
    for offset in range(0, count, batch):
        with transaction.atomic():
            Article.objects.bulk_create(
                Article(kind="qa", title=title, body=body, status="published", visibility="public")
                for title, body in documents[offset : offset + batch]
            )
    counts = {article.pk: Counter(document_terms(article)) for article in Article.objects.iterator()}
    tokens = sum(sum(c.values()) for c in counts.values())
    average = tokens / len(counts)
    with transaction.atomic():
        rows = []
        for pk, terms in counts.items():
            rows += postings(Article(pk=pk), terms, average)
            if len(rows) > 50000:
                Posting.objects.bulk_create(rows, batch_size=5000)
                rows = []
        Posting.objects.bulk_create(rows, batch_size=5000)
        for pk, terms in counts.items():
            Article.objects.filter(pk=pk).update(indexed_length=sum(terms.values()))
        frequencies = Counter(term for terms in counts.values() for term in terms)
        TermStat.objects.bulk_create([TermStat(term=t, documents=n) for t, n in frequencies.items()], batch_size=5000)
        IndexStats.objects.update_or_create(pk=1, defaults={"documents": len(counts), "tokens": tokens})
    return time.perf_counter() - started


def measure(articles: int, query_count: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q

    from rexian.knowledge.models import Article
    from rexian.knowledge.search import search

    call_command("migrate", verbosity=0)
    load_seconds = load(articles)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    sample = queries(query_count)
    for query in sample[:20]:  # warm caches
        search(query)
    timings, hits = [], 0
    for query in sample:
        started = time.perf_counter()
        hits += bool(search(query, limit=5))
        timings.append(time.perf_counter() - started)
    baseline = []
    for query in sample[:50]:
        word = query[:4]
        started = time.perf_counter()
        list(Article.objects.filter(Q(title__icontains=word) | Q(body__icontains=word)).values_list("pk", flat=True)[:5])
        baseline.append(time.perf_counter() - started)
    return {"database": connection.vendor, "articles": articles, "load_seconds": round(load_seconds, 1),
            "bm25": summary_ms(timings), "queries_with_hits": hits, "baseline_icontains": summary_ms(baseline)}


def run_in_subprocess(database_url: str, articles: int, query_count: int) -> dict:
    env = {**os.environ, "REXIAN_DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "rexian.settings",
           "REXIAN_DATA_DIR": tempfile.mkdtemp(prefix="rexian-kb-bench-")}
    output = subprocess.run([sys.executable, __file__, "--child", "--articles", str(articles), "--queries", str(query_count)],
                            env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.articles, args.queries)))
        return
    results = []
    if args.db in ("sqlite", "both"):
        path = Path(tempfile.mkdtemp(prefix="rexian-kb-")) / "bench.sqlite3"
        results.append(run_in_subprocess(f"sqlite:///{path}", args.articles, args.queries))
    if args.db in ("postgres", "both"):
        try:
            results.append(run_in_subprocess(pg_recreate("rexian_bench_kb"), args.articles, args.queries))
        finally:
            pg_drop("rexian_bench_kb")
    print(f"{'database':<11}{'articles':>9}{'load s':>8}{'BM25 p50':>10}{'p95 ms':>8}{'hits':>6}{'LIKE p50':>10}{'p95 ms':>8}")
    for r in results:
        print(f"{r['database']:<11}{r['articles']:>9}{r['load_seconds']:>8}{r['bm25']['p50']:>10.1f}{r['bm25']['p95']:>8.1f}"
              f"{r['queries_with_hits']:>6}{r['baseline_icontains']['p50']:>10.1f}{r['baseline_icontains']['p95']:>8.1f}")


if __name__ == "__main__":
    main()
