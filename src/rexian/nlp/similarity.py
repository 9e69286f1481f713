"""Is a new request a duplicate of an open order (并单)?

Similarity is the cosine of character 2–3-gram TF-IDF vectors: it needs no
segmentation, so it tolerates typos and different word boundaries, and the
IDF weights let shared place and object names count more than shared
boilerplate (投诉, 请问, 相关部门). When both texts name streets or estates,
the overlap of those names (rexian.nlp.address) is blended in, so the same
complaint about two different streets scores lower than about one street.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import Pipeline, make_pipeline

from rexian.nlp.address import jaccard, place_names
from rexian.nlp.segment import normalize_text

# Share of the score given to place-name overlap when both texts name places.
PLACE_WEIGHT = 0.2
# From benchmarks/dedup_taidi.py: above 0.5 recall falls faster than precision
# rises; below it, matches on shared boilerplate creep in.
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class SimilarMatch:
    id: object
    score: float
    text_similarity: float
    place_overlap: float | None


def similarity_vectorizer() -> Pipeline:
    """Hashed n-grams: no vocabulary to build and sort, so indexing thousands of
    orders takes a second; with 2**20 buckets collisions do not matter."""
    return make_pipeline(
        HashingVectorizer(
            analyzer="char",
            ngram_range=(2, 3),
            preprocessor=normalize_text,
            lowercase=False,
            n_features=2**20,
            alternate_sign=False,
            norm=None,
        ),
        TfidfTransformer(sublinear_tf=True),
    )


def combined_score(text_similarity: float, overlap: float | None) -> float:
    if overlap is None:
        return text_similarity
    return (1 - PLACE_WEIGHT) * text_similarity + PLACE_WEIGHT * overlap


class DuplicateIndex:
    """Candidate texts vectorised once, searched by many queries.

    IDF is estimated from the candidates and ``reference_texts``; with only a
    handful of candidates, pass a few hundred recent messages as reference so
    that common words are recognised as common.
    """

    def __init__(self, candidates: Sequence[tuple[object, str]], reference_texts: Sequence[str] = ()):
        self.ids = [candidate_id for candidate_id, _ in candidates]
        if not self.ids:
            return
        texts = [text for _, text in candidates]
        self._vectorizer = similarity_vectorizer().fit([*texts, *reference_texts])
        # Stored transposed (one row per n-gram): a query then touches only the
        # rows of its own n-grams instead of scanning a million columns.
        self._vectors_by_ngram = self._vectorizer.transform(texts).T.tocsr()
        self._places = [place_names(text) for text in texts]

    def search(self, query_text: str, threshold: float = DEFAULT_THRESHOLD, top: int = 5) -> list[SimilarMatch]:
        """Candidates scoring at least ``threshold``, best first, at most ``top``."""
        if not self.ids:
            return []
        similarities = (self._vectorizer.transform([query_text]) @ self._vectors_by_ngram).toarray().ravel()
        # Place overlap adds at most PLACE_WEIGHT, so lower text scores can be skipped.
        reachable = np.flatnonzero(similarities >= (threshold - PLACE_WEIGHT) / (1 - PLACE_WEIGHT))
        query_places = place_names(query_text)
        matches = []
        for row in reachable:
            overlap = jaccard(query_places, self._places[row])
            score = combined_score(float(similarities[row]), overlap)
            if score >= threshold:
                matches.append(SimilarMatch(self.ids[row], score, float(similarities[row]), overlap))
        matches.sort(key=lambda match: match.score, reverse=True)
        return matches[:top]


def find_similar(
    query_text: str,
    candidates: Sequence[tuple[object, str]],
    threshold: float = DEFAULT_THRESHOLD,
    top: int = 5,
    reference_texts: Sequence[str] = (),
) -> list[SimilarMatch]:
    """Candidates ``(id, text)`` similar to ``query_text``, best first (see DuplicateIndex)."""
    return DuplicateIndex(candidates, [query_text, *reference_texts]).search(query_text, threshold, top)
