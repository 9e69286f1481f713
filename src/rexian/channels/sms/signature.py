"""The webhook signature: HMAC-SHA256 over `timestamp + "." + body` with the shared secret.

The provider sends `X-Rexian-Timestamp` (Unix seconds) and `X-Rexian-Signature`
(hex digest, optionally prefixed `sha256=`). A timestamp more than five minutes
off is refused, so a captured request cannot be replayed later; within the
window a replay is harmless anyway (the message id makes it a no-op).
"""

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Rexian-Timestamp"
SIGNATURE_HEADER = "X-Rexian-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def problem(secret: str, timestamp: str | None, signature: str | None, body: bytes, max_skew: int,
            now: float | None = None) -> str:
    """Why this request is not authentic, or "" when it is."""
    if not timestamp or not signature:
        return "missing signature"
    if not timestamp.isdigit() or len(timestamp) > 12:
        return "malformed timestamp"
    if abs((now if now is not None else time.time()) - int(timestamp)) > max_skew:
        return "stale timestamp"
    given = signature.strip().removeprefix("sha256=").lower()
    if not hmac.compare_digest(given.encode(), sign(secret, timestamp, body).encode()):
        return "bad signature"
    return ""
