"""The `rexian` command as an operator uses it: serve, worker, user and token management."""

import datetime
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from rexian.accounts.models import ApiToken, User
from rexian.cli import main
from rexian.core.server import behind_proxies
from tests.processes import database_url


def test_user_add_creates_a_department_user_with_a_generated_password(city, capsys):
    assert main(["user", "add", "li.ming", "--role", "department", "--department", "ZJJ"]) == 0
    out = capsys.readouterr().out
    user = User.objects.get(username="li.ming")
    password = out.split("初始密码：")[1].strip()
    assert user.department == city["housing"] and user.check_password(password)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["user", "add", "x", "--role", "department"], "--department"),
        (["user", "add", "x", "--role", "department", "--department", "NOPE"], "NOPE"),
        (["user", "add", "x", "--role", "agent", "--password", "123"], "密码"),
    ],
)
def test_user_add_explains_what_is_wrong(city, capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not User.objects.filter(username="x").exists()


def test_token_create_prints_a_secret_that_is_stored_only_as_a_hash(users, capsys):
    assert main(["token", "create", "dan", "--name", "robot"]) == 0
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=users["dispatcher"])
    assert secret.startswith("rx_") and secret not in (token.key_hash, token.prefix)
    assert ApiToken.objects.authenticate(secret) == token


def test_worker_once_records_overdue_orders(make_order, capsys):
    order = make_order()
    order.due_at = order.created_at - datetime.timedelta(hours=1)
    order.save(update_fields=["due_at"])
    assert main(["worker", "--once"]) == 0
    assert order.events.filter(action="overdue").count() == 1


def test_the_worker_refuses_to_start_with_settings_that_cannot_work(settings, make_order, capsys):
    order = make_order()
    order.due_at = order.created_at - datetime.timedelta(hours=1)
    order.save(update_fields=["due_at"])
    settings.REXIAN_WECHAT = {**settings.REXIAN_WECHAT, "TOKEN": "t0ken", "ENCODING_AES_KEY": "too-short"}
    assert main(["worker", "--once"]) == 1
    assert "REXIAN_WECHAT_ENCODING_AES_KEY must be 43 characters" in capsys.readouterr().err
    assert not order.events.filter(action="overdue").exists()


def test_serve_refuses_to_start_with_settings_that_cannot_work(tmp_path):
    env = {**os.environ, "REXIAN_DATA_DIR": str(tmp_path), "REXIAN_WECHAT_ENCODING_AES_KEY": "too-short"}
    env.pop("REXIAN_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "rexian", "serve", "--port", str(_free_port())], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "channels.E" in done.stderr and "REXIAN_WECHAT_ENCODING_AES_KEY" in done.stderr
    assert not (tmp_path / "rexian.sqlite3").exists()  # stopped before migrating or serving


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "REXIAN_DATABASE_URL": database_url(), "REXIAN_DATA_DIR": str(tmp_path)}
    worker = subprocess.Popen([sys.executable, "-m", "rexian", "worker", "--interval", "1"], env=env,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 30
        while "worker started" not in line and time.monotonic() < deadline:
            line = worker.stderr.readline()
        assert "worker started" in line
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
        assert "worker stopped" in worker.stderr.read()
    finally:
        if worker.poll() is None:
            worker.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


def _page(url: str, deadline: float) -> str:
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5).read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _fail_login(url: str, forwarded_for: str) -> None:
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = browser.open(url, timeout=5).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "admin", "password": "wrong"}).encode()
    request = urllib.request.Request(url, data=body, headers={"X-Forwarded-For": forwarded_for, "Referer": url})
    assert "登录" in browser.open(request, timeout=10).read().decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_serve_migrates_a_fresh_install_creates_an_admin_serves_pages_and_static_and_replaces_a_dead_worker(tmp_path):
    port = _free_port()
    env = {**os.environ, "REXIAN_DATA_DIR": str(tmp_path), "REXIAN_TRUSTED_PROXIES": "127.0.0.1",
           "REXIAN_SECURE_COOKIES": "false"}  # urllib, unlike a browser, keeps Secure cookies off plain http://127.0.0.1
    env.pop("REXIAN_DATABASE_URL", None)  # the embedded default: a new SQLite file
    server = subprocess.Popen([sys.executable, "-m", "rexian", "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output = ""
        deadline = time.monotonic() + 90
        while "运行于" not in output and time.monotonic() < deadline:
            output += server.stdout.readline()
        assert "一次性密码" in output and (tmp_path / "rexian.sqlite3").exists()
        assert "登录" in _page(f"http://127.0.0.1:{port}/login/", deadline)
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/rexian/rexian.css", timeout=5)
        assert css.status == 200 and b"{" in css.read()
        # Behind a trusted proxy, the audit log records the citizen's address, not the proxy's.
        _fail_login(f"http://127.0.0.1:{port}/login/", forwarded_for="198.51.100.7")
        with sqlite3.connect(tmp_path / "rexian.sqlite3") as db:
            assert db.execute("SELECT ip FROM core_auditentry WHERE action = 'login_failed'").fetchall() == [("198.51.100.7",)]
        # A worker that dies (out of memory, a crash in a C library) is replaced, and the site stays up.
        (worker,) = _children(server.pid)
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while _children(server.pid) in ([], [worker]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _children(server.pid) not in ([], [worker])
        assert "登录" in _page(f"http://127.0.0.1:{port}/login/", deadline)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _echo_address(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()]


@pytest.mark.parametrize(
    "peer, forwarded_for, seen",
    [
        ("10.0.0.5", "198.51.100.7", "198.51.100.7 https"),  # from the proxy: the client it names
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", "198.51.100.7 https"),  # a client's own header is not believed
        ("10.0.0.5", "198.51.100.7, 10.0.0.9", "198.51.100.7 https"),  # through two proxies
        ("203.0.113.1", "198.51.100.7", "203.0.113.1 http"),  # not from a proxy: the header is ignored
    ],
)
def test_behind_proxies_takes_the_client_address_from_a_trusted_proxy_only(peer, forwarded_for, seen):
    app = behind_proxies(_echo_address, ["10.0.0.0/24"])
    environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded_for, "HTTP_X_FORWARDED_PROTO": "https",
               "wsgi.url_scheme": "http"}
    assert app(environ, lambda status, headers: None) == [seen.encode()]


def test_without_trusted_proxies_the_application_is_served_as_it_is():
    assert behind_proxies(_echo_address, []) is _echo_address
