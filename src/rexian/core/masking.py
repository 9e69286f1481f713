"""Masking citizens' personal data for people who do not need to see it."""

import re
import unicodedata

MASK = "保密"


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and the last four digits."""
    digits = phone or ""
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str) -> str:
    """张** : keep the family name only."""
    return (name[:1] + "*" * (len(name) - 1)) if name else ""


def mask_id_number(id_number: str) -> str:
    if not id_number:
        return ""
    return f"{id_number[:4]}{'*' * max(len(id_number) - 8, 0)}{id_number[-4:]}"


_PHONE_RE = re.compile(r"[^0-9+]")


def normalize_phone(raw: str) -> str:
    """ASCII digits only (a leading + kept), so 138-1234-5678, １３８１２３４５６７８ (full width,
    as some input methods type it) and 13812345678 find the same citizen."""
    phone = _PHONE_RE.sub("", unicodedata.normalize("NFKC", raw or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    return phone
