"""A throw-away Dovecot IMAP server: generated config, passwd-file user, maildir, a free port.

Runs `dovecot -F` (foreground, not a daemon) and stops it at teardown. When the
tests run as root (CI does), Dovecot refuses mail access as root and its
login processes drop to `dovenull`, so the maildir lives in a directory the
mail user (`nobody`) can reach; pytest's own temporary tree is private to root.
"""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import require_tool

DOVECOT = "/usr/sbin/dovecot"
USER = "hotline@example.cn"
PASSWORD = "imap-test-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


class Dovecot:
    def __init__(self, workdir: Path, tls: bool = False):
        self.workdir = workdir
        self.port = free_port()
        self.log = workdir / "dovecot.log"
        self.cert = None
        root = os.getuid() == 0
        if root:
            self.maildirs = Path(tempfile.mkdtemp(prefix="rexian-imap-"))
            os.chmod(self.maildirs, 0o711)
            nobody = pwd.getpwnam("nobody")
            uid, gid = nobody.pw_uid, nobody.pw_gid
            os.chown(self.maildirs, 0, 0)
            home_root = self.maildirs / "home"
            home_root.mkdir()
            os.chown(home_root, uid, gid)
            users = "default_internal_user = dovecot\ndefault_internal_group = dovecot\ndefault_login_user = dovenull\n"
            # The auth processes read the passwd file inside pytest's private tree.
            services = "service auth {\n  user = root\n}\nservice auth-worker {\n  user = root\n}\n"
        else:
            self.maildirs = None
            home_root = workdir / "home"
            home_root.mkdir()
            uid, gid = os.getuid(), os.getgid()
            me = pwd.getpwuid(uid).pw_name
            users = f"default_internal_user = {me}\ndefault_internal_group = {me}\ndefault_login_user = {me}\n"
            services = ""
        (workdir / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        ssl = "ssl = no\n"
        if tls:
            self.cert, key = self_signed_cert(workdir)
            ssl = f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{key}\n"
        (workdir / "dovecot.conf").write_text(
            f"base_dir = {workdir}/run\nstate_dir = {workdir}/state\nlog_path = {self.log}\n"
            "protocols = imap\nlisten = 127.0.0.1\n" + ssl +
            "disable_plaintext_auth = no\nauth_mechanisms = plain login\nauth_failure_delay = 0\n" + users +
            f"passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {workdir}/passwd\n}}\n"
            f"userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={home_root}/%u mail=maildir:~/Maildir\n}}\n"
            f"service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {self.port}\n  }}\n"
            "  inet_listener imaps {\n    port = 0\n  }\n}\n" + services
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(workdir / "dovecot.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                why = f"dovecot exited: {self.process.stderr.read().decode()} {self.log_text()}"
                self.stop()
                raise RuntimeError(why)
            try:
                conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
                conn.login(USER, PASSWORD)
                conn.logout()
                return
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not start: {self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        if self.maildirs is not None:
            shutil.rmtree(self.maildirs, ignore_errors=True)

    # -- a client's view of the mailbox, for delivering test mail and checking flags

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(USER, PASSWORD)
        return conn

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        conn = self.client()
        try:
            typ, data = conn.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The flags of every mail in the folder, in UID order."""
        conn = self.client()
        try:
            conn.select(f'"{folder}"', readonly=True)
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            return [entry.decode() for entry in data if entry]
        finally:
            conn.logout()

    def empty(self) -> None:
        """Delete every mail in every folder, so one server serves a whole test module."""
        conn = self.client()
        try:
            typ, folders = conn.list()
            for line in folders or []:
                name = line.decode().rsplit(' "." ', 1)[-1].strip()
                typ, exists = conn.select(name)
                if typ == "OK" and int(exists[0]):
                    conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                    conn.expunge()
        finally:
            conn.logout()

    def count(self, folder: str = "INBOX") -> int:
        conn = self.client()
        try:
            typ, data = conn.select(f'"{folder}"', readonly=True)
            return int(data[0]) if typ == "OK" else -1
        finally:
            conn.logout()


def started(start, tries: int = 3):
    """Start a server on a free port; another test process may take the port between our probe and its bind."""
    for attempt in range(tries):
        try:
            return start()
        except (RuntimeError, OSError):
            if attempt == tries - 1:
                raise


def email_settings(server: Dovecot, **overrides) -> dict:
    return {
        "IMAP_HOST": "127.0.0.1",
        "IMAP_PORT": server.port,
        "IMAP_SECURITY": "none",
        "IMAP_USER": USER,
        "IMAP_PASSWORD": PASSWORD,
        "FROM_ADDRESS": "12345@hotline.example.cn",
        "TIMEOUT": 10,
        **overrides,
    }


@pytest.fixture(scope="module")
def imap_server(tmp_path_factory):
    """One Dovecot per test module (start-up and shutdown take about a second each)."""
    require_tool(DOVECOT, "the e-mail tests read a real IMAP mailbox (Debian package dovecot-imapd)")
    server = started(lambda: Dovecot(tmp_path_factory.mktemp("dovecot")))
    yield server
    server.stop()


@pytest.fixture
def imap(imap_server):
    """The module's Dovecot with an empty mailbox."""
    imap_server.empty()
    return imap_server
