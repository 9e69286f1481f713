"""RoutingModel: suggest a category (or a responsible unit) for a citizen's message.

The model ranks every known label with a calibrated probability, so the
operator sees e.g. "城乡建设 0.82 · 环境保护 0.11 · 商贸旅游 0.03" and the
application can decide when a suggestion is safe to pre-fill.

Pipeline: text features (routing_features) -> NB-SVM (nbsvm) -> temperature
scaling (calibration) fitted on out-of-fold scores. The out-of-fold pass also
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

from rexian.nlp.calibration import TemperatureScaling
from rexian.nlp.nbsvm import NaiveBayesLinearSVC
from rexian.nlp.routing_features import FeatureSettings, TextFeatures
from rexian.nlp.routing_metrics import calibration_metrics, ranking_metrics
from rexian.nlp.segment import Segmenter

FORMAT_VERSION = 1
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
    C: float = 0.5
    calibration_folds: int = 5
    random_state: int = 0


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

        features = TextFeatures(self.config.features, self.segmenter)
        matrix = features.fit_transform(texts + extra_texts)
        primary, auxiliary = matrix[: len(texts)], matrix[len(texts) :]

        out_of_fold = self._out_of_fold_scores(primary, labels, auxiliary, owners, classes, counts.min())
        label_indices = np.searchsorted(classes, labels)
        calibrator = TemperatureScaling().fit(out_of_fold, label_indices)
        probabilities = calibrator.probabilities(out_of_fold)

        classifier = NaiveBayesLinearSVC(C=self.config.C).fit(matrix, np.concatenate([labels, labels[owners]]))
        self._features, self._classifier, self._calibrator = features, classifier, calibrator
        self.metadata = RoutingMetadata(
            labels=classes.tolist(),
            training_size=len(texts),
            auxiliary_size=len(extra_texts),
            trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
            config=asdict(self.config),
            metrics={
                f"cv_{name}": value
                for name, value in {
                    **ranking_metrics(labels, classes, probabilities),
                    **calibration_metrics(labels, classes, probabilities),
                }.items()
            },
        )
        return self

    def _out_of_fold_scores(self, primary, labels, auxiliary, owners, classes, smallest_class) -> np.ndarray:
        """Decision scores for each training text from a model that did not see it
        (nor its auxiliary partner)."""
        folds = StratifiedKFold(
            n_splits=min(self.config.calibration_folds, smallest_class),
            shuffle=True,
            random_state=self.config.random_state,
        )
        scores = np.zeros((len(labels), len(classes)))
        for train_rows, held_out_rows in folds.split(primary, labels):
            partners = np.isin(owners, train_rows)
            classifier = NaiveBayesLinearSVC(C=self.config.C).fit(
                sparse.vstack([primary[train_rows], auxiliary[partners]]),
                np.concatenate([labels[train_rows], labels[owners[partners]]]),
            )
            scores[held_out_rows] = classifier.decision_function(primary[held_out_rows])
        return scores

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in ``labels`` order."""
        self._require_fitted()
        margins = self._classifier.decision_function(self._features.transform(list(texts)))
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
                "classifier": self._classifier,
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
        model._features, model._classifier, model._calibrator = (
            state["features"],
            state["classifier"],
            state["calibrator"],
        )
        return model

    def _require_fitted(self) -> None:
        if self.metadata is None:
            raise RuntimeError("RoutingModel is not trained yet: call fit() first")


def _auxiliary_pairs(auxiliary_texts, count: int) -> tuple[np.ndarray, list[str]]:
    """(index of the partner text, auxiliary text) for every non-empty auxiliary text."""
    if auxiliary_texts is None:
        return np.zeros(0, dtype=int), []
    auxiliary_texts = list(auxiliary_texts)
    if len(auxiliary_texts) != count:
        raise ValueError(f"{count} texts but {len(auxiliary_texts)} auxiliary texts")
    pairs = [(index, text) for index, text in enumerate(auxiliary_texts) if text]
    return np.array([index for index, _ in pairs], dtype=int), [text for _, text in pairs]
