"""JSON in and out of the API: a stricter parser and a readable renderer."""

import json
import re
from datetime import datetime

from django.utils import timezone
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_surrogates(value) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError for a lone surrogate
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_surrogates(key)
            _refuse_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_surrogates(item)


class StrictJSONParser(Parser):
    """`json.loads`, refusing lone UTF-16 surrogates ("\\ud800").

    They are legal JSON escapes but not characters: the database driver would
    fail on them with a 500. Raising ValueError here makes them "bad JSON" (422).
    Escaped pairs (emoji from ASCII-only clients) decode to real characters and pass.
    """

    def parse_body(self, request):
        data = json.loads(request.body)
        if _SURROGATE_ESCAPE.search(request.body):  # the walk only when an escape is present
            _refuse_surrogates(data)
        return data


class _LocalTimeEncoder(NinjaJSONEncoder):
    """Times in the centre's time zone (+08:00), whether fresh or read back from the database."""

    def default(self, o):
        if isinstance(o, datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
        return super().default(o)


class Renderer(JSONRenderer):
    """Chinese as UTF-8 rather than \\uXXXX escapes, so curl output is readable."""

    encoder_class = _LocalTimeEncoder
    json_dumps_params = {"ensure_ascii": False}
