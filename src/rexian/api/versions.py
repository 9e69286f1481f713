"""Optimistic concurrency: the version a client acted on, from its body or its If-Match header."""

from django.utils.translation import gettext as _

from rexian.api.errors import invalid_input


def expected_version(body_version: int | None, if_match: str | None) -> int | None:
    """`version` in the body, else the If-Match ETag ("3", W/"3"); None when the client sent neither (or *)."""
    if body_version is not None or if_match is None or if_match.strip() == "*":
        return body_version
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 18):  # 18 digits: a bigint, and int() stays cheap
        raise invalid_input(
            _('If-Match 应为 GET 返回的 ETag（版本号），例如 "3"。'), {"If-Match": [_("应为版本号。")]}
        )
    return int(tag)
