import numpy as np

from rexian.nlp.nbsvm import NaiveBayesLinearSVC
from rexian.nlp.routing import RoutingConfig, RoutingModel
from rexian.nlp.routing_features import FeatureSettings, TextFeatures


def test_two_fits_of_the_nb_svm_give_identical_scores(corpus):
    texts, labels = corpus
    (characters, *_) = TextFeatures(FeatureSettings(), headline=False).fit_transform(texts)
    first = NaiveBayesLinearSVC().fit(characters, labels).decision_function(characters)
    second = NaiveBayesLinearSVC().fit(characters, labels).decision_function(characters)
    assert np.array_equal(first, second)


def test_retraining_on_the_same_data_gives_identical_probabilities(corpus):
    texts, labels = corpus
    details = [f"{text}，已经反映多次，希望尽快处理" for text in texts]
    queries = ["东湖村夜间施工噪音", "公交车晚点", "一句无关的话"]
    first, second = (RoutingModel(RoutingConfig(calibration_folds=3)).fit(texts, labels, details) for _ in range(2))
    assert np.array_equal(first.scores(queries), second.scores(queries))
    assert first.metadata.metrics == second.metadata.metrics
