"""The analyser's dictionary cache: one analyser per dictionary version."""

from rexian.knowledge import text
from rexian.knowledge.index import rebuild, stats
from rexian.knowledge.models import DomainTerm, IndexStats


def test_the_analyser_is_kept_until_another_dictionary_version_is_asked_for(db):
    first = text.analyser()
    DomainTerm.objects.bulk_create([DomainTerm(word="麓谷明珠")])  # no signal: as another process would write it
    assert text.analyser() is first and text.analyser(first.version) is first
    IndexStats.objects.update_or_create(pk=1, defaults={"dictionary_version": first.version + 1})
    second = text.analyser(first.version + 1)
    assert second.version == first.version + 1
    assert "麓谷明珠" in second.terms("麓谷明珠小区停水") and "麓谷明珠" not in first.terms("麓谷明珠小区停水")


def test_a_rebuild_raises_the_version_but_keeps_the_segmenter_of_unchanged_words(db):
    first = text.analyser()
    rebuild()
    second = text.analyser(stats().dictionary_version)
    assert second.version == first.version + 1
    assert second.segmenter is first.segmenter
