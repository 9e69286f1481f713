"""WeChat's callback signature: sha1 of the sorted, concatenated [token, timestamp, nonce].

In 安全模式 and 兼容模式 the `msg_signature` also covers the Encrypt element:
sha1 of the sorted [token, timestamp, nonce, encrypt]; the same function signs
our encrypted replies.
"""

import hashlib
import hmac
import time


def sign(token: str, timestamp: str, nonce: str, *signed: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, *signed])).encode()).hexdigest()


def problem(token: str, signature: str | None, timestamp: str | None, nonce: str | None, max_skew: int,
            now: float | None = None, encrypt: str | None = None) -> str:
    """Why the request is not from WeChat, or "" when it is; with encrypt, signature is the msg_signature."""
    if not (signature and timestamp and nonce):
        return "missing signature"
    if not timestamp.isdigit() or len(timestamp) > 12 or len(nonce) > 64:
        return "malformed timestamp or nonce"
    if abs((now if now is not None else time.time()) - int(timestamp)) > max_skew:
        return "stale timestamp"
    expected = sign(token, timestamp, nonce) if encrypt is None else sign(token, timestamp, nonce, encrypt)
    if not hmac.compare_digest(signature.lower().encode(), expected.encode()):
        return "bad signature" if encrypt is None else "bad msg_signature"
    return ""
