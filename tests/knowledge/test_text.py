"""The analyser's dictionary cache."""

import pytest

from rexian.knowledge import text
from rexian.knowledge.models import DomainTerm


@pytest.fixture
def fresh_segmenter(monkeypatch):
    monkeypatch.setattr(text.segmenters, "seconds", -1)  # look at the dictionary on every call
    text.clear_cache()
    yield
    text.clear_cache()


def test_the_segmenter_is_rebuilt_only_when_the_dictionary_changes(db, fresh_segmenter):
    first = text._segmenter()
    assert text._segmenter() is first
    DomainTerm.objects.create(word="麓谷明珠")
    assert text._segmenter() is not first
    assert "麓谷明珠" in text.terms("麓谷明珠小区停水")
