"""The `rexian` command as an operator uses it: serve, worker, user and token management."""

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.db import connection

from rexian.accounts.models import ApiToken, User
from rexian.cli import main


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


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "REXIAN_DATABASE_URL": _database_url(), "REXIAN_DATA_DIR": str(tmp_path)}
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_serve_migrates_a_fresh_install_creates_an_admin_and_serves_pages_and_static(tmp_path):
    port = _free_port()
    env = {**os.environ, "REXIAN_DATA_DIR": str(tmp_path)}
    env.pop("REXIAN_DATABASE_URL", None)  # the embedded default: a new SQLite file
    server = subprocess.Popen([sys.executable, "-m", "rexian", "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output = ""
        deadline = time.monotonic() + 90
        while "运行于" not in output and time.monotonic() < deadline:
            output += server.stdout.readline()
        assert "一次性密码" in output and (tmp_path / "rexian.sqlite3").exists()
        page = None
        while page is None and time.monotonic() < deadline:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).read().decode()
            except OSError:
                time.sleep(0.3)
        assert "登录" in page
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/rexian/rexian.css", timeout=5)
        assert css.status == 200 and b"{" in css.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
