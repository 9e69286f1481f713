"""Interface language: Chinese by default, English on request, and a complete, compiled English catalogue.

The source strings (msgids) are Chinese; src/rexian/locale/en/LC_MESSAGES/django.po holds the English,
and the compiled django.mo beside it is committed so no gettext tools are needed at run time
(docs/i18n.md). The .po is read here with a tiny parser, so these tests need no extra packages.
"""

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

import rexian

PACKAGE = Path(rexian.__file__).resolve().parent
PO_FILE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
# Apps whose templates are finished: every piece of Chinese text in them goes through the catalogue.
TRANSLATED_APPS = ["core", "accounts", "orders", "knowledge", "routing", "dashboards"]

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def parse_po(text):
    """[(flags, msgid, msgid_plural, [msgstr, ...])] for every entry, header included (msgid "")."""
    entries, entry, field = [], None, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"flags": set(), "msgid": "", "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
        else:
            keyword, value = line.split(" ", 1)
            value = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                field = int(keyword[7:-1]) if "[" in keyword else 0
                entry["msgstr"][field] = value
            else:
                field = keyword
                entry[keyword] = value
    return [
        (e["flags"], e["msgid"], e["msgid_plural"], [e["msgstr"][i] for i in sorted(e["msgstr"])]) for e in entries
    ]


@pytest.fixture(scope="module")
def catalogue():
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def placeholders(text):
    return Counter(PLACEHOLDER.findall(text))


def text_of(response):
    return response.content.decode()


def part(html, start, end):
    """The first slice of html from the start marker to the end marker, both included."""
    begin = html.index(start)
    return html[begin : html.index(end, begin) + len(end)]


# --------------------------------------------------------------------------- pages


def test_the_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "zh-hans"
    assert "登录工单系统" in text_of(response)
    assert "Log in" not in text_of(response)


def test_the_login_page_speaks_english_to_an_english_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = text_of(response)
    assert response["Content-Language"] == "en"
    assert "Log in to the work order system" in html
    assert "Username" in html and "Password" in html
    assert "登录工单系统" not in html
    assert not CJK.search(part(html, "<form", "</form>"))


def test_an_order_page_speaks_english_with_no_chinese_left_in_the_navigation(client, users, make_order):
    order = make_order()
    client.force_login(users["agent"])
    response = client.get(reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = text_of(response)
    nav = part(html, '<nav class="sidebar"', "</nav>")
    for label in ["Home", "Intake", "Work orders", "Knowledge base", "Notifications", "My to-do"]:
        assert label in nav
    assert not CJK.search(nav), CJK.findall(nav)
    # The top bar too, apart from the switch back to Chinese, which names Chinese in Chinese.
    topbar = part(html, '<header class="topbar">', "</header>").replace("简体中文", "")
    assert "Call agent" in topbar and "Log out" in topbar
    assert not CJK.search(topbar), CJK.findall(topbar)
    for heading in ["Request details", "History", "Handling deadline", "Work order no."]:
        assert heading in html
    # The data stays as entered.
    assert order.title in html


def test_an_order_page_is_chinese_by_default(client, users, make_order):
    order = make_order()
    client.force_login(users["agent"])
    html = text_of(client.get(reverse("orders:detail", args=[order.number])))
    assert "工单查询" in part(html, '<nav class="sidebar"', "</nav>")
    assert "诉求内容" in html
    assert "Work orders" not in html


def test_the_top_bar_offers_the_other_language_and_comes_back_to_the_same_page(client, users):
    client.force_login(users["agent"])
    html = text_of(client.get(reverse("orders:list")))
    switch = part(html, '<form method="post" action="%s"' % reverse("set_language"), "</form>")
    assert 'name="next" value="%s"' % reverse("orders:list") in switch
    assert 'value="en"' in switch and ">English<" in switch
    assert 'value="zh-hans"' not in switch  # the current language is not offered

    html = text_of(client.get(reverse("orders:list"), HTTP_ACCEPT_LANGUAGE="en"))
    switch = part(html, '<form method="post" action="%s"' % reverse("set_language"), "</form>")
    assert 'value="zh-hans"' in switch and ">简体中文<" in switch


def test_choosing_english_is_remembered_in_the_language_cookie(client, users):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log in to the work order system" in text_of(client.get(reverse("login")))

    client.force_login(users["agent"])
    html = text_of(client.get(reverse("home")))
    assert "Work orders" in part(html, '<nav class="sidebar"', "</nav>")

    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    assert "工单查询" in text_of(client.get(reverse("home")))


# --------------------------------------------------------------------------- catalogue


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    header = catalogue[0]
    assert header[1] == "" and "fuzzy" not in header[0]
    assert "Language: en\n" in header[3][0]
    messages = catalogue[1:]
    assert len(messages) > 500
    untranslated = [msgid for flags, msgid, plural, msgstrs in messages if not all(s.strip() for s in msgstrs)]
    assert untranslated == []
    assert [msgid for flags, msgid, plural, msgstrs in messages if "fuzzy" in flags] == []
    assert all(len(msgstrs) == 2 for flags, msgid, plural, msgstrs in messages if plural is not None)


def test_translations_keep_the_placeholders_and_markup_of_the_source(catalogue):
    mismatched = []
    for flags, msgid, plural, msgstrs in catalogue[1:]:
        for msgstr in msgstrs:
            if placeholders(msgstr) != placeholders(msgid):
                mismatched.append((msgid, msgstr))
            if Counter(TAG.findall(msgstr)) != Counter(TAG.findall(msgid)):
                mismatched.append((msgid, msgstr))
    assert mismatched == []


def test_no_chinese_is_left_in_the_english(catalogue):
    assert [(msgid, s) for _, msgid, _, msgstrs in catalogue[1:] for s in msgstrs if CJK.search(s)] == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    """The .mo is committed: after editing the .po, run compilemessages, or this fails."""
    assert MO_FILE.exists()
    stale = []
    with translation.override("en"):
        for flags, msgid, plural, msgstrs in catalogue[1:]:
            if plural is None:
                got = [translation.gettext(msgid)]
            else:
                got = [translation.ngettext(msgid, plural, 1), translation.ngettext(msgid, plural, 2)]
            if got != msgstrs:
                stale.append((msgid, got, msgstrs))
    assert stale == []


# --------------------------------------------------------------------------- templates


def untranslated_text(template):
    """Chinese left in a template once translate tags, blocktranslate blocks, comments and _("…") are removed."""
    text = template.read_text(encoding="utf-8")
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
    text = re.sub(r"{#.*?#}", "", text, flags=re.S)
    text = re.sub(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", "", text, flags=re.S)
    text = re.sub(r"{%\s*trans(?:late)?\s.*?%}", "", text)
    text = re.sub(r"""_\((?:"[^"]*"|'[^']*')\)""", "", text)
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


@pytest.mark.parametrize("app", TRANSLATED_APPS)
def test_finished_templates_mark_all_their_chinese_for_translation(app):
    templates = sorted((PACKAGE / app / "templates").rglob("*.html"))
    assert templates
    leftovers = {str(t.relative_to(PACKAGE)): untranslated_text(t) for t in templates}
    assert {name: lines for name, lines in leftovers.items() if lines} == {}
