"""Markdown is untrusted: rendering is safe, and plain text feeds the index."""

from __future__ import annotations

from archive.rendering import plain_text, render_markdown


def test_raw_html_is_escaped_not_rendered():
    html = render_markdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_dangerous_link_schemes_are_not_links():
    html = render_markdown("[a](javascript:alert(1)) [b](data:text/html,x) [c](https://example.org/)")
    assert 'href="javascript' not in html and 'href="data' not in html
    assert '<a href="https://example.org/" rel="noopener noreferrer nofollow">c</a>' in html


def test_remote_images_become_links_and_local_images_stay():
    html = render_markdown("![pixel](https://tracker.example/p.gif) ![map](/static/map.png)")
    assert '<img src="https://tracker.example' not in html
    assert '<a class="remote-image" href="https://tracker.example/p.gif"' in html
    assert '<img src="/static/map.png" alt="map" loading="lazy">' in html


def test_hangul_in_an_english_body_is_marked_korean():
    assert render_markdown("He said 통일 is near.") == \
        '<p>He said <span lang="ko">통일</span> is near.</p>\n'
    assert render_markdown("통일", "ko") == "<p>통일</p>\n"


def test_plain_text_drops_markup_but_keeps_words():
    text = plain_text("# Title\n\nSome **bold** and [a link](https://x.org) `code`.\n\n- item")
    assert text == "Title\nSome bold and a link code.\nitem"


def test_a_body_of_thousands_of_brackets_is_not_given_to_the_markdown_parser(monkeypatch):
    """markdown-it-py needs about 33 µs per `[`: such a body is shown as plain paragraphs."""
    from archive import rendering

    def refuse():
        raise AssertionError("markdown-it-py was asked to parse a pathological body")

    monkeypatch.setattr(rendering, "_parser", refuse)
    html = render_markdown("![" * 500_000 + "<script>alert(1)</script>\n\nnext")
    assert html.startswith("<p>![![") and "&lt;script&gt;" in html and "<script>" not in html
    assert html.endswith("<p>next</p>\n")
    assert plain_text("[" * 3000) == "[" * 3000
