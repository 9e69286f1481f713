"""Realistic synthetic campaigns, for demos, tests and benchmarks. Deterministic per seed.

Each hotline gets a hidden profile: how often a test call reaches a human, how
its failures look (a dead line keeps failing the same way), whether an IVR
menu delays the human, and how well its agents follow the checklist. Service
quality is correlated with connection quality, as in the 2017 report where the
lines that answered were also the better-run ones. Mix of profiles, by default:
about a quarter dead, the rest spread over cold, warm and hot.

The previous campaign (for 最佳进步榜) uses the same hotlines a year earlier
with drifted profiles; some lines were much worse then, so some rise 50+ places.
Beyond the 339 real prefecture-level cities listed here, extra hotlines are
county-level lines named after their city ("成都·区县2").
"""

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from rexian.evaluation.monitoring.probes import ANSWERED, Probe

# (code, province, prefecture-level cities) — names as the 2017 report writes them.
PROVINCES = (
    ("BJ", "北京", ("北京",)),
    ("TJ", "天津", ("天津",)),
    ("HE", "河北", ("石家庄", "唐山", "秦皇岛", "邯郸", "邢台", "保定", "张家口", "承德", "沧州", "廊坊", "衡水")),
    ("SX", "山西", ("太原", "大同", "阳泉", "长治", "晋城", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁")),
    ("NM", "内蒙古", ("呼和浩特", "包头", "乌海", "赤峰", "通辽", "鄂尔多斯", "呼伦贝尔", "巴彦淖尔", "乌兰察布",
                     "兴安盟", "锡林郭勒盟", "阿拉善盟")),
    ("LN", "辽宁", ("沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "盘锦", "铁岭",
                   "朝阳", "葫芦岛")),
    ("JL", "吉林", ("长春", "吉林", "四平", "辽源", "通化", "白山", "松原", "白城", "延边")),
    ("HL", "黑龙江", ("哈尔滨", "齐齐哈尔", "鸡西", "鹤岗", "双鸭山", "大庆", "伊春", "佳木斯", "七台河", "牡丹江",
                     "黑河", "绥化", "大兴安岭")),
    ("SH", "上海", ("上海",)),
    ("JS", "江苏", ("南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州",
                   "宿迁")),
    ("ZJ", "浙江", ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水")),
    ("AH", "安徽", ("合肥", "芜湖", "蚌埠", "淮南", "马鞍山", "淮北", "铜陵", "安庆", "黄山", "滁州", "阜阳", "宿州",
                   "六安", "亳州", "池州", "宣城")),
    ("FJ", "福建", ("福州", "厦门", "莆田", "三明", "泉州", "漳州", "南平", "龙岩", "宁德")),
    ("JX", "江西", ("南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶")),
    ("SD", "山东", ("济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照", "莱芜",
                   "临沂", "德州", "聊城", "滨州", "菏泽")),
    ("HA", "河南", ("郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "漯河", "三门峡",
                   "南阳", "商丘", "信阳", "周口", "驻马店", "济源")),
    ("HB", "湖北", ("武汉", "黄石", "十堰", "宜昌", "襄阳", "鄂州", "荆门", "孝感", "荆州", "黄冈", "咸宁", "随州",
                   "恩施")),
    ("HN", "湖南", ("长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化",
                   "娄底", "湘西")),
    ("GD", "广东", ("广州", "韶关", "深圳", "珠海", "汕头", "佛山", "江门", "湛江", "茂名", "肇庆", "惠州", "梅州",
                   "汕尾", "河源", "阳江", "清远", "东莞", "中山", "潮州", "揭阳", "云浮")),
    ("GX", "广西", ("南宁", "柳州", "桂林", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色", "贺州", "河池",
                   "来宾", "崇左")),
    ("HI", "海南", ("海口", "三亚", "三沙", "儋州")),
    ("CQ", "重庆", ("重庆",)),
    ("SC", "四川", ("成都", "自贡", "攀枝花", "泸州", "德阳", "绵阳", "广元", "遂宁", "内江", "乐山", "南充", "眉山",
                   "宜宾", "广安", "达州", "雅安", "巴中", "资阳", "阿坝", "甘孜", "凉山")),
    ("GZ", "贵州", ("贵阳", "六盘水", "遵义", "安顺", "毕节", "铜仁", "黔西南", "黔东南", "黔南")),
    ("YN", "云南", ("昆明", "曲靖", "玉溪", "保山", "昭通", "丽江", "普洱", "临沧", "楚雄", "红河", "文山", "西双版纳",
                   "大理", "德宏", "怒江", "迪庆")),
    ("XZ", "西藏", ("拉萨", "日喀则", "昌都", "林芝", "山南", "那曲", "阿里")),
    ("SN", "陕西", ("西安", "铜川", "宝鸡", "咸阳", "渭南", "延安", "汉中", "榆林", "安康", "商洛")),
    ("GS", "甘肃", ("兰州", "嘉峪关", "金昌", "白银", "天水", "武威", "张掖", "平凉", "酒泉", "庆阳", "定西", "陇南",
                   "临夏", "甘南")),
    ("QH", "青海", ("西宁", "海东", "海北", "黄南", "海南", "果洛", "玉树", "海西")),
    ("NX", "宁夏", ("银川", "石嘴山", "吴忠", "固原", "中卫")),
    ("XJ", "新疆", ("乌鲁木齐", "克拉玛依", "吐鲁番", "哈密", "昌吉", "博州", "巴州", "阿克苏", "克州", "喀什",
                   "和田", "伊犁", "塔城", "阿勒泰")),
)

# Checklist items: (probability the item applies on an answered call, base probability it is done).
# Lower bases for the items the 2017 report found weak (询问需求, 再次询问需求, 致谢, 致歉, 细节, 政策).
ITEM_BEHAVIOUR = {
    "greeting": (1.0, 0.95),
    "ask_need": (1.0, 0.60),
    "apology_lookup": (0.5, 0.55),
    "ask_more": (1.0, 0.50),
    "thanks": (1.0, 0.60),
    "ask_details": (0.85, 0.55),
    "explain_policy": (0.6, 0.50),
    "resolved": (0.9, 0.70),
}
# Share of hotlines per kind, and the range of their chance to reach a human.
KINDS = (
    ("dead", 0.24, (0.0, 0.0)),
    ("cold", 0.16, (0.03, 0.29)),
    ("warm", 0.42, (0.32, 0.94)),
    ("hot", 0.18, (0.95, 1.0)),
)
FAILURES = ("busy", "no_answer", "invalid_number", "unavailable", "ivr_only", "rejected")
DEAD_FAILURES = ("invalid_number", "unavailable", "no_answer", "ivr_only")


@dataclass(frozen=True)
class Profile:
    hotline_id: str
    province: str
    city: str
    connect: float  # chance that a call reaches a human
    failure: str  # the line's usual way of failing
    ivr_seconds: float  # 0 without an IVR menu
    queue_seconds: float  # mean extra wait for an agent
    service: float  # 0–1, how well agents follow the checklist


def hotline_places(count: int) -> list[tuple[str, str, str]]:
    """(hotline_id, province, city) for `count` hotlines, ids like SC001."""
    cities = [(code, province, city) for code, province, names in PROVINCES for city in names]
    places, per_code = [], {}
    for index in range(count):
        code, province, city = cities[index % len(cities)]
        tier = index // len(cities)
        per_code[code] = per_code.get(code, 0) + 1
        name = city if tier == 0 else f"{city}·区县{tier + 1}"
        places.append((f"{code}{per_code[code]:03d}", province, name))
    return places


def _profile(rng: random.Random, hotline_id: str, province: str, city: str) -> Profile:
    draw, kind = rng.random(), KINDS[-1]
    for candidate in KINDS:
        draw -= candidate[1]
        if draw < 0:
            kind = candidate
            break
    name, _share, (low, high) = kind
    connect = 1.0 if name == "hot" and rng.random() < 0.5 else rng.uniform(low, high)
    has_ivr = rng.random() < (0.2 if name == "hot" else 0.45)
    return Profile(
        hotline_id=hotline_id,
        province=province,
        city=city,
        connect=connect,
        failure=rng.choice(DEAD_FAILURES if name == "dead" else FAILURES),
        ivr_seconds=rng.uniform(10, 35) if has_ivr else 0.0,
        queue_seconds=rng.uniform(1, 6) + (1 - connect) * rng.uniform(0, 20),
        service=min(0.99, max(0.2, 0.45 + 0.45 * connect + rng.gauss(0, 0.12))),
    )


def _drift(rng: random.Random, profile: Profile) -> Profile:
    """The same line a year earlier: a little different, and sometimes much worse."""
    if rng.random() < 0.15:
        return replace(profile, connect=profile.connect * rng.uniform(0.0, 0.4), service=profile.service * 0.8)
    connect = min(1.0, max(0.0, profile.connect + rng.gauss(0, 0.08))) if profile.connect else 0.0
    return replace(profile, connect=connect, service=min(0.99, max(0.2, profile.service + rng.gauss(0, 0.05))))


def _calls(
    rng: random.Random, profile: Profile, rounds: int, calls_per_round: int, start: date, end: date
) -> list[Probe]:
    span = (end - start + timedelta(days=1)) / rounds
    probes, seen = [], set()
    for number in range(1, rounds + 1):
        window_start = datetime.combine(start, datetime.min.time()) + span * (number - 1)
        for _ in range(calls_per_round):
            called_at = window_start + timedelta(seconds=rng.randrange(int(span.total_seconds())))
            while called_at in seen:  # different times, as the dead-line rule requires
                called_at += timedelta(seconds=1)
            seen.add(called_at)
            probes.append(_call(rng, profile, number, called_at))
    return sorted(probes, key=lambda probe: probe.called_at)


def _call(rng: random.Random, profile: Profile, number: int, called_at: datetime) -> Probe:
    answered = rng.random() < profile.connect
    if answered:
        outcome = ANSWERED
        wait = profile.ivr_seconds + rng.uniform(2, 6) + rng.expovariate(1 / profile.queue_seconds)
        seconds = Decimal(f"{wait:.1f}")
        items = {}
        for key, (applies, base) in ITEM_BEHAVIOUR.items():
            if rng.random() < applies:
                items[key] = rng.random() < min(0.99, base * (0.4 + profile.service))
    else:
        outcome = profile.failure if rng.random() < 0.7 else rng.choice(FAILURES)
        seconds, items = None, {}
    return Probe(profile.hotline_id, profile.province, profile.city, number, called_at, outcome, seconds, items)


def generate_campaign(
    hotlines: int = 334,
    rounds: int = 4,
    calls_per_round: int = 10,
    seed: int = 1,
    start: date = date(2017, 7, 10),
    end: date = date(2017, 8, 15),
) -> tuple[list[Probe], list[Probe]]:
    """(this campaign, the same hotlines' campaign a year earlier), both deterministic per seed."""
    profile_rng = random.Random(f"{seed}:profiles")
    profiles = [_profile(profile_rng, *place) for place in hotline_places(hotlines)]
    earlier = [_drift(profile_rng, profile) for profile in profiles]
    current_rng, previous_rng = random.Random(f"{seed}:current"), random.Random(f"{seed}:previous")
    last_year = timedelta(days=364)  # the same weekdays a year earlier
    current = [
        probe for profile in profiles for probe in _calls(current_rng, profile, rounds, calls_per_round, start, end)
    ]
    previous = [
        probe
        for profile in earlier
        for probe in _calls(previous_rng, profile, rounds, calls_per_round, start - last_year, end - last_year)
    ]
    return current, previous
