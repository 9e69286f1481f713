"""Shared fixtures: a small city and one named user per role (healthchecks' habit)."""

import os

import pytest

from rexian.accounts.models import User
from rexian.directory.models import Category, Department

CI = os.environ.get("CI") == "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_tool(path_or_name: str, reason: str):
    """Skip when a tool is missing locally; under CI=true a missing tool fails the run."""
    import shutil

    if shutil.which(path_or_name) or os.path.exists(path_or_name):
        return
    if CI:
        pytest.fail(f"{path_or_name} is required under CI=true: {reason}")
    pytest.skip(f"{path_or_name} not installed: {reason}")


@pytest.fixture
def browser():
    """Debian's headless Chromium driven by Playwright (no browser is ever downloaded).

    Playwright's sync API runs an event loop in this thread, so the ORM must be
    allowed to run here. While that loop runs, Django keeps connections per
    context rather than per thread: code after the launch gets a database
    connection of its own. Both are closed at the end (one while the loop still
    runs, one after), or PostgreSQL refuses to drop the test database.
    Request database fixtures before this one so their work happens first.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    require_tool(CHROMIUM, "browser tests drive Debian's Chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
        connections.close_all()
    connections.close_all()


@pytest.fixture
def log_in(browser, live_server):
    """log_in("alice") → a page in a fresh browser context (own cookies), logged in through the login form."""

    def open_as(username):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "correct-horse-battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return open_as


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (hot issues, for one, are cached for minutes)
    and fresh reference-data snapshots (a rolled-back test leaves no signal behind)."""
    from django.core.cache import cache

    from rexian.core.snapshot import clear_all

    cache.clear()
    clear_all()


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    """Each test its own data directory: files kept there (the overview's stored hot-issue
    survey, monitoring uploads, citizens' photos) are shared by every process, so a test
    writing one into the real directory would feed the next test orders that were rolled back."""
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose (≈0.5 s a hash); tests that check it ask for it by name."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db):
    """住建局 with a sub-unit 物业科, 城管局, and a district with a street; a 3-level category."""
    housing = Department.objects.create(code="ZJJ", name="市住建局", level="city")
    property_office = Department.objects.create(code="ZJJ-WY", name="物业科", parent=housing, level="unit")
    urban = Department.objects.create(code="CGJ", name="市城管局", level="city")
    district = Department.objects.create(code="D01", name="东城区", level="district")
    street = Department.objects.create(code="D01-S01", name="东华街道", parent=district, level="street")
    root = Category.objects.create(code="01", name="城乡建设")
    middle = Category.objects.create(code="0101", name="物业管理", parent=root)
    leaf = Category.objects.create(code="010101", name="物业服务", parent=middle)
    return {
        "housing": housing,
        "property_office": property_office,
        "urban": urban,
        "district": district,
        "street": street,
        "category": leaf,
    }


def _user(username, role, department=None):
    return User.objects.create_user(username, password="correct-horse-battery", role=role, department=department)


@pytest.fixture
def users(city):
    """alice the agent, dan the dispatcher, hank of 住建局, pete of 物业科, ulla of 城管局,
    rita the reviewer, carl the callback agent, sue the supervisor, adam the admin."""
    admin = _user("adam", "admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return {
        "agent": _user("alice", "agent"),
        "dispatcher": _user("dan", "dispatcher"),
        "housing": _user("hank", "department", city["housing"]),
        "property": _user("pete", "department", city["property_office"]),
        "urban": _user("ulla", "department", city["urban"]),
        "reviewer": _user("rita", "reviewer"),
        "callback": _user("carl", "callback"),
        "supervisor": _user("sue", "supervisor"),
        "admin": admin,
    }


@pytest.fixture
def make_order(users, city):
    from rexian.orders.services import intake

    def make(**overrides):
        data = {
            "phone": "13812345678",
            "name": "张三",
            "order_type": "complaint",
            "category": city["category"].code,
            "title": "小区电梯长期故障",
            "content": "某某小区3栋电梯坏了两周，物业不修。",
            "address": "东华街道幸福小区3栋",
        }
        data.update(overrides)
        return intake.register(users["agent"], data)

    return make
