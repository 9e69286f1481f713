import numpy as np
import pytest
import sklearn

from rexian.nlp.routing import FORMAT_VERSION, ModelFormatError, ModelVersionError, RoutingConfig, RoutingModel
from rexian.nlp.segment import Segmenter

FAST = RoutingConfig(calibration_folds=3)


@pytest.fixture(scope="module")
def model(corpus) -> RoutingModel:
    texts, labels = corpus
    return RoutingModel(FAST).fit(texts, labels)


def test_learns_the_synthetic_topics(model):
    top = model.predict_top(["强烈要求解决人民路红绿灯故障", "河道污染发臭没人管", "幼儿园入学难怎么办"], k=1)
    assert [suggestions[0][0] for suggestions in top] == ["交通运输", "环境保护", "教育文体"]


def test_probabilities_sum_to_one_and_are_ranked(model):
    probabilities = model.scores(["东湖村夜间施工噪音", "公交车晚点", "一句无关的话"])
    assert probabilities.shape == (3, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    for suggestions in model.predict_top(["东湖村夜间施工噪音", "公交车晚点"], k=3):
        assert len(suggestions) == 3
        values = [probability for _, probability in suggestions]
        assert values == sorted(values, reverse=True)
        assert {label for label, _ in suggestions} == set(model.labels)


def test_k_is_capped_by_the_number_of_labels(model):
    assert len(model.predict_top(["公交车晚点"], k=10)[0]) == 3
    with pytest.raises(ValueError):
        model.predict_top(["公交车晚点"], k=0)


def test_metadata_records_training_and_cross_validated_metrics(model, corpus):
    metadata = model.metadata
    assert metadata.labels == sorted(set(corpus[1]))
    assert metadata.training_size == len(corpus[0])
    assert metadata.trained_at.endswith("+00:00")
    assert metadata.sklearn_version == sklearn.__version__
    assert metadata.metrics["cv_macro_f1"] > 0.9
    assert 0 <= metadata.metrics["cv_ece"] <= 1 and 0 <= metadata.metrics["cv_brier_score"] <= 2


def test_round_trip_through_bytes_keeps_predictions(model):
    restored = RoutingModel.from_bytes(model.to_bytes())
    texts = ["学校乱收费", "滨江花园污水直排"]
    assert restored.predict_top(texts) == model.predict_top(texts)
    assert restored.metadata == model.metadata


def test_round_trip_keeps_the_domain_dictionary(corpus):
    texts, labels = corpus
    segmenter = Segmenter(user_words=["麓谷小区"], synonyms={"住建委": "住建局"})
    restored = RoutingModel.from_bytes(RoutingModel(FAST, segmenter).fit(texts, labels).to_bytes())
    assert restored.segmenter.tokens("住建委") == ["住建局"]


def test_model_from_another_scikit_learn_version_is_refused(model, monkeypatch):
    data = model.to_bytes()
    monkeypatch.setattr(sklearn, "__version__", "0.1.0")
    with pytest.raises(ModelVersionError, match="scikit-learn"):
        RoutingModel.from_bytes(data)


@pytest.mark.parametrize("version", [1, 99])  # 1: the single NB-SVM model, before per-block views
def test_model_in_another_format_version_is_refused(model, version):
    current = f'"format_version": {FORMAT_VERSION}'.encode()
    data = model.to_bytes().replace(current, f'"format_version": {version}'.encode(), 1)
    with pytest.raises(ModelVersionError, match=f"format {version} .*retrain"):
        RoutingModel.from_bytes(data)


def test_damaged_bytes_are_refused(model):
    data = model.to_bytes()
    with pytest.raises(ModelFormatError, match="not a Rexian"):
        RoutingModel.from_bytes(b"PK\x03\x04" + data)
    with pytest.raises(ModelFormatError, match="corrupted"):
        RoutingModel.from_bytes(data[:-10])


def test_auxiliary_texts_teach_words_absent_from_the_main_texts(corpus):
    texts, labels = corpus
    auxiliary = [f"{label}方面的详细情况：窨井盖丢失" if label == "交通运输" else "" for label in labels]
    model = RoutingModel(FAST).fit(texts, labels, auxiliary)
    assert model.metadata.auxiliary_size == labels.count("交通运输")
    assert model.predict_top(["窨井盖"], k=1)[0][0][0] == "交通运输"


@pytest.mark.parametrize(
    ("labels", "message"),
    [(["甲"] * 6, "two different labels"), (["甲"] * 5 + ["乙"], "at least two examples")],
)
def test_unusable_labels_are_explained(labels, message):
    with pytest.raises(ValueError, match=message):
        RoutingModel(FAST).fit(["公交车晚点"] * 6, labels)


def test_unfitted_model_says_so():
    with pytest.raises(RuntimeError, match="fit"):
        RoutingModel().predict_top(["公交车晚点"])
