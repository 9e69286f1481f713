"""NB-SVM: a linear SVM on features scaled by naive-Bayes log-count ratios.

Wang & Manning (2012), "Baselines and Bigrams": scaling each feature by how
much more often it occurs in one class than in the others lets the SVM start
from naive Bayes' evidence; on short texts it beats either model alone. Here
it is one-vs-rest, one ratio vector per class. After fitting, each ratio is
folded into that class's weights, so prediction is a single sparse product.

``random_state`` seeds liblinear's coordinate-descent shuffling: unseeded,
two fits on the same data give slightly different weights.
"""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted


class NaiveBayesLinearSVC(ClassifierMixin, BaseEstimator):
    def __init__(self, C: float = 0.5, smoothing: float = 1.0, random_state: int = 0):
        self.C = C
        self.smoothing = smoothing
        self.random_state = random_state

    def fit(self, X, y):
        X = sparse.csr_matrix(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("NB-SVM needs at least two classes")
        present = (X > 0).astype(np.float64)
        coefficients, intercepts = [], []
        for label in self.classes_:
            ratio = self._log_count_ratio(present, y == label)
            svm = LinearSVC(C=self.C, random_state=self.random_state)
            svm.fit(X.multiply(ratio).tocsr(), (y == label).astype(int))
            coefficients.append(svm.coef_.ravel() * ratio)
            intercepts.append(svm.intercept_[0])
        # (features, classes), C-ordered: the layout a sparse row times a dense
        # matrix reads without copying (a transposed coef_ view is copied each call).
        self.weights_ = np.ascontiguousarray(np.column_stack(coefficients), dtype=np.float32)
        self.intercept_ = np.asarray(intercepts)
        return self

    def _log_count_ratio(self, present, in_class) -> np.ndarray:
        positive = np.asarray(present[in_class].sum(axis=0)).ravel() + self.smoothing
        negative = np.asarray(present[~in_class].sum(axis=0)).ravel() + self.smoothing
        return np.log((positive / positive.sum()) / (negative / negative.sum()))

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, "weights_")
        return np.asarray(X @ self.weights_) + self.intercept_

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]
