"""HTTP digest authentication for SIP (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760).

A 401 carries WWW-Authenticate and wants Authorization back; a 407 carries
Proxy-Authenticate and wants Proxy-Authorization.  We support MD5 and SHA-256
(and their -sess variants), with and without qop; when a server offers several
challenges we answer the strongest one we support, as RFC 8760 §2.4 asks.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from .message import SipMessage

_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')
_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
_PREFERENCE = ["SHA-256", "SHA-256-SESS", "MD5", "MD5-SESS"]
# Which challenge header a status code carries and which header answers it.
CHALLENGE_HEADERS = {
    401: ("WWW-Authenticate", "Authorization"),
    407: ("Proxy-Authenticate", "Proxy-Authorization"),
}


@dataclass(frozen=True)
class Challenge:
    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ()
    opaque: str | None = None
    stale: bool = False

    @classmethod
    def parse(cls, value: str) -> Challenge:
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() != "digest":
            raise ValueError(f"not a digest challenge: {value!r}")
        params = {k.lower(): _unquote(v) for k, v in _PARAM.findall(rest)}
        if "nonce" not in params:
            raise ValueError(f"digest challenge without nonce: {value!r}")
        return cls(
            realm=params.get("realm", ""),
            nonce=params["nonce"],
            algorithm=params.get("algorithm", "MD5").upper(),
            qop=tuple(q.strip().lower() for q in params.get("qop", "").split(",") if q.strip()),
            opaque=params.get("opaque"),
            stale=params.get("stale", "").lower() == "true",
        )

    @property
    def supported(self) -> bool:
        return self.algorithm in _PREFERENCE and (not self.qop or bool({"auth", "auth-int"} & set(self.qop)))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def choose_challenge(response: SipMessage) -> Challenge | None:
    """The strongest supported challenge in a 401/407, or None."""
    header = CHALLENGE_HEADERS.get(response.status or 0, (None,))[0]
    if header is None:
        return None
    challenges = []
    for value in response.get_all(header):
        try:
            challenges.append(Challenge.parse(value))
        except ValueError:
            continue
    usable = [c for c in challenges if c.supported]
    return min(usable, key=lambda c: _PREFERENCE.index(c.algorithm), default=None)


def authorization(
    challenge: Challenge,
    *,
    username: str,
    password: str,
    method: str,
    uri: str,
    body: bytes = b"",
    nonce_count: int = 1,
    cnonce: str | None = None,
) -> str:
    """The value of an Authorization / Proxy-Authorization header answering ``challenge``."""
    base = challenge.algorithm.removesuffix("-SESS")

    def digest(text: str) -> str:
        return _HASHES[base](text.encode()).hexdigest()

    qop = "auth" if "auth" in challenge.qop else ("auth-int" if challenge.qop else None)
    cnonce = cnonce or secrets.token_hex(8)
    nc = f"{nonce_count:08x}"
    ha1 = digest(f"{username}:{challenge.realm}:{password}")
    if challenge.algorithm.endswith("-SESS"):
        ha1 = digest(f"{ha1}:{challenge.nonce}:{cnonce}")
    body_hash = f":{_HASHES[base](body).hexdigest()}" if qop == "auth-int" else ""
    ha2 = digest(f"{method}:{uri}{body_hash}")
    if qop:
        response = digest(f"{ha1}:{challenge.nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    else:
        response = digest(f"{ha1}:{challenge.nonce}:{ha2}")
    parts = [
        f"username={_quote(username)}",
        f"realm={_quote(challenge.realm)}",
        f"nonce={_quote(challenge.nonce)}",
        f"uri={_quote(uri)}",
        f"response={_quote(response)}",
        f"algorithm={challenge.algorithm}",
    ]
    if challenge.opaque is not None:
        parts.append(f"opaque={_quote(challenge.opaque)}")
    if qop:
        parts += [f"qop={qop}", f"nc={nc}", f"cnonce={_quote(cnonce)}"]
    return "Digest " + ", ".join(parts)
