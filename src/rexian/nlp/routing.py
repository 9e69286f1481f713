"""RoutingModel: suggest a category (or a responsible unit) for a citizen's message.

The model ranks every known label with a calibrated probability, so the
operator sees e.g. "城乡建设 0.82 · 环境保护 0.11 · 商贸旅游 0.03" and the
application can decide when a suggestion is safe to pre-fill.

Pipeline: text features (routing_features), one NB-SVM (nbsvm) per feature
block ("view"), then a logistic regression over all the views' scores
(calibration), fitted on out-of-fold scores. The out-of-fold pass also
yields cross-validated metrics, stored in the model's metadata.

Training is plain Python: ``fit(texts, labels)``. The same class serves for
categories and for responsible units; only the labels differ.
"""

import hashlib
import io
import json
import pickle
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np
import sklearn
from scipy import sparse
from sklearn.model_selection import StratifiedKFold

from rexian.nlp.calibration import LogisticCalibration
from rexian.nlp.nbsvm import NaiveBayesLinearSVC
from rexian.nlp.routing_features import FeatureSettings, TextFeatures
from rexian.nlp.routing_metrics import calibration_metrics, ranking_metrics
from rexian.nlp.segment import Segmenter

# 2: one NB-SVM per feature block and logistic calibration (1: one NB-SVM, temperature scaling).
FORMAT_VERSION = 2
_MAGIC = b"rexian-routing-model\n"


class ModelFormatError(ValueError):
    """Bytes that are not a usable saved routing model."""


class ModelVersionError(ModelFormatError):
    """A saved model from another format or scikit-learn version: retrain it."""


@dataclass(frozen=True)
class RoutingConfig:
    """Hyperparameters; the defaults were chosen by 5-fold cross-validation on
    the taidi2020 training split (benchmarks/routing_select.py)."""

    features: FeatureSettings = FeatureSettings()
    C: float = 0.5  # each view's SVM
    calibration_C: float = 0.3  # the logistic regression over the views' scores
    calibration_folds: int = 5
    random_state: int = 0  # fold splits and the SVMs' shuffling: retraining is reproducible


@dataclass
class RoutingMetadata:
    labels: list[str]
    training_size: int
    auxiliary_size: int
    trained_at: str
    config: dict
    metrics: dict[str, float] = field(default_factory=dict)
    sklearn_version: str = sklearn.__version__
    format_version: int = FORMAT_VERSION


class RoutingModel:
    produces_probabilities = True

    def __init__(self, config: RoutingConfig = RoutingConfig(), segmenter: Segmenter | None = None):
        self.config = config
        self.segmenter = segmenter
        self.metadata: RoutingMetadata | None = None

    @property
    def labels(self) -> list[str]:
        self._require_fitted()
        return self.metadata.labels

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        auxiliary_texts: Sequence[str | None] | None = None,
    ) -> "RoutingModel":
        """Learn from ``texts`` and their ``labels``.

        ``auxiliary_texts`` (optional, parallel to ``texts``; empty or None to
        skip one) are extra training examples with the same label as their
        partner, never used for calibration or metrics. Use it to teach a
        model that will be queried with short titles from the full bodies of
        past messages: words that only ever appear in bodies still count.
        """
        texts, labels = list(texts), np.asarray(labels, dtype=str)
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        classes, counts = np.unique(labels, return_counts=True)
        if len(classes) < 2:
            raise ValueError("training needs at least two different labels")
        if counts.min() < 2:
            rare = ", ".join(classes[counts < 2])
            raise ValueError(f"each label needs at least two examples for calibration; too few: {rare}")
        owners, extra_texts = _auxiliary_pairs(auxiliary_texts, len(texts))

        features = TextFeatures(self.config.features, self.segmenter, headline=any("\n" in text for text in texts))
        blocks = features.fit_transform(texts + extra_texts)
        primary = [block[: len(texts)] for block in blocks]
        auxiliary = [block[len(texts) :] for block in blocks]

        folds = self._folds(labels, counts.min())
        out_of_fold = self._out_of_fold_scores(folds, primary, labels, auxiliary, owners, len(classes))
        label_indices = np.searchsorted(classes, labels)
        calibrator = LogisticCalibration(self.config.calibration_C).fit(out_of_fold, label_indices)
        probabilities = self._held_out_probabilities(folds, out_of_fold, label_indices, len(classes))

        every_label = np.concatenate([labels, labels[owners]])
        self._views = [self._view().fit(block, every_label) for block in blocks]
        self._features, self._calibrator = features, calibrator
        self.metadata = RoutingMetadata(
            labels=classes.tolist(),
            training_size=len(texts),
            auxiliary_size=len(extra_texts),
            trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
            config=asdict(self.config),
            metrics=_cross_validated_metrics(labels, classes, probabilities),
        )
        return self

    def _view(self) -> NaiveBayesLinearSVC:
        return NaiveBayesLinearSVC(C=self.config.C, random_state=self.config.random_state)

    def _folds(self, labels, smallest_class) -> list[tuple[np.ndarray, np.ndarray]]:
        splitter = StratifiedKFold(
            n_splits=min(self.config.calibration_folds, smallest_class),
            shuffle=True,
            random_state=self.config.random_state,
        )
        return list(splitter.split(np.zeros(len(labels)), labels))

    def _out_of_fold_scores(self, folds, primary, labels, auxiliary, owners, label_count) -> np.ndarray:
        """Every view's decision scores for each training text, side by side, from
        views that did not see that text (nor its auxiliary partner)."""
        scores = np.zeros((len(labels), label_count * len(primary)))
        for train_rows, held_out_rows in folds:
            partners = np.isin(owners, train_rows)
            fold_labels = np.concatenate([labels[train_rows], labels[owners[partners]]])
            for view, (block, extra) in enumerate(zip(primary, auxiliary)):
                classifier = self._view().fit(
                    sparse.vstack([block[train_rows], extra[partners]]), fold_labels
                )
                columns = slice(view * label_count, (view + 1) * label_count)
                scores[held_out_rows, columns] = classifier.decision_function(block[held_out_rows])
        return scores

    def _held_out_probabilities(self, folds, out_of_fold, label_indices, label_count) -> np.ndarray:
        """Probabilities for each training text from a calibrator fitted on the other
        folds, so the cross-validated metrics include the calibrator's own fit."""
        probabilities = np.zeros((len(label_indices), label_count))
        for train_rows, held_out_rows in folds:
            calibrator = LogisticCalibration(self.config.calibration_C)
            calibrator.fit(out_of_fold[train_rows], label_indices[train_rows])
            probabilities[held_out_rows] = calibrator.probabilities(out_of_fold[held_out_rows])
        return probabilities

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in ``labels`` order."""
        self._require_fitted()
        blocks = self._features.transform(list(texts))
        margins = np.hstack([view.decision_function(block) for view, block in zip(self._views, blocks)])
        return self._calibrator.probabilities(margins)

    def predict_top(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """The ``k`` most likely labels per text, most likely first, with probabilities."""
        if k < 1:
            raise ValueError("k must be at least 1")
        probabilities = self.scores(texts)
        ranked = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        labels = self.labels
        return [[(labels[j], float(row[j])) for j in order] for row, order in zip(probabilities, ranked)]

    def to_bytes(self) -> bytes:
        """Magic line, JSON header line, then the pickled model.

        Unpickling runs code, so only load bytes this application wrote
        (e.g. from its own database), never an uploaded file.
        """
        self._require_fitted()
        payload = pickle.dumps(
            {
                "metadata": self.metadata,
                "config": self.config,
                "segmenter": self.segmenter,
                "features": self._features,
                "views": self._views,
                "calibrator": self._calibrator,
            },
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        header = {
            "format_version": FORMAT_VERSION,
            "sklearn_version": sklearn.__version__,
            "sha256": hashlib.sha256(payload).hexdigest(),
        }
        return _MAGIC + json.dumps(header).encode() + b"\n" + payload

    @classmethod
    def from_bytes(cls, data: bytes) -> "RoutingModel":
        if not data.startswith(_MAGIC):
            raise ModelFormatError("not a Rexian routing model (unknown file header)")
        stream = io.BytesIO(data[len(_MAGIC) :])
        try:
            header = json.loads(stream.readline())
        except ValueError:
            raise ModelFormatError("routing model header is damaged") from None
        if header.get("format_version") != FORMAT_VERSION:
            raise ModelVersionError(
                f"routing model format {header.get('format_version')} cannot be read by this "
                f"version of Rexian (format {FORMAT_VERSION}); retrain the model"
            )
        if header.get("sklearn_version") != sklearn.__version__:
            raise ModelVersionError(
                f"routing model was trained with scikit-learn {header.get('sklearn_version')} "
                f"but {sklearn.__version__} is installed; retrain the model"
            )
        payload = stream.read()
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            raise ModelFormatError("routing model is truncated or corrupted (checksum mismatch)")
        state = pickle.loads(payload)
        model = cls(state["config"], state["segmenter"])
        model.metadata = state["metadata"]
        model._features, model._views, model._calibrator = state["features"], state["views"], state["calibrator"]
        return model

    def _require_fitted(self) -> None:
        if self.metadata is None:
            raise RuntimeError("RoutingModel is not trained yet: call fit() first")


def _cross_validated_metrics(labels, classes, probabilities) -> dict[str, float]:
    return {
        f"cv_{name}": value
        for name, value in {
            **ranking_metrics(labels, classes, probabilities),
            **calibration_metrics(labels, classes, probabilities),
        }.items()
    }


def _auxiliary_pairs(auxiliary_texts, count: int) -> tuple[np.ndarray, list[str]]:
    """(index of the partner text, auxiliary text) for every non-empty auxiliary text."""
    if auxiliary_texts is None:
        return np.zeros(0, dtype=int), []
    auxiliary_texts = list(auxiliary_texts)
    if len(auxiliary_texts) != count:
        raise ValueError(f"{count} texts but {len(auxiliary_texts)} auxiliary texts")
    pairs = [(index, text) for index, text in enumerate(auxiliary_texts) if text]
    return np.array([index for index, _ in pairs], dtype=int), [text for _, text in pairs]
