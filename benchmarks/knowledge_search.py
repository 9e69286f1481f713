"""Knowledge search latency with 100,000 articles, on SQLite and PostgreSQL.

    python benchmarks/knowledge_search.py [--articles 100000] [--queries 200] [--db sqlite|postgres|both] [--reuse]

Articles are built from the real replies in ../shared/data/taidi2020/
messages_with_replies.csv (title = the citizen's subject, body = the official
reply), repeated with a numbered suffix up to the asked count; queries are the
titles of messages_dev.csv. Each database is measured in its own process.
The baseline in the same run is a plain `icontains` scan over title and body,
what a search without an index would cost. Next to the latencies: the
benchmark process's CPU per query and the machine's load average, to tell a
slow search from a busy machine.

With --reuse the loaded databases are kept (SQLite in /tmp/rexian-kb-bench/,
PostgreSQL as rexian_bench_kb_N) and later runs only migrate and measure:

    python benchmarks/knowledge_search.py --db both --reuse
"""

import argparse
import csv
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from orders_common import REPO, pg_drop, pg_exists, pg_recreate, pg_url, summary_ms  # noqa: E402

KEPT_SQLITE = Path(tempfile.gettempdir()) / "rexian-kb-bench"
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


@contextmanager
def segmenting_each_text_once():
    """The corpus repeats its 2,816 replies: segment each distinct text once.
    (Loading only; queries are all distinct and always segmented afresh.)"""
    from rexian.knowledge import text

    original = text.terms
    text.terms = functools.lru_cache(maxsize=None)(original)
    try:
        yield
    finally:
        text.terms = original


@contextmanager
def posting_indexes_built_afterwards():
    """Building the posting indexes once, at the end, is far quicker than keeping
    them up to date through 12 million inserts. (SQLite keeps its unique
    constraint: adding one back would copy the whole table; a big page cache
    makes its upkeep cheap.)"""
    from django.db import connection

    from rexian.knowledge.models import Posting

    meta = Posting._meta
    constraints = meta.constraints if connection.vendor == "postgresql" else []
    with connection.schema_editor() as editor:
        for constraint in constraints:
            editor.remove_constraint(Posting, constraint)
        for index in meta.indexes:
            editor.remove_index(Posting, index)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
        else:
            cursor.execute("PRAGMA cache_size = -1000000")  # 1 GB
    yield
    with connection.schema_editor() as editor:
        for constraint in constraints:
            editor.add_constraint(Posting, constraint)
        for index in meta.indexes:
            editor.add_index(Posting, index)


def copy_postings(rows) -> None:
    """(term, article, frequency, weight) rows, by COPY on PostgreSQL, one executemany on SQLite."""
    from django.db import connection

    columns = "knowledge_posting (term, article_id, frequency, weight)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The articles were just written, so skip the 12 million foreign-key checks.
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.cursor.executemany(f"INSERT INTO {columns} VALUES (?, ?, ?, ?)", rows)


def load(count: int) -> float:
    """Bulk-load published articles and their index: the weights of the service
    path (`index.term_weights`), written in bulk."""
    from django.db import transaction

    from rexian.knowledge.index import document_terms, term_weights
    from rexian.knowledge.models import Article, IndexStats, TermStat

    started = time.perf_counter()
    with segmenting_each_text_once(), posting_indexes_built_afterwards(), transaction.atomic():
        articles = [Article(kind="qa", title=title, body=body, status="published", visibility="public")
                    for title, body in corpus(count)]
        for article in articles:
            article.indexed_length = len(document_terms(article))
        Article.objects.bulk_create(articles, batch_size=2000)
        average = sum(article.indexed_length for article in articles) / count
        frequencies = Counter()

        def rows():
            for article in articles:
                counts = Counter(document_terms(article))
                frequencies.update(counts.keys())
                for term, frequency, weight in term_weights(counts, average):
                    yield term, article.pk, frequency, weight

        copy_postings(rows())
        TermStat.objects.bulk_create([TermStat(term=t, documents=n) for t, n in frequencies.items()], batch_size=5000)
        tokens = sum(article.indexed_length for article in articles)
        IndexStats.objects.update_or_create(pk=1, defaults={"documents": count, "tokens": tokens})
    return time.perf_counter() - started


def loaded(count: int) -> bool:
    """Whether a kept database already holds the `count` articles (IndexStats is written last)."""
    from rexian.knowledge.models import Article, IndexStats

    if IndexStats.objects.filter(pk=1, documents=count).exists():
        return True
    if Article.objects.exists():
        raise SystemExit("the kept database holds a different or interrupted load: delete it (see --reuse)")
    return False


def prepare(articles: int) -> float | None:
    """Migrate and load, unless a kept database is loaded already; returns the load time."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if loaded(articles):
        return None
    load_seconds = load(articles)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does after a while: statistics for the planner and the
            # visibility map that lets index-only scans skip the table.
            cursor.execute("VACUUM ANALYZE")
    return load_seconds


def measure(articles: int, query_count: int) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q

    from rexian.knowledge.models import Article
    from rexian.knowledge.search import search

    load_seconds = prepare(articles)
    sample = queries(query_count)
    for query in sample[:20]:  # warm caches
        search(query)
    timings, hits, cpu = [], 0, time.process_time()
    for query in sample:
        started = time.perf_counter()
        hits += bool(search(query, limit=5))
        timings.append(time.perf_counter() - started)
    cpu, load_average = (time.process_time() - cpu) / len(sample), os.getloadavg()[0]
    baseline = []
    for query in sample[:50]:
        word = query[:4]
        started = time.perf_counter()
        list(Article.objects.filter(Q(title__icontains=word) | Q(body__icontains=word)).values_list("pk", flat=True)[:5])
        baseline.append(time.perf_counter() - started)
    return {"database": connection.vendor, "articles": articles, "load_seconds": None if load_seconds is None else round(load_seconds, 1),
            "bm25": summary_ms(timings), "client_cpu_ms": round(cpu * 1000, 1), "load_average": load_average,
            "queries_with_hits": hits, "baseline_icontains": summary_ms(baseline)}


def run_in_subprocess(database_url: str, articles: int, query_count: int) -> dict:
    env = {**os.environ, "REXIAN_DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "rexian.settings",
           "REXIAN_DATA_DIR": tempfile.mkdtemp(prefix="rexian-kb-bench-")}
    output = subprocess.run([sys.executable, __file__, "--child", "--articles", str(articles), "--queries", str(query_count)],
                            env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_sqlite(articles: int, query_count: int, reuse: bool) -> dict:
    folder = KEPT_SQLITE if reuse else Path(tempfile.mkdtemp(prefix="rexian-kb-"))
    folder.mkdir(exist_ok=True)
    try:
        return run_in_subprocess(f"sqlite:///{folder / f'articles-{articles}.sqlite3'}", articles, query_count)
    finally:
        if not reuse:
            shutil.rmtree(folder)


def run_postgres(articles: int, query_count: int, reuse: bool) -> dict:
    if reuse:
        database = f"rexian_bench_kb_{articles}"
        url = pg_url(database) if pg_exists(database) else pg_recreate(database)
        return run_in_subprocess(url, articles, query_count)
    try:
        return run_in_subprocess(pg_recreate("rexian_bench_kb"), articles, query_count)
    finally:
        pg_drop("rexian_bench_kb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep the loaded databases ({KEPT_SQLITE}/articles-N.sqlite3, PostgreSQL "
                             "rexian_bench_kb_N) and measure them again next time; delete them to reload")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.articles, args.queries)))
        return
    results = []
    if args.db in ("sqlite", "both"):
        results.append(run_sqlite(args.articles, args.queries, args.reuse))
    if args.db in ("postgres", "both"):
        results.append(run_postgres(args.articles, args.queries, args.reuse))
    print(f"{'database':<11}{'articles':>9}{'load s':>8}{'BM25 p50':>10}{'p95 ms':>8}{'CPU ms':>8}{'hits':>6}"
          f"{'LIKE p50':>10}{'p95 ms':>8}{'load avg':>10}")
    for r in results:
        print(f"{r['database']:<11}{r['articles']:>9}{r['load_seconds'] or 'kept':>8}{r['bm25']['p50']:>10.1f}{r['bm25']['p95']:>8.1f}"
              f"{r['client_cpu_ms']:>8.1f}{r['queries_with_hits']:>6}{r['baseline_icontains']['p50']:>10.1f}"
              f"{r['baseline_icontains']['p95']:>8.1f}{r['load_average']:>10.2f}")

if __name__ == "__main__":
    main()
