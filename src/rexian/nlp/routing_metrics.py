"""Scores for a routing model's ranked predictions."""

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from rexian.nlp.calibration import brier_score, expected_calibration_error


def ranking_metrics(true_labels, classes, scores: np.ndarray, k: int = 3) -> dict[str, float]:
    """Macro-F1 and accuracy of the first choice, and how often the truth is in the top k.

    ``scores`` has one column per entry of ``classes``; higher means more likely.
    """
    true_labels = np.asarray(true_labels)
    classes = np.asarray(classes)
    ranked = np.argsort(-scores, axis=1, kind="stable")
    predicted = classes[ranked[:, 0]]
    in_top_k = (classes[ranked[:, :k]] == true_labels[:, None]).any(axis=1)
    return {
        "macro_f1": float(f1_score(true_labels, predicted, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(true_labels, predicted)),
        f"top{k}_accuracy": float(in_top_k.mean()),
    }


def calibration_metrics(true_labels, classes, probabilities: np.ndarray) -> dict[str, float]:
    """Brier score and expected calibration error; a label the model never saw
    counts as a confident miss (its one-hot truth lies outside the columns)."""
    classes = list(classes)
    index_of = {label: index for index, label in enumerate(classes)}
    padded = np.hstack([probabilities, np.zeros((len(probabilities), 1))])
    label_indices = np.array([index_of.get(label, len(classes)) for label in true_labels])
    return {
        "brier_score": brier_score(padded, label_indices),
        "ece": expected_calibration_error(padded, label_indices),
    }
