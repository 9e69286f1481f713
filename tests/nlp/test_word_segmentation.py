import pickle

from rexian.nlp.segment import Segmenter, normalize_text


def test_normalize_text_folds_full_width_and_case():
    assert normalize_text("  ＡＢＣ１２３\n栋  ") == "abc123 栋"


def test_user_words_stay_whole():
    plain = Segmenter().tokens("麓谷明珠小区停车难")
    assert "麓谷明珠" not in plain
    assert "麓谷明珠" in Segmenter(user_words=["麓谷明珠"]).tokens("麓谷明珠小区停车难")


def test_synonyms_map_variants_to_the_canonical_word():
    segmenter = Segmenter(synonyms={"住建委": "住建局"})
    assert segmenter.tokens("市住建委不作为") == ["市", "住建局", "不", "作为"]


def test_tokens_drop_punctuation_and_spaces():
    assert Segmenter().tokens("垃圾！！  没人管？") == ["垃圾", "没人管"]


def test_index_text_is_space_joined_and_includes_sub_words():
    segmenter = Segmenter(synonyms={"住建委": "住建局"})
    text = segmenter.index_text("住建委：６栋架空层漏水")
    assert text == segmenter.index_text("住建委：６栋架空层漏水")  # deterministic
    tokens = text.split(" ")
    assert {"住建局", "6", "架空", "架空层", "漏水"} <= set(tokens)
    assert "：" not in text and "  " not in text


def test_segmenter_pickles_as_its_configuration():
    segmenter = Segmenter(user_words=["麓谷明珠"], synonyms={"住建委": "住建局"})
    restored = pickle.loads(pickle.dumps(segmenter))
    assert restored.tokens("麓谷明珠住建委") == segmenter.tokens("麓谷明珠住建委") == ["麓谷明珠", "住建局"]
