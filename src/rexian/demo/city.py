"""The reference data of 示例市: handling units, categories, a time-limit rule and demo logins.

Everything here is created by code and never overwritten: running the demo
again creates what is missing and leaves what exists (an admin may have
renamed a unit or changed a rule since).
"""

from dataclasses import dataclass, field

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from rexian.accounts.models import User
from rexian.accounts.roles import Role
from rexian.accounts.services import add_user
from rexian.directory.models import Category, Department, DepartmentLevel
from rexian.orders.models import DeadlinePolicy

# Printed in the summary and in docs: a demo installation is for trying things out only.
DEMO_PASSWORD = "rexian-demo-2026"
CITY_NAME = "示例市"
# 99xxxx is no real administrative division, so no code here can be mistaken for one.
CITY_AREA_CODE = "990100"

C, D, S, U = DepartmentLevel.CITY, DepartmentLevel.DISTRICT, DepartmentLevel.STREET, DepartmentLevel.UNIT

# code, name, level, parent code, duties
DEPARTMENTS = [
    ("ZJJ", "市住建局", C, None, "房屋建设、物业管理、建筑市场、商品房交易与登记"),
    ("ZJJ-WY", "物业科", U, "ZJJ", "物业服务企业监管、住宅专项维修资金"),
    ("CGJ", "市城管局", C, None, "市容环境、占道经营、违法建设、市政设施、路灯"),
    ("CGJ-ZF", "城管执法支队", U, "CGJ", "城市管理综合执法"),
    ("STJ", "市生态环境局", C, None, "大气、水、噪声污染防治"),
    ("SJJ", "市市场监管局", C, None, "食品安全、消费维权、价格监督、特种设备"),
    ("RSJ", "市人社局", C, None, "劳动关系、工资支付、社会保险、就业培训"),
    ("JYJ", "市教育局", C, None, "学校管理、招生入学、校外培训机构监管"),
    ("WJW", "市卫健委", C, None, "医疗服务、公共卫生、计划生育"),
    ("JTJ", "市交通运输局", C, None, "公共交通、出租汽车、交通设施"),
    ("GAJ", "市公安局（非紧急）", C, None, "治安、户籍、交通秩序、社会生活噪声（非紧急警情）"),
    ("YBJ", "市医保局", C, None, "医疗保险参保、报销、异地就医"),
    ("WLJ", "市文旅局", C, None, "旅游市场、景区、公共文化体育设施"),
    ("SWJT", "市水务集团", C, None, "城市供水、排水、水质"),
    ("GDGS", "市供电公司", C, None, "城市供电、抢修"),
    ("RQGS", "市燃气公司", C, None, "管道燃气供应、燃气安全、抢修"),
    ("RLGS", "市热力公司", C, None, "集中供暖"),
    ("D01", "东城区", D, None, "东城区人民政府（属地）"),
    ("D01-S01", "东华街道", S, "D01", "东华街道办事处"),
    ("D01-S01-C01", "幸福社区", U, "D01-S01", "幸福社区居民委员会"),
    ("D01-S01-C02", "东华里社区", U, "D01-S01", "东华里社区居民委员会"),
    ("D01-S02", "朝阳街道", S, "D01", "朝阳街道办事处"),
    ("D02", "西城区", D, None, "西城区人民政府（属地）"),
    ("D02-S01", "西湖街道", S, "D02", "西湖街道办事处"),
    ("D02-S02", "金桥街道", S, "D02", "金桥街道办事处"),
    ("D03", "南湖区", D, None, "南湖区人民政府（属地）"),
    ("D03-S01", "湖滨街道", S, "D03", "湖滨街道办事处"),
    ("D03-S02", "南苑街道", S, "D03", "南苑街道办事处"),
    ("D04", "北山县", D, None, "北山县人民政府（属地）"),
    ("D04-S01", "北山镇", S, "D04", "北山镇人民政府"),
    ("D04-S02", "青石乡", S, "D04", "青石乡人民政府"),
]

AREA_CODES = {"D01": "990101", "D02": "990102", "D03": "990103", "D04": "990104"}

# A GB/T 39666-like tree: two digits per level. Leaves: code, name, units that
# handle it (派单目录: "@street"/"@district" = the unit where it happened), and
# the usual order types with weights.
CATEGORIES = [
    ("01", "城乡建设", [
        ("0101", "物业管理", [
            ("010101", "物业服务", ["ZJJ-WY", "@street"], {"complaint": 6, "help": 2, "consult": 1}),
            ("010102", "电梯故障", ["ZJJ-WY", "SJJ"], {"complaint": 5, "help": 3}),
        ]),
        ("0102", "房屋建设", [
            ("010201", "房屋质量", ["ZJJ"], {"complaint": 4, "help": 1}),
            ("010202", "商品房交易与办证", ["ZJJ"], {"consult": 4, "complaint": 3}),
        ]),
        ("0103", "市容市政", [
            ("010301", "占道经营", ["CGJ-ZF", "@street"], {"complaint": 4, "report": 2}),
            ("010302", "违法建设", ["CGJ", "@street"], {"report": 4, "complaint": 2}),
            ("010303", "道路破损", ["CGJ"], {"help": 3, "complaint": 2, "suggestion": 1}),
            ("010304", "路灯不亮", ["CGJ"], {"help": 4, "complaint": 1}),
        ]),
    ]),
    ("02", "环境保护", [
        ("0201", "噪声污染", [
            ("020101", "施工噪音", ["STJ", "CGJ-ZF"], {"complaint": 6, "report": 1}),
            ("020102", "噪音扰民", ["GAJ", "@street"], {"complaint": 6}),
        ]),
        ("0202", "大气污染", [
            ("020201", "餐饮油烟", ["STJ", "CGJ-ZF"], {"complaint": 5}),
            ("020202", "工地扬尘", ["STJ", "ZJJ"], {"complaint": 4, "report": 1}),
        ]),
        ("0203", "水污染", [
            ("020301", "河道污染", ["STJ", "SWJT"], {"report": 3, "complaint": 2}),
        ]),
    ]),
    ("03", "交通运输", [
        ("0301", "公共交通", [
            ("030101", "公交线路", ["JTJ"], {"suggestion": 4, "consult": 3, "complaint": 1}),
            ("030102", "公交服务", ["JTJ"], {"complaint": 5, "praise": 1}),
        ]),
        ("0302", "出租汽车", [
            ("030201", "出租车拒载绕路", ["JTJ"], {"complaint": 5}),
        ]),
        ("0303", "道路交通", [
            ("030301", "交通设施", ["JTJ", "GAJ"], {"suggestion": 3, "help": 2}),
            ("030302", "停车管理", ["GAJ", "CGJ"], {"complaint": 3, "consult": 1}),
        ]),
    ]),
    ("04", "劳动和社会保障", [
        ("0401", "劳动关系", [
            ("040101", "拖欠工资", ["RSJ", "@district"], {"complaint": 5, "help": 3}),
            ("040102", "劳动合同", ["RSJ"], {"consult": 4, "complaint": 1}),
        ]),
        ("0402", "社会保险", [
            ("040201", "养老保险", ["RSJ"], {"consult": 5}),
            ("040202", "医保报销", ["YBJ"], {"consult": 5, "complaint": 2}),
        ]),
        ("0403", "就业服务", [
            ("040301", "就业培训", ["RSJ"], {"consult": 4, "help": 1}),
        ]),
    ]),
    ("05", "教育文体", [
        ("0501", "教育管理", [
            ("050101", "校外培训", ["JYJ"], {"complaint": 4, "report": 2}),
            ("050102", "招生入学", ["JYJ"], {"consult": 5, "complaint": 1}),
        ]),
        ("0502", "文化体育", [
            ("050201", "文体设施", ["WLJ", "@street"], {"suggestion": 3, "help": 2}),
        ]),
    ]),
    ("06", "卫生计生", [
        ("0601", "医疗服务", [
            ("060101", "医疗纠纷", ["WJW"], {"complaint": 5}),
            ("060102", "医德医风", ["WJW"], {"complaint": 3, "praise": 1}),
        ]),
        ("0602", "公共卫生", [
            ("060201", "病媒生物防治", ["WJW", "@street"], {"help": 3, "complaint": 2}),
        ]),
        ("0603", "计划生育", [
            ("060301", "生育登记", ["WJW"], {"consult": 5}),
        ]),
    ]),
    ("07", "商贸旅游", [
        ("0701", "商贸服务", [
            ("070101", "预付卡消费", ["SJJ"], {"complaint": 5, "help": 1}),
        ]),
        ("0702", "旅游市场", [
            ("070201", "旅游投诉", ["WLJ"], {"complaint": 5}),
            ("070202", "景区管理", ["WLJ"], {"suggestion": 3, "complaint": 2}),
        ]),
    ]),
    ("08", "市场监管", [
        ("0801", "食品安全", [
            ("080101", "餐饮卫生", ["SJJ"], {"complaint": 4, "report": 2}),
            ("080102", "过期食品", ["SJJ"], {"report": 3, "complaint": 3}),
        ]),
        ("0802", "消费维权", [
            ("080201", "商品质量", ["SJJ"], {"complaint": 5}),
            ("080202", "退换货纠纷", ["SJJ"], {"complaint": 5, "help": 1}),
        ]),
        ("0803", "价格监管", [
            ("080301", "价格违法", ["SJJ"], {"report": 3, "complaint": 3}),
        ]),
    ]),
    ("09", "公共安全", [
        ("0901", "治安管理", [
            ("090101", "治安隐患", ["GAJ", "@street"], {"report": 3, "help": 2}),
            ("090102", "户籍证件", ["GAJ"], {"consult": 5}),
        ]),
        ("0902", "消防安全", [
            ("090201", "消防通道占用", ["@street", "GAJ"], {"complaint": 3, "report": 2}),
        ]),
    ]),
    ("10", "水电气暖", [
        ("1001", "停水", [
            ("100101", "停水报修", ["SWJT"], {"help": 6, "consult": 2}),
            ("100102", "水质问题", ["SWJT"], {"complaint": 3, "help": 2}),
        ]),
        ("1002", "停电", [
            ("100201", "停电报修", ["GDGS"], {"help": 6, "consult": 1}),
            ("100202", "电压不稳", ["GDGS"], {"help": 3, "complaint": 2}),
        ]),
        ("1003", "燃气", [
            ("100301", "燃气异味", ["RQGS"], {"help": 6}),
            ("100302", "燃气缴费", ["RQGS"], {"consult": 4, "complaint": 1}),
        ]),
        ("1004", "供暖", [
            ("100401", "暖气不热", ["RLGS"], {"complaint": 5, "help": 3}),
            ("100402", "供暖收费", ["RLGS"], {"consult": 4, "complaint": 1}),
        ]),
    ]),
]

UTILITIES_CODE = "10"
# Tianjin rule (DOMAIN.md): water, power, gas and heating are accepted within 30 minutes.
UTILITIES_POLICY = "水电气暖（30 分钟签收）"

# username, role, unit code, what the summary calls them
ROLE_USERS = [
    ("agent", Role.AGENT, None, "话务员"),
    ("dispatcher", Role.DISPATCHER, None, "派单员"),
    ("reviewer", Role.REVIEWER, None, "审核员"),
    ("callback", Role.CALLBACK, None, "回访员"),
    ("supervisor", Role.SUPERVISOR, None, "督办员"),
    ("demo-admin", Role.ADMIN, None, "管理员"),
]
# Units whose login the summary names; every unit gets one (see unit_username).
FEATURED_UNITS = ["ZJJ", "CGJ", "D01", "D01-S01", "SWJT"]


def unit_username(code: str) -> str:
    """The demo login of a unit: its code in lower case without hyphens (D01-S01 → d01s01)."""
    return code.lower().replace("-", "")


@dataclass
class Leaf:
    """A leaf category with what the demo needs to invent requests in it."""

    category: Category
    units: list[str]
    types: dict[str, int]

    @property
    def code(self) -> str:
        return self.category.code


@dataclass
class CityResult:
    departments: int = 0
    departments_created: int = 0
    categories: int = 0
    categories_created: int = 0
    policies_created: int = 0
    users_created: list[str] = field(default_factory=list)
    users_existing: list[str] = field(default_factory=list)


def ensure_departments(result: CityResult) -> dict[str, Department]:
    by_code = {d.code: d for d in Department.objects.filter(code__in=[row[0] for row in DEPARTMENTS])}
    for code, name, level, parent_code, duties in DEPARTMENTS:
        if code in by_code:
            continue
        area = AREA_CODES.get(code[:3], CITY_AREA_CODE)
        if level != C and "-S" in code:
            area += code[5:7]  # D01-S01 → 99010101, the street's made-up code
        by_code[code] = Department.objects.create(
            code=code,
            name=name,
            level=level,
            parent=by_code[parent_code] if parent_code else None,
            area_code=area,
            phone="",
            duties=duties,
        )
        result.departments_created += 1
    result.departments = len(DEPARTMENTS)
    return by_code


def _category_rows():
    for top_code, top_name, middles in CATEGORIES:
        yield top_code, top_name, None, None
        for mid_code, mid_name, leaves in middles:
            yield mid_code, mid_name, top_code, None
            for leaf_code, leaf_name, units, types in leaves:
                yield leaf_code, leaf_name, mid_code, (units, types)


def ensure_categories(result: CityResult) -> list[Leaf]:
    rows = list(_category_rows())
    by_code = {c.code: c for c in Category.objects.filter(code__in=[row[0] for row in rows])}
    leaves = []
    for code, name, parent_code, leaf in rows:
        if code not in by_code:
            by_code[code] = Category.objects.create(code=code, name=name, parent=by_code[parent_code] if parent_code else None)
            result.categories_created += 1
        if leaf:
            leaves.append(Leaf(by_code[code], *leaf))
    result.categories = len(rows)
    if not DeadlinePolicy.objects.filter(name=UTILITIES_POLICY).exists():
        DeadlinePolicy.objects.create(name=UTILITIES_POLICY, category=by_code[UTILITIES_CODE], accept_minutes=30)
        result.policies_created += 1
    return leaves


def ensure_users(result: CityResult) -> dict[str, User]:
    """One login per role and one per unit, all with DEMO_PASSWORD.

    The role logins go through `add_user` (the CLI's rules, password validators
    included). Argon2 costs a quarter of a second a hash, so the thirty-odd unit
    logins reuse the hash `add_user` made, after the same checks.
    """
    wanted = [(name, role, unit, label) for name, role, unit, label in ROLE_USERS]
    wanted += [(unit_username(code), Role.DEPARTMENT, code, name) for code, name, *_ in DEPARTMENTS]
    existing = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in wanted])}
    shared_hash = None
    users = {}
    for username, role, unit_code, _label in wanted:
        if username in existing:
            users[username] = existing[username]
            result.users_existing.append(username)
            continue
        if shared_hash is None or role != Role.DEPARTMENT:
            user, _generated = add_user(username, role, unit_code, DEMO_PASSWORD)
            shared_hash = shared_hash or user.password
        else:
            user = User(username=username, role=role, department=Department.objects.get(code=unit_code))
            validate_password(DEMO_PASSWORD, user)
            user.full_clean(exclude=["password"])
            user.password = shared_hash
            user.save()
        users[username] = user
        result.users_created.append(username)
    return users


def ensure_city() -> tuple[CityResult, dict[str, Department], list[Leaf], dict[str, User]]:
    result = CityResult()
    with transaction.atomic():
        departments = ensure_departments(result)
        leaves = ensure_categories(result)
        users = ensure_users(result)
    return result, departments, leaves, users
