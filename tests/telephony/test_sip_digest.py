"""Digest answers checked against the published test vectors."""

import hashlib

import pytest

from rexian.telephony.sip.digest import Challenge, authorization, choose_challenge
from rexian.telephony.sip.message import SipMessage


def _param(header: str, name: str) -> str:
    for part in header.removeprefix("Digest ").split(", "):
        key, _, value = part.partition("=")
        if key == name:
            return value.strip('"')
    raise KeyError(name)


def test_rfc2617_md5_qop_auth_vector():
    challenge = Challenge.parse(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    header = authorization(challenge, username="Mufasa", password="Circle Of Life", method="GET",
                           uri="/dir/index.html", cnonce="0a4f113b")
    assert _param(header, "response") == "6629fae49393a05397450978507c4ef1"
    assert (_param(header, "qop"), _param(header, "nc"), _param(header, "opaque")) == (
        "auth", "00000001", "5ccc069c403ebaf9f0171e9517f40e41")


@pytest.mark.parametrize(
    "algorithm, expected",
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_vectors(algorithm, expected):
    challenge = Challenge.parse(
        f'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
        'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )
    header = authorization(challenge, username="Mufasa", password="Circle of Life", method="GET",
                           uri="/dir/index.html", cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
    assert _param(header, "response") == expected
    assert f"algorithm={algorithm}" in header


def test_without_qop_uses_rfc2069_form_and_counts_nonce_uses():
    challenge = Challenge.parse('Digest realm="r", nonce="n"')
    header = authorization(challenge, username="u", password="p", method="INVITE", uri="sip:1@h")

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    assert _param(header, "response") == md5(f"{md5('u:r:p')}:n:{md5('INVITE:sip:1@h')}")
    assert "qop=" not in header and "cnonce" not in header
    with_qop = Challenge.parse('Digest realm="r", nonce="n", qop="auth"')
    third_use = authorization(with_qop, username="u", password="p", method="BYE", uri="x", nonce_count=3)
    assert _param(third_use, "nc") == "00000003"


def test_auth_int_and_sess_variants_hash_body_and_cnonce():
    challenge = Challenge.parse('Digest realm="r", nonce="n", qop="auth-int", algorithm=MD5-sess')
    header = authorization(
        challenge, username="u", password="p", method="INVITE", uri="sip:1@h", body=b"v=0", cnonce="c"
    )

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1 = md5(f"{md5('u:r:p')}:n:c")
    ha2 = md5(f"INVITE:sip:1@h:{hashlib.md5(b'v=0').hexdigest()}")
    assert _param(header, "response") == md5(f"{ha1}:n:00000001:c:auth-int:{ha2}")


def test_strongest_supported_challenge_wins():
    response = SipMessage(status=401, reason="Unauthorized")
    response.add("WWW-Authenticate", 'Digest realm="r", nonce="a", algorithm=MD5, qop="auth"')
    response.add("WWW-Authenticate", 'Digest realm="r", nonce="b", algorithm=SHA-256, qop="auth"')
    response.add("WWW-Authenticate", 'Digest realm="r", nonce="c", algorithm=SHA-512-256, qop="auth"')
    response.add("WWW-Authenticate", 'Basic realm="r"')
    assert choose_challenge(response).nonce == "b"
    proxy = SipMessage(status=407, reason="Proxy Authentication Required")
    proxy.add("Proxy-Authenticate", 'Digest realm="r", nonce="s", stale=TRUE')
    assert choose_challenge(proxy).stale is True
    assert choose_challenge(SipMessage(status=403, reason="Forbidden")) is None
