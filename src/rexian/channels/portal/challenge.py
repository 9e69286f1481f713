"""The portal's offline challenge: a signed arithmetic question bound to the form's token.

Each form carries one signed blob holding a random form token and an HMAC of
(token, answer); the answer itself is not in the page. The server checks the
signature, the age and the answer, and keeps no state. The form token is the
idempotency key of the submission, so a solved challenge can create at most
one order however often it is replayed: a bot needs a fresh page and a fresh
answer for every order, and the rate limits bound how many it gets.
"""

import secrets
import unicodedata
from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

SALT = "rexian.channels.portal.challenge"


class ChallengeFailed(Exception):
    pass


@dataclass(frozen=True)
class Challenge:
    token: str  # the form token: the submission's idempotency key
    question: str
    signed: str  # goes into the hidden field


def _digest(token: str, answer: int) -> str:
    return salted_hmac(SALT, f"{token}:{answer}", algorithm="sha256").hexdigest()


def _question() -> tuple[str, int]:
    kind = secrets.randbelow(3)
    if kind == 0:
        a, b = 10 + secrets.randbelow(40), 1 + secrets.randbelow(9)
        return _("%(a)d 加 %(b)d 等于多少？") % {"a": a, "b": b}, a + b
    if kind == 1:
        a, b = 10 + secrets.randbelow(40), 1 + secrets.randbelow(9)
        return _("%(a)d 减 %(b)d 等于多少？") % {"a": a, "b": b}, a - b
    a, b = 2 + secrets.randbelow(8), 2 + secrets.randbelow(8)
    return _("%(a)d 乘以 %(b)d 等于多少？") % {"a": a, "b": b}, a * b


def issue(token: str | None = None) -> Challenge:
    """A new question; `token` keeps the form token of a form shown again after an error."""
    token = token or secrets.token_urlsafe(18)
    question, answer = _question()
    signed = signing.dumps({"t": token, "d": _digest(token, answer)}, salt=SALT)
    return Challenge(token, question, signed)


def token_of(signed: str, max_age: int) -> str | None:
    """The form token inside a genuine, unexpired blob, else None."""
    try:
        return signing.loads(signed or "", salt=SALT, max_age=max_age)["t"]
    except (signing.BadSignature, KeyError, TypeError):
        return None


def verify(signed: str, answer: str, max_age: int) -> str:
    """The form token, when the blob is genuine and unexpired and the answer right."""
    try:
        data = signing.loads(signed or "", salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ChallengeFailed(_("页面停留时间过长，验证题已失效，请回答新的验证题后重新提交。")) from None
    except signing.BadSignature:
        raise ChallengeFailed(_("验证信息无效，请回答新的验证题后重新提交。")) from None
    # Full-width digits (１２) from a Chinese input method count as digits.
    text = unicodedata.normalize("NFKC", answer or "").strip()
    try:
        value = int(text)
    except ValueError:
        raise ChallengeFailed(_("请用数字回答验证题。")) from None
    if not constant_time_compare(_digest(data["t"], value), data["d"]):
        raise ChallengeFailed(_("验证题答案不正确，请重新计算。"))
    return data["t"]
