"""The search index stays consistent with the dictionary and with concurrent writers."""

import math
import threading

import pytest
from django.db import connection, transaction

from rexian.cli import main
from rexian.core.snapshot import Snapshot
from rexian.knowledge import index, text
from rexian.knowledge.index import rebuild, stats
from rexian.knowledge.models import Article, DomainTerm, IndexStats, Synonym
from rexian.knowledge.search import search


def titles(hits):
    return [hit.article.title for hit in hits]


def test_adding_a_domain_word_rebuilds_the_index_when_it_commits(publish, django_capture_on_commit_callbacks):
    publish("住房公积金提取办法", "职工可以提取住房公积金。")
    with django_capture_on_commit_callbacks(execute=True):
        DomainTerm.objects.create(word="住房公积金")
    assert titles(search("住房公积金")) == ["住房公积金提取办法"]
    with django_capture_on_commit_callbacks(execute=True):
        DomainTerm.objects.filter(word="住房公积金").delete()
    assert titles(search("住房公积金")) == ["住房公积金提取办法"]


def test_a_synonym_saved_or_deleted_keeps_the_articles_that_use_the_variant(publish, django_capture_on_commit_callbacks):
    publish("住建委联系方式", "市住建委地址和电话。")
    with django_capture_on_commit_callbacks(execute=True):
        Synonym.objects.create(variant="住建委", canonical="住建局")
    assert titles(search("住建委")) == titles(search("住建局")) == ["住建委联系方式"]
    with django_capture_on_commit_callbacks(execute=True):
        Synonym.objects.get(variant="住建委").delete()
    assert titles(search("住建委")) == ["住建委联系方式"]


def test_many_changes_in_one_transaction_rebuild_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        DomainTerm.objects.create(word="麓谷明珠")
        DomainTerm.objects.create(word="住房公积金")
        Synonym.objects.create(variant="住建委", canonical="住建局")
        DomainTerm.objects.filter(word="麓谷明珠").delete()
    assert len(callbacks) == 1
    assert stats().dictionary_version == 1


def test_an_admin_edit_of_the_dictionary_rebuilds_the_index(client, users, publish, django_capture_on_commit_callbacks):
    publish("住房公积金提取办法", "职工可以提取住房公积金。")
    client.force_login(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/knowledge/domainterm/add/", {"word": "住房公积金"})
    assert response.status_code == 302 and DomainTerm.objects.filter(word="住房公积金").exists()
    assert titles(search("住房公积金")) == ["住房公积金提取办法"]


def test_a_process_that_did_not_make_the_change_cuts_queries_and_articles_the_new_way(
    publish, monkeypatch, django_capture_on_commit_callbacks
):
    publish("住房公积金提取办法", "职工可以提取住房公积金。")
    this_process = Snapshot(text._load, seconds=math.inf)
    monkeypatch.setattr(text, "_current", this_process)
    assert titles(search("住房公积金")) == ["住房公积金提取办法"]  # the old dictionary, read and kept

    monkeypatch.setattr(text, "_current", Snapshot(text._load, seconds=math.inf))  # another process
    with django_capture_on_commit_callbacks(execute=True):
        DomainTerm.objects.create(word="住房公积金")

    monkeypatch.setattr(text, "_current", this_process)
    assert text.analyser().version == 0  # nothing told this process
    publish("住房公积金缴存比例", "住房公积金缴存比例为百分之十二。")
    assert text.analyser().version == 1
    assert titles(search("住房公积金缴存")) == ["住房公积金缴存比例", "住房公积金提取办法"]
    monkeypatch.setattr(text, "_current", Snapshot(text._load, seconds=math.inf))
    assert titles(search("住房公积金缴存")) == ["住房公积金缴存比例", "住房公积金提取办法"]


def test_reindex_command_rebuilds_and_prints_the_count(publish, capsys):
    publish("医保报销", "医保报销流程")
    publish("医保卡挂失", "医保卡挂失补办")
    assert main(["knowledge", "reindex"]) == 0
    assert "2 条" in capsys.readouterr().out
    assert stats().dictionary_version == 1 and titles(search("医保卡")) == ["医保卡挂失"]


def in_thread(call):
    """Run `call` in a thread of its own (its own database connection); returns the thread and a result box."""
    box = {}

    def run():
        try:
            box["result"] = call()
        except Exception as error:
            box["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_search_during_a_rebuild_sees_the_old_index(publish, monkeypatch):
    publish("医保报销", "医保报销流程")
    seen = []
    segment = index.document_terms

    def searching_meanwhile(article, version=None):
        thread, box = in_thread(lambda: titles(search("医保")))
        thread.join(timeout=30)
        seen.append(box.get("result", box.get("error")))
        return segment(article, version)

    monkeypatch.setattr(index, "document_terms", searching_meanwhile)
    assert rebuild() == 1
    assert seen == [["医保报销"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishing_during_a_rebuild_waits_for_it_and_is_indexed(publish, monkeypatch):
    publish("医保报销", "医保报销流程")
    started = []
    segment = index.document_terms

    def publishing_meanwhile(article, version=None):
        if not started:
            started.append(in_thread(lambda: publish("医保卡挂失", "医保卡挂失补办")))
            started[0][0].join(timeout=1)  # without the index's lock it would be done by now
        return segment(article, version)

    monkeypatch.setattr(index, "document_terms", publishing_meanwhile)
    assert rebuild() == 1
    thread, box = started[0]
    thread.join(timeout=30)
    assert "error" not in box
    assert (stats().documents, Article.objects.filter(indexed_length__gt=0).count()) == (2, 2)
    assert titles(search("挂失")) == ["医保卡挂失"]
    assert IndexStats.objects.get().dictionary_version == 1
