"""End to end in a real browser: Playwright driving Debian's Chromium, offline.

A scholar goes from "children's freedom" to a filtered, cited testimony in a few clicks.
Every request must stay on 127.0.0.1 and the console must stay clean. Screenshots are
saved in test-output/ for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .helpers import ROOT

CHROMIUM = "/usr/bin/chromium"
OUTPUT = ROOT / "test-output"
pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)",
                allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


class Watch:
    """Records every request and console problem of a page."""

    def __init__(self, page) -> None:
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        page.on("pageerror", lambda e: self.problems.append(str(e)))

    def check(self) -> None:
        hosts = {urlsplit(u).hostname for u in self.requests if not u.startswith("data:")}
        assert hosts == {"127.0.0.1"}, hosts
        assert self.problems == []


@pytest.fixture(params=[True, False], ids=["javascript-on", "javascript-off"])
def page(browser, request):
    context = browser.new_context(java_script_enabled=request.param,
                                  viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.watch = Watch(page)
    page.scripted = request.param
    yield page
    context.close()


def test_from_a_motive_to_a_cited_testimony(page, server):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(server + "/")
    page.get_by_label("Search the testimonies").fill("children's freedom")
    page.get_by_label("Search the testimonies").press("Enter")
    page.wait_for_url("**/search?q=children%27s+freedom")
    assert "testimonies for “children's freedom”" in page.locator("#hit-count").inner_text()
    assert page.locator("mark").count() > 0

    page.locator(".facet a", has_text="diplomatic").first.click()
    page.wait_for_url("**sector=diplomatic**")
    assert page.locator(".chosen").inner_text().startswith("Sector: diplomatic")
    page.screenshot(path=str(OUTPUT / "search-page.png"), full_page=True)

    page.locator(".chart svg a[aria-label^='2016']").click()
    page.wait_for_url("**year=2016..2016**")
    assert page.locator("#hit-count").inner_text().startswith("1 testimony")

    page.locator(".result h3 a").first.click()
    page.wait_for_url("**/t/thae-yong-ho-2016")
    assert page.locator("h1").inner_text() == \
        "Diplomat in London leaves to free his children from oppression"
    citation = page.locator("#cite .citation").inner_text()
    assert citation.startswith("Thae Yong-ho. “Diplomat in London")
    assert f"{server}/t/thae-yong-ho-2016" in citation
    page.screenshot(path=str(OUTPUT / "record-page.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX").click()
    assert download.value.suggested_filename == "thae-yong-ho-2016.bib"
    page.watch.check()


def test_phone_width_has_no_sideways_scrolling(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    watch = Watch(page)
    for path in ("/", "/search?q=freedom", "/t/mother-musan-2008"):
        page.goto(server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - "
                                 "document.documentElement.clientWidth")
        assert overflow <= 0, path
    page.goto(server + "/search?q=children")
    page.screenshot(path=str(OUTPUT / "search-page-phone.png"), full_page=True)
    watch.check()
    context.close()


def test_keyboard_reaches_the_search_box_and_the_skip_link(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/search")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    reached = []
    for _ in range(4):  # the brand, the language switch, then the search box
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    assert "q" in reached
    context.close()


def test_unknown_record_is_a_styled_404(page, server):
    response = page.goto(server + "/t/no-such-record")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""


def test_a_cell_of_the_comparison_opens_the_search_it_counts(page, server):
    page.goto(server + "/search?sector=diplomatic")
    page.get_by_role("link", name="compare these 4 testimonies").click()
    page.wait_for_url("**/compare?sector=diplomatic")
    cell = page.locator(".heatmap svg a[aria-label^=\"children's freedom, 2015-2019\"]")
    assert cell.get_attribute("aria-label").startswith(
        "children's freedom, 2015-2019: 3 of 3 testimonies (100%)")
    page.screenshot(path=str(OUTPUT / "compare-page.png"), full_page=True)
    cell.click()
    page.wait_for_url("**/search?**")
    assert page.locator("#hit-count").inner_text().startswith("3 testimonies")
    page.watch.check()


def test_the_language_switch_works_without_javascript_and_is_remembered(browser, server):
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    watch = Watch(page)
    page.goto(server + "/search?q=famine")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("nav.languages").get_by_role("link", name="한국어").click()
    page.wait_for_url("**/search?q=famine")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("#hit-count").inner_text() == "“famine” 증언 3건"
    page.screenshot(path=str(OUTPUT / "search-page-korean.png"), full_page=True)
    page.goto(server + "/t/ri-il-kyu-2023")  # remembered on the next page
    assert page.locator("#cite h2").inner_text() == "이 증언 인용하기"
    page.locator("nav.languages").get_by_role("link", name="English").click()
    page.wait_for_url("**/t/ri-il-kyu-2023")
    assert page.locator("html").get_attribute("lang") == "en"
    watch.check()
    context.close()


@pytest.fixture(scope="module")
def private_server(tmp_path_factory):
    import shutil

    from .helpers import SAMPLE, served

    base = tmp_path_factory.mktemp("private-served")
    shutil.copytree(SAMPLE, base / "testimonies")
    with served(base / "testimonies", base / "index", "--private") as url:
        yield url


def test_selecting_words_and_choosing_a_motive_codes_them(browser, private_server):
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page)
    page.goto(private_server + "/new")
    body = page.locator("#f-body")
    body.fill("We left at night. We left for the children.")
    body.evaluate("b => { b.focus(); b.setSelectionRange(21, 42); }")  # "left for the children"
    page.select_option("#code-motive", "children's freedom")
    page.get_by_role("button", name="Code selection").click()
    assert body.input_value() == \
        'We left at night. We [left for the children]{.motive term="children\'s freedom"}.'
    assert page.locator("input[name=motives][value=\"children's freedom\"]").is_checked()
    page.locator("#preview .coded-label").wait_for()
    assert page.locator("#preview .coded-label").inner_text() == "[children's freedom]"
    assert page.locator(".coding-status").inner_text() == "Coded as children's freedom."
    watch.check()
    context.close()


def test_the_transcript_follows_the_recording_and_a_cue_plays_from_its_time(page, server):
    """With script, a cue's time sets the player there and the cue being said is marked;
    without it, the link opens the page at that moment, the player's source carrying #t=."""
    OUTPUT.mkdir(exist_ok=True)
    page.goto(server + "/t/nurse-hyesan-1999")
    link = page.locator("#cue-3 a.cue-time")
    if page.scripted:
        page.evaluate("() => { const p = document.getElementById('player'); p.muted = true; }")
        link.click()
        page.wait_for_function("() => document.getElementById('player').currentTime >= 12.6")
        assert page.locator("#cue-3").get_attribute("aria-current") == "true"
        page.evaluate("() => { const p = document.getElementById('player'); p.pause();"
                      " p.currentTime = 33; p.dispatchEvent(new Event('timeupdate')); }")
        assert page.locator("#cue-6").get_attribute("class") == "current"
        assert page.locator("#cue-3").get_attribute("aria-current") is None
    else:
        link.click()
        page.wait_for_url("**/t/nurse-hyesan-1999?t=12.64#cue-3")
        assert page.locator("#player").get_attribute("src").endswith("/recording#t=12.64")
        assert page.locator("#cue-3").get_attribute("aria-current") == "true"
    assert page.locator("#cue-5").count() == 0  # the restricted cue is not there
    page.screenshot(path=str(OUTPUT / f"recording-{'script' if page.scripted else 'plain'}.png"),
                    full_page=True)
    page.watch.check()

# Accounts mode (issue 24): invitation, password, TOTP enrolment, logout, a login with
# TOTP, a researcher's search, an access request, its approval, and the record read.
@pytest.fixture(scope="module")
def accounts_server(tmp_path_factory):
    from .helpers import served
    from .web.test_accounts import build_three

    base = tmp_path_factory.mktemp("accounts-served")
    (base / "testimonies").mkdir()
    build_three(base / "testimonies")
    with served(base / "testimonies", base / "index", "--accounts", "--no-watch") as url:
        yield url, base


def _invitation(base, url, name, role):
    from click.testing import CliRunner

    from archive.cli import cli

    result = CliRunner().invoke(cli, ["--testimonies", str(base / "testimonies"), "--index",
                                      str(base / "index"), "users", "add", name, "--role", role])
    assert result.exit_code == 0, result.output
    return url + result.output.splitlines()[-1].split(":5000", 1)[1]


def test_an_invited_researcher_asks_for_a_record_and_an_archivist_approves(browser,
                                                                          accounts_server):
    import time

    import pyotp

    url, base = accounts_server
    password = "river lantern orchard 42"
    archivist = browser.new_context().new_page()
    archivist.goto(_invitation(base, url, "soyeon", "archivist"))
    archivist.get_by_label("Password", exact=True).fill(password)
    archivist.get_by_label("The same password again").fill(password)
    archivist.get_by_role("button", name="Set the password").click()
    archivist.wait_for_url("**/account")
    assert archivist.locator(".qr svg").count() == 1
    totp = pyotp.TOTP(archivist.locator("#totp-secret").inner_text())
    archivist.get_by_label("Code").fill(totp.now())
    archivist.get_by_role("button", name="Turn on the second factor").click()
    assert archivist.locator(".recovery-codes li").count() == 10
    archivist.get_by_role("button", name="Log out").click()
    archivist.goto(url + "/login")
    archivist.get_by_label("Name").fill("soyeon")
    archivist.get_by_label("Password").fill(password)
    archivist.get_by_role("button", name="Log in").click()
    archivist.wait_for_url("**/login/totp**")
    archivist.get_by_label("Code").fill(totp.at(time.time() + 30))  # the enrolment's was used
    archivist.get_by_role("button", name="Continue").click()
    archivist.wait_for_url(url + "/")

    researcher = browser.new_context().new_page()
    researcher.goto(_invitation(base, url, "minji", "researcher"))
    researcher.get_by_label("Password", exact=True).fill(password)
    researcher.get_by_label("The same password again").fill(password)
    researcher.get_by_role("button", name="Set the password").click()
    researcher.wait_for_url("**/account")
    researcher.get_by_label("Search the testimonies").fill("river")
    researcher.get_by_label("Search the testimonies").press("Enter")
    assert "researchers-account" in researcher.content()
    researcher.goto(url + "/t/closed-account")
    assert "qzarchbody" not in researcher.content()
    researcher.get_by_label("what do you need this record for?").fill("A chapter on 1990s famine.")
    researcher.get_by_role("button", name="Ask for access").click()
    researcher.wait_for_url("**/requests")
    assert "Pending since" in researcher.content()

    archivist.goto(url + "/requests")
    archivist.get_by_label("Approve until").fill("2099-01-01")
    archivist.get_by_role("button", name="Approve", exact=True).click()
    archivist.wait_for_url("**/requests")
    assert "Approved until 2099-01-01" in archivist.content()

    researcher.goto(url + "/t/closed-account")
    assert "qzarchbody" in researcher.content()
    OUTPUT.mkdir(exist_ok=True)
    researcher.screenshot(path=str(OUTPUT / "accounts-granted-record.png"), full_page=True)
