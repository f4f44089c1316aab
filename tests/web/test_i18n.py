"""The interface in Korean and English: every string translated, the switch remembered,
the browser's language followed, and numbers written as each language writes them."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from archive import create_app
from archive.settings import load_settings
from archive.web.i18n import COOKIE

from ..helpers import ROOT, SAMPLE

CATALOG = ROOT / "archive" / "translations" / "ko" / "LC_MESSAGES" / "messages.po"
METHODS = [("archive/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def shown_strings(root: Path) -> dict:
    """Every string a template or a route shows, by msgid, with where it is."""
    found = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(root), METHODS, keywords=KEYWORDS):
        found.setdefault(message if isinstance(message, str) else tuple(message), filename)
    return found


def missing_translations(root: Path, catalog_path: Path = CATALOG) -> list[str]:
    """The strings of a tree that the Korean catalog does not translate."""
    with catalog_path.open("rb") as text:
        catalog = read_po(text)
    missing = []
    for message, where in shown_strings(root).items():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        translated = entry is not None and not entry.fuzzy and all(
            entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if not translated:
            missing.append(f"{where}: {key}")
    return missing


def test_every_string_shown_is_in_the_korean_catalog():
    assert missing_translations(ROOT) == []


def test_the_check_fails_on_a_planted_string(tmp_path):
    """The test above can fail: a string added to a template without a translation."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "archive").mkdir()
    (tmp_path / "templates" / "planted.html").write_text(
        '<p>{{ _("A planted string no one translated") }}</p>\n', encoding="utf-8")
    assert missing_translations(tmp_path) == \
        ["templates/planted.html: A planted string no one translated"]


@pytest.fixture
def korean(app):
    client = app.test_client()
    client.set_cookie(COOKIE, "ko")
    return client


def english_strings() -> list[str]:
    """The English of the catalog's whole sentences and labels, as a page would show them."""
    with CATALOG.open("rb") as text:
        catalog = read_po(text)
    strings = []
    for message in catalog:
        for english in (message.id if isinstance(message.id, tuple) else (message.id,)):
            plain = re.sub(r"<[^>]+>", "", english)
            if "%(" not in plain and len(plain) >= 12 and plain.strip() == plain:
                strings.append(plain)
    return strings


PAGES = ["/", "/search", "/search?q=famine", "/search?q=zzzzqq", "/search?q=year:abc",
         "/search?motive=children%27s+freedom", "/t/ri-il-kyu-2023", "/t/witness-0457",
         "/t/embassy-driver-2019", "/compare", "/compare?by=motive", "/compare?by=nope",
         "/nowhere", "/t/no-such-record"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_korean_with_no_untranslated_string(korean, path):
    response = korean.get(path)
    html = unescape(response.get_data(as_text=True))
    assert '<html lang="ko">' in html
    visible = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    left = [text for text in english_strings() if text in visible]
    assert left == [], path


def test_the_archivist_s_form_renders_in_korean(sample):
    client = create_app({"TESTING": True, "PRIVATE": True, "TESTIMONIES": str(sample.testimonies),
                         "INDEX": str(sample.index)}).test_client()
    client.set_cookie(COOKIE, "ko")
    for path in ("/new", "/t/ri-il-kyu-2023/edit"):
        html = unescape(client.get(path).get_data(as_text=True))
        visible = re.sub(r"<[^>]+>", " ", html)
        assert "저장" in visible and [t for t in english_strings() if t in visible] == [], path


def test_every_page_still_renders_in_english(client):
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert '<html lang="en">' in html, path


def test_the_switch_is_remembered_and_goes_back_to_the_page(client):
    response = client.get("/language/ko?next=/search%3Fq%3Dfamine")
    assert response.status_code == 303 and response.headers["Location"] == "/search?q=famine"
    assert f"{COOKIE}=ko" in response.headers["Set-Cookie"]
    page = client.get("/search?q=famine").get_data(as_text=True)
    assert "“famine” 증언 3건" in page
    assert client.get("/language/en?next=/").status_code == 303
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_the_switch_never_sends_a_reader_elsewhere(client):
    for target in ("https://example.org/", "//example.org/", "javascript:alert(1)"):
        response = client.get("/language/ko", query_string={"next": target})
        assert response.headers["Location"] == "/"
    assert client.get("/language/fr").status_code == 404


def test_every_page_has_the_switch(client):
    for path in ("/", "/search", "/t/ri-il-kyu-2023", "/compare", "/nowhere"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r'<a lang="ko" hreflang="ko" href="/language/ko\?next=[^"]+">한국어</a>',
                         html), path


def test_without_a_choice_the_browser_s_language_is_followed(client):
    page = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert '<html lang="ko">' in page.get_data(as_text=True)
    page = client.get("/", headers={"Accept-Language": "fr-FR,en;q=0.5"})
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_the_archive_s_default_language_serves_a_browser_that_says_nothing(sample, tmp_path):
    (tmp_path / "archive.toml").write_text('language = "ko"\n', encoding="utf-8")
    app = create_app({"TESTING": True, "TESTIMONIES": str(sample.testimonies),
                      "INDEX": str(sample.index), "SETTINGS": load_settings(tmp_path)})
    assert '<html lang="ko">' in app.test_client().get("/").get_data(as_text=True)


def test_numbers_and_dates_follow_the_language(app):
    from flask_babel import force_locale

    from archive.web.i18n import number

    with app.test_request_context("/"):
        with force_locale("en"):
            assert number(34000) == "34,000"
        with force_locale("ko"):
            assert number(34000) == "34,000"  # Korean groups by thousands too
    page = app.test_client().get("/t/ri-il-kyu-2023", headers={"Accept-Language": "ko"})
    assert "Archive editors, 2026년 11월 26일" in page.get_data(as_text=True)
    page = app.test_client().get("/t/ri-il-kyu-2023")
    assert "Archive editors on November 26, 2026" in page.get_data(as_text=True)


@pytest.mark.parametrize("raw, korean_message", [
    (b"---\ntitle: [unclosed\n---\n", "YAML을 읽을 수 없습니다: "),
    (b"---\n- a list\n---\n", "'필드: 값' 줄로 된 매핑이어야 하는데 목록입니다"),
    (b"---\ntitle: A\ntitle: B\n---\n", "머리말에 두 번 나옵니다"),
    (b"title: no fence\n", "파일은 '---' 줄로 시작해야 하는데"),
    (b"\xff\xfe", "UTF-8이 아닙니다"),
])
def test_a_record_file_s_problems_are_said_in_korean_on_a_korean_page(app, raw, korean_message):
    from flask_babel import force_locale

    from archive.records.testimony import parse_testimony
    from archive.records.vocabulary import load_vocabulary

    vocabulary = load_vocabulary(SAMPLE / "vocabulary.yaml")
    with app.test_request_context("/"), force_locale("ko"):
        _, problems = parse_testimony(raw, "broken", vocabulary, "broken.md")
    assert any(korean_message in problem.message for problem in problems), problems
    _, problems = parse_testimony(raw, "broken", vocabulary, "broken.md")  # no request: English
    assert not any(re.search(r"[가-힣]", problem.message) for problem in problems)


def test_motives_and_facet_values_are_shown_in_korean(korean):
    html = korean.get("/search?sector=diplomatic").get_data(as_text=True)
    assert ">자녀의 자유</a>" in html and ">외교</a>" in html and "분야: 외교" in html


def test_the_form_s_problems_and_search_errors_are_said_in_korean(sample, korean):
    import re as re_

    client = create_app({"TESTING": True, "PRIVATE": True, "TESTIMONIES": str(sample.testimonies),
                         "INDEX": str(sample.index)}).test_client()
    client.set_cookie(COOKIE, "ko")
    token = re_.search(r'name="csrf_token" value="([^"]+)"',
                       client.get("/new").get_data(as_text=True)).group(1)
    page = client.post("/new", data={"csrf_token": token, "title": "A clerk", "year": "soon",
                                     "post": "Clerk", "sector": "trade", "action": "save",
                                     "body": "[words]{.motive term=\"famine\"}"})
    html = unescape(page.get_data(as_text=True))
    assert "2019 같은 연도여야 하는데 'soon'입니다" in html
    data = korean.get("/api/search?q=year:abc").get_json()
    assert data["error"].startswith("검색어의 잘못된 연도 'abc'")
    english = create_app({"TESTING": True, "TESTIMONIES": str(sample.testimonies),
                          "INDEX": str(sample.index)}).test_client()
    assert english.get("/api/search?q=year:abc").get_json()["error"].startswith(
        "invalid year 'abc' in the query")
