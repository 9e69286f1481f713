"""The reference model the routing classifier must beat.

TF-IDF of character 1–3-grams and a linear SVM with scikit-learn defaults:
the usual first attempt at Chinese text classification. Its scores are SVM
margins, not probabilities.
"""

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC


class CharNgramSvmBaseline:
    produces_probabilities = False

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "CharNgramSvmBaseline":
        self._pipeline = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LinearSVC(random_state=0))
        self._pipeline.fit(list(texts), list(labels))
        return self

    @property
    def labels(self) -> list[str]:
        return self._pipeline.classes_.tolist()

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return self._pipeline.decision_function(list(texts))

    def predict_top(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """The ``k`` best labels with their SVM margins (not probabilities)."""
        scores = self.scores(texts)
        ranked = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return [[(self.labels[j], float(row[j])) for j in order] for row, order in zip(scores, ranked)]
