"""WeChat's callback signature: sha1 of the sorted, concatenated [token, timestamp, nonce]."""

import hashlib
import hmac
import time


def sign(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def problem(token: str, signature: str | None, timestamp: str | None, nonce: str | None, max_skew: int,
            now: float | None = None) -> str:
    """Why the request is not from WeChat, or "" when it is."""
    if not (signature and timestamp and nonce):
        return "missing signature"
    if not timestamp.isdigit() or len(timestamp) > 12 or len(nonce) > 64:
        return "malformed timestamp or nonce"
    if abs((now if now is not None else time.time()) - int(timestamp)) > max_skew:
        return "stale timestamp"
    if not hmac.compare_digest(signature.lower().encode(), sign(token, timestamp, nonce).encode()):
        return "bad signature"
    return ""
