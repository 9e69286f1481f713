import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from rexian.nlp.calibration import LogisticCalibration


@pytest.mark.parametrize("label_count", [2, 3])
def test_probabilities_match_scikit_learn(label_count):
    generator = np.random.default_rng(0)
    label_indices = np.arange(60) % label_count
    scores = generator.normal(size=(60, 2 * label_count)) + np.eye(label_count)[label_indices].repeat(2, axis=1)
    probabilities = LogisticCalibration(C=0.3).fit(scores, label_indices).probabilities(scores)
    expected = LogisticRegression(C=0.3, max_iter=3000).fit(scores, label_indices).predict_proba(scores)
    assert np.allclose(probabilities, expected)
