"""Open311 api_keys: issued by the CLI or the admin, shown once, stored only as a hash."""

import argparse
import hashlib

from rexian.channels import open311_cli
from rexian.channels.models import Open311Key


def run(argv, capsys):
    """The module's sub-commands on a parser of their own, as `rexian.cli` mounts them."""
    parser = argparse.ArgumentParser(prog="rexian")
    open311_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.func(args)
    return code, capsys.readouterr()


def test_it_creates_a_key_and_prints_it_once(db, capsys):
    code, out = run(["open311", "key", "create", "城市服务 App", "--contact", "王工 0571-88888888"], capsys)
    secret = out.out.strip()
    assert code == 0 and secret.startswith("o311_")
    key = Open311Key.objects.get()
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest() and secret.split("_")[1] == key.prefix
    assert secret not in str([getattr(key, field.attname) for field in Open311Key._meta.fields])
    assert Open311Key.objects.authenticate(secret) == key and Open311Key.objects.authenticate(secret + "x") is None


def test_it_lists_and_revokes_keys(db, capsys):
    key, _secret = Open311Key.issue("App")
    code, out = run(["open311", "key", "list"], capsys)
    assert code == 0 and key.prefix in out.out and "有效" in out.out
    code, out = run(["open311", "key", "revoke", key.prefix], capsys)
    key.refresh_from_db()
    assert code == 0 and key.revoked_at is not None
    code, out = run(["open311", "key", "revoke", key.prefix], capsys)
    assert code == 2 and "没有前缀" in out.err


def test_the_admin_shows_a_new_key_once_and_keeps_its_hash(client, users):
    client.force_login(users["admin"])
    response = client.post("/admin/channels/open311key/add/", {"name": "合作平台", "contact": "李工"})
    page = response.content.decode()
    key = Open311Key.objects.get()
    secret = next(word for word in page.replace("<", " ").replace(">", " ").split() if word.startswith("o311_"))
    assert response.status_code == 200 and "唯一一次显示" in page
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    change = client.get(f"/admin/channels/open311key/{key.pk}/change/").content.decode()
    assert secret not in change and key.prefix in change


def test_the_admin_revokes_keys(client, users):
    key, _secret = Open311Key.issue("App")
    client.force_login(users["admin"])
    client.post("/admin/channels/open311key/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_issuing_and_revoking_keys_is_audited(db, capsys):
    from rexian.core.models import AuditEntry

    run(["open311", "key", "create", "App"], capsys)
    key = Open311Key.objects.get()
    run(["open311", "key", "revoke", key.prefix], capsys)
    summaries = list(AuditEntry.objects.filter(action="token", via="cli").values_list("summary", flat=True))
    assert any("创建 Open311 密钥" in s for s in summaries) and any("吊销 Open311 密钥" in s for s in summaries)
