"""On the real data: the routing model must beat the char-n-gram SVM baseline.

Calibration folds do not change the final classifier (it is trained on all
of train), only the temperature, so two folds give the same macro-F1 as the
default five in half the training time.
"""

import pytest

from rexian.nlp.labelled_csv import read_labelled_csv
from rexian.nlp.routing import RoutingConfig, RoutingModel
from rexian.nlp.routing_baseline import CharNgramSvmBaseline
from rexian.nlp.routing_evaluation import evaluate

pytestmark = pytest.mark.dataset


def test_routing_model_beats_the_baseline_on_dev(taidi):
    train = read_labelled_csv(taidi / "messages_train.csv")
    dev = read_labelled_csv(taidi / "messages_dev.csv")
    ours = evaluate(RoutingModel(RoutingConfig(calibration_folds=2)), train, dev, "full")
    baseline = evaluate(CharNgramSvmBaseline(), train, dev, "full")
    assert ours["macro_f1"] > baseline["macro_f1"] + 0.01
    assert ours["accuracy"] > baseline["accuracy"]
    assert ours["top3_accuracy"] >= 0.97
    assert ours["ece"] < 0.05
