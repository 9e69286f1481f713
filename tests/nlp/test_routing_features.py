import numpy as np

from rexian.nlp.routing_features import FeatureSettings, TextFeatures

TEXTS = [
    "投诉人民路红绿灯故障\n每天早上人民路口红绿灯都不亮，车辆乱成一团。",
    "河道污染发臭\n东湖村旁的河道污染发臭，河道里全是垃圾。",
    "人民路公交车晚点",
    "东湖村垃圾焚烧冒烟",
]


def test_fast_transform_equals_the_fitted_tfidf():
    features = TextFeatures(FeatureSettings(min_df=1))
    for fitted, fast in zip(features.fit_transform(TEXTS), features.transform(TEXTS), strict=True):
        assert np.allclose(fitted.toarray(), fast.toarray(), atol=1e-6)


def test_headline_block_reads_only_the_first_line():
    features = TextFeatures(FeatureSettings(min_df=1))
    features.fit_transform(TEXTS)
    chars, words, headline = features.blocks
    columns = headline.transform(["河道污染发臭\n人民路"]).indices
    vocabulary = {column: term for term, column in headline.vectorizer.vocabulary_.items()}
    assert "河道" in {vocabulary[column] for column in columns}
    assert "人民" not in {vocabulary[column] for column in columns}


def test_one_line_texts_get_no_headline_block():
    assert len(TextFeatures(FeatureSettings(min_df=1), headline=False).blocks) == 2


def test_unknown_text_gives_an_empty_row_and_no_text_no_rows():
    features = TextFeatures(FeatureSettings(min_df=1))
    widths = [block.shape[1] for block in features.fit_transform(TEXTS)]
    assert [block.nnz for block in features.transform(["zzz"])] == [0, 0, 0]
    assert [block.shape for block in features.transform([])] == [(0, width) for width in widths]
