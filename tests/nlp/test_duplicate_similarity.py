from rexian.nlp.address import normalize_address, place_names
from rexian.nlp.similarity import DuplicateIndex, find_similar

OPEN_ORDERS = [
    ("A-1", "人民路小区门口垃圾堆积多日无人清理，臭气熏天，请环卫部门尽快处理。"),
    ("A-2", "解放街菜市场门口垃圾堆积无人清理"),
    ("A-3", "咨询孩子明年上小学的户口和学区政策"),
    ("A-4", "我家楼上每天晚上装修噪音太大，影响休息"),
    ("A-5", "东湖村自来水停水三天了，什么时候恢复供水"),
]


def test_same_complaint_about_the_same_street_ranks_first():
    query = "投诉人民路小区门口垃圾堆了好几天没人清理，气味很臭"
    matches = find_similar(query, OPEN_ORDERS, threshold=0.2)
    assert matches[0].id == "A-1"
    assert matches[0].place_overlap == 1.0
    assert all(match.id not in {"A-3", "A-4", "A-5"} for match in matches)


def test_same_complaint_about_another_street_scores_lower():
    query = "人民路小区门口垃圾堆积多日无人清理"
    scores = {match.id: match.score for match in find_similar(query, OPEN_ORDERS, threshold=0.0, top=5)}
    assert scores["A-1"] > scores["A-2"]


def test_unrelated_text_matches_nothing_at_the_default_threshold():
    assert find_similar("请问新生儿医保怎么办理", OPEN_ORDERS) == []
    assert find_similar("东湖村自来水停水三天了，什么时候恢复供水", OPEN_ORDERS)[0].id == "A-5"


def test_top_limits_and_orders_the_matches():
    matches = find_similar("人民路门口垃圾堆积无人清理", OPEN_ORDERS, threshold=0.0, top=2)
    assert len(matches) == 2
    assert matches[0].score >= matches[1].score


def test_empty_candidates_and_reused_index():
    assert find_similar("垃圾", []) == []
    index = DuplicateIndex(OPEN_ORDERS)
    assert index.search(OPEN_ORDERS[2][1])[0].id == "A-3"


def test_addresses_lose_administrative_prefixes_and_full_width_digits():
    assert normalize_address("湖南省长沙市岳麓区麓谷街道６栋") == "麓谷街道6栋"
    assert normalize_address("A市A3区联丰路１２号") == "联丰路12号"
    assert place_names("投诉A市A3区联丰路米兰春天小区门口的路灯") == {"联丰路", "米兰春天小区"}
    assert place_names("我们小区门口的路灯坏了") == set()
