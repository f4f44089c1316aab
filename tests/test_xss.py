"""An XSS corpus in every place a person can type, rendered in headless Chromium.

Forty payloads go into titles, bodies, names, posts, countries (so facet values), tags,
summaries, source links and query strings; every page kind is loaded. No script may run
(no dialog, no marker set), no request may leave 127.0.0.1, and no `javascript:` link may
reach the page."""

from __future__ import annotations

import shutil
from urllib.parse import quote, urlsplit

import pytest

from .helpers import SAMPLE, served, write_record
from .test_browser import CHROMIUM, sync_playwright  # skips this module without Chromium

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__xss=1</script>", "<img src=x onerror=window.__xss=1>",
    "<svg onload=window.__xss=1>", "<svg><script>window.__xss=1</script></svg>",
    "<iframe src=javascript:window.__xss=1>", "<body onload=window.__xss=1>",
    "\"><script>window.__xss=1</script>", "'><img src=x onerror=window.__xss=1>",
    "\" onmouseover=\"window.__xss=1", "' autofocus onfocus='window.__xss=1",
    "javascript:window.__xss=1", "[click](javascript:window.__xss=1)",
    "[click](JaVaScRiPt:window.__xss=1)", "[click](data:text/html,<script>window.__xss=1</script>)",
    "![img](javascript:window.__xss=1)", "![x](https://evil.example/pixel.png)",
    "<a href=\"javascript:window.__xss=1\">x</a>", "<math><mtext><script>window.__xss=1</script>",
    "<details open ontoggle=window.__xss=1>", "<input autofocus onfocus=window.__xss=1>",
    "<video><source onerror=window.__xss=1>", "<object data=javascript:window.__xss=1>",
    "<embed src=javascript:window.__xss=1>", "<link rel=stylesheet href=https://evil.example/x.css>",
    "<style>@import 'https://evil.example/x.css';</style>", "<meta http-equiv=refresh content=0;url=https://evil.example>",
    "</title><script>window.__xss=1</script>", "</textarea><script>window.__xss=1</script>",
    "<!--<script>window.__xss=1</script>-->", "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;", "%3Cscript%3Ewindow.__xss=1%3C/script%3E",
    "{{7*7}}{% raw %}", "${window.__xss=1}", "<base href=https://evil.example/>",
    "<form action=https://evil.example><button>go</button></form>",
    "[x](https://evil.example/ \"title\" onclick=window.__xss=1)", "<a href=//evil.example>x</a>",
    "\u202e<script>window.__xss=1</script>", "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """An archive whose every field holds a payload, served by `archive serve --private`."""
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "testimonies"
    folder.mkdir()
    shutil.copy(SAMPLE / "vocabulary.yaml", folder / "vocabulary.yaml")
    for number, payload in enumerate(PAYLOADS):
        write_record(folder, f"payload-{number:02d}", body=f"{payload}\n\nText {payload} more.\n",
                     title=f"T {payload}"[:300], post=f"P {payload}", country=f"C {payload}",
                     name=f"N {payload}", pseudonym=True, tags=[f"t {payload}"],
                     summary=f"S {payload}", motives=["famine"],
                     sources=[{"title": f"Src {payload}", "url": "https://example.org/x"}])
    for number in range(5):  # coded passages, so that the Suggestions page shows the payloads
        write_record(folder, f"coded-{number}", motives=["famine"],
                     title=f"T {PAYLOADS[number * 7]}", body=(
                         f"[We starved in the famine of {1995 + number}]{{.motive "
                         "term=\"famine\"}}. Everyone in the village starved that year.\n"))
    with served(folder, base / "index", "--private") as url:
        yield url


def hostile_pages() -> list[str]:
    """Every page that shows a payload (a third of those that are not forms are opened in
    Korean too)."""
    pages = ["/", "/search", "/search?labels=ko", "/new", "/nowhere", "/search?q=year:abc",
             "/compare", "/compare?by=country", "/compare?by=nope", "/sitemap.xml",
             "/oai?verb=ListRecords&metadataPrefix=oai_dc", "/oai?verb=ListSets",
             f"/oai?verb={quote(PAYLOADS[0])}", "/suggestions", "/suggestions?motive=famine",
             f"/suggestions?motive=famine&done={quote(PAYLOADS[0])}"]
    for number, payload in enumerate(PAYLOADS):
        pages += [f"/t/payload-{number:02d}", f"/t/payload-{number:02d}/edit",
                  f"/search?q={quote(payload)}", f"/search?country={quote('C ' + payload)}",
                  f"/search?q={quote(payload)}&sector=civilian&motive=famine",
                  f"/compare?country={quote('C ' + payload)}&by=country",
                  f"/compare?q={quote(payload)}&by=motive"]
    return pages


PARTS = 3  # the pages in three parts, which run side by side under `pytest -n`


def test_the_pages_are_many_and_every_one_is_in_a_part():
    pages = hostile_pages()
    assert len(pages) >= 40 * 5
    assert sorted(p for part in range(PARTS) for p in pages[part::PARTS]) == sorted(pages)


@pytest.mark.parametrize("part", range(PARTS))
def test_no_payload_runs_or_calls_out_on_any_page(hostile, part):
    pages = hostile_pages()[part::PARTS]
    korean = [path for path in hostile_pages() if "/edit" not in path][::3][part::PARTS]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        page = browser.new_page()
        dialogs, requests, errors = [], [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(hostile + "/language/en")
        for path in pages + ["/language/ko?next=/"] + korean:  # then Korean pages too
            page.goto(hostile + path)
            assert page.evaluate("window.__xss === undefined"), path
            assert page.locator("a[href^='javascript:' i], [onerror], [onload], [onfocus], "
                                "[onmouseover], [ontoggle], iframe, object, embed, base, "
                                "meta[http-equiv]").count() == 0, path
        browser.close()
    hosts = {urlsplit(u).hostname for u in requests if not u.startswith(("data:", "about:"))}
    assert hosts == {"127.0.0.1"} and dialogs == [] and errors == []
