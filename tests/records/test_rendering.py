"""Markdown is untrusted: rendering is safe, and plain text feeds the index."""

from __future__ import annotations

import random

import pytest

from archive.records.rendering import (_parsed_passages, _plain_text_parsed, _simple_passages,
                                       plain_passages, plain_text, render_markdown)


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
    from archive.records import rendering

    def refuse():
        raise AssertionError("markdown-it-py was asked to parse a pathological body")

    monkeypatch.setattr(rendering, "_parser", refuse)
    html = render_markdown("![" * 500_000 + "<script>alert(1)</script>\n\nnext")
    assert html.startswith("<p>![![") and "&lt;script&gt;" in html and "<script>" not in html
    assert html.endswith("<p>next</p>\n")
    assert plain_text("[" * 3000) == "[" * 3000


PIECES = list("ab z  \n\n\t-+=1.)*_[]{}#>!<&|~`\\'\"?,:;") + [
    "자유", "   ", "    ", "\r", "\u00a0", "\u2028", "\u2029", "\x0c", "\x85", "\u3000", "1990."]


@pytest.mark.long
@pytest.mark.parametrize("seed", range(5))
def test_plain_text_without_the_parser_is_what_the_parser_gives(seed):
    """Text without markup skips markdown-it; on any text the two must agree."""
    rng = random.Random(seed)
    for _ in range(20000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        assert plain_text(text) == _plain_text_parsed(text), repr(text)


def test_plain_paragraphs_skip_the_parser(monkeypatch):
    import archive.records.rendering as rendering
    monkeypatch.setattr(rendering, "_parser", lambda: pytest.fail("the parser was used"))
    assert plain_text("  First line\nsecond  line.\n\n  \nSecond paragraph, 1990. ") == \
        "First line second line.\nSecond paragraph, 1990."


# Coded spans, plain and odd: the odd ones (an id, a bare value, a doubled name, no space
# between attributes, a name the parser drops, a class it reads differently) take the parser.
SPANS = ['[{}]{{.motive term="famine"}}', '[{}]{{.restricted}}', '[{}]{{.motive .restricted term="x"}}',
         '[{}]{{.motive term="a; b" by="suggested" accepted_by="ana" accepted_on="2026-01-02"}}',
         '[{}]{{ .motive term="x"}}', '[{}]{{.motive term=x}}', '[{}]{{.motive term="x" term="y"}}',
         '[{}]{{#id .motive term="q"}}', '[{}]{{.motive  term="q"}}', '[{}]{{.motive term="q&amp;"}}',
         '[{}]{{.motive term="x"}}{{.y}}', '[{}]{{.motive term="x" other="z"}}',
         '[{}]{{.motive.x term="x"}}', '[{}]{{}}', '[{}]{{.자유 term="x"}}', '[{}]{{.motive term="x"']
PLAIN = ["word", " ", "\n", "\n\n", "words here", "1990", "자유를", "  \n", "\n   \n", "\n    "]


@pytest.mark.long
@pytest.mark.parametrize("seed", range(4))
def test_coded_passages_without_the_parser_are_what_the_parser_gives(seed):
    """A body whose only markup is spans of plain words skips markdown-it; wherever it
    does, the two must agree, passages, paragraphs and provenance alike."""
    rng, simple = random.Random(seed), 0
    for _ in range(30000):
        odd = rng.choice([0.0, 0.03, 0.3])
        parts = []
        for _ in range(rng.randint(1, 12)):
            pool = PIECES if rng.random() < odd else PLAIN
            if rng.random() < 0.3:
                inner = "".join(rng.choice(pool) for _ in range(rng.randint(1, 4)))
                parts.append(rng.choice(SPANS).format(inner))
            else:
                parts.append(rng.choice(pool))
        text = "".join(parts)
        found = _simple_passages(text)
        if found is not None:
            simple += 1
            assert found == _parsed_passages(text), repr(text)
    assert simple > 3000


def test_a_body_coded_in_plain_spans_skips_the_parser(monkeypatch):
    import archive.records.rendering as rendering
    monkeypatch.setattr(rendering, "_parser", lambda: pytest.fail("the parser was used"))
    body = ('We crossed at night.\n\n\u00a0\n\nThen  [we  left for the\nsake of our children]'
            '{.motive term="children\'s freedom" by="suggested" accepted_by="ana"} and '
            '[never]{.restricted} [went back]{.motive term="famine"}.\n')
    plain, found = plain_passages(body)
    assert plain == ("We crossed at night.\nThen we left for the sake of our children and never "
                     "went back.")  # the parser counts the no-break space as a paragraph
    assert [(plain[start:end], term, paragraph, provenance)
            for term, start, end, paragraph, provenance in found] == [
        ("we left for the sake of our children", "children's freedom", 3,
         {"by": "suggested", "accepted_by": "ana"}),
        ("went back", "famine", 3, {})]
