"""Markdown to safe HTML and to plain text (for the index and snippets).

Record bodies are untrusted: raw HTML is off, links are limited to safe schemes by
markdown-it's own check, and images are shown only from the archive itself; a remote
image becomes a plain link so that a testimony cannot make its reader's browser call a
third-party host.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.attrs import attrs_plugin

PROVENANCE = ("by", "accepted_by", "accepted_on")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+(?:[\s\d.,!?·]*[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+)*")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    # A coded passage's provenance (`by`, `accepted_by`, `accepted_on`) is read, never rendered.
    md.use(attrs_plugin, spans=True, allowed=["class", "term", *PROVENANCE])
    md.add_render_rule("image", _render_image)
    md.add_render_rule("text", _render_text)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("span_open", _render_span_open)
    md.add_render_rule("span_close", _render_span_close)
    md.add_render_rule("paragraph_open", _render_paragraph_open)
    md.add_render_rule("paragraph_close", _render_paragraph_close)
    return md


def _render_span_open(self, tokens, idx, options, env):
    """A coded passage shows its motives as words, not by colour alone; other spans keep
    only their class (`term` is no HTML attribute)."""
    token = tokens[idx]
    classes = (token.attrGet("class") or "").split()
    env.setdefault("spans", []).append("motive" in classes)
    if "motive" not in classes:
        return f'<span class="{escapeHtml(" ".join(classes))}">' if classes else "<span>"
    label = env.get("motive_label") or (lambda raw: raw)
    names = escapeHtml(label(token.attrGet("term") or ""))
    return (f'<span class="coded"><span class="coded-label">[{names}]</span> '
            f'<q class="coded-text">')


def _render_span_close(self, tokens, idx, options, env):
    spans = env.get("spans") or [False]
    return "</q></span>" if spans.pop() else "</span>"


def _render_paragraph_open(self, tokens, idx, options, env):
    """Each paragraph of a body gets a stable anchor, `p-1` for the first (hidden ones, in
    tight lists, an empty anchor of their own)."""
    if not env.get("anchors"):
        return self.renderToken(tokens, idx, options, env)
    env["paragraph"] = env.get("paragraph", 0) + 1
    if tokens[idx].hidden:
        return f'<span class="anchor" id="p-{env["paragraph"]}"></span>'
    return f'<p id="p-{env["paragraph"]}">'


def _render_paragraph_close(self, tokens, idx, options, env):
    if not env.get("anchors"):
        return self.renderToken(tokens, idx, options, env)
    number = env.get("paragraph", 0)
    link = (f' <a class="pilcrow" href="#p-{number}" title="Link to paragraph {number}">'
            f'<span aria-hidden="true">¶</span><span class="visually-hidden">Paragraph '
            f'{number}</span></a>')
    return link + ("" if tokens[idx].hidden else "</p>\n")


def _render_image(self, tokens, idx, options, env):
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = self.renderInlineAsText(token.children or [], options, env)
    if src.startswith(("/", "./")) and not src.startswith("//"):
        return f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}" loading="lazy">'
    label = escapeHtml(alt or "image")
    return f'<a class="remote-image" href="{escapeHtml(src)}" rel="noopener noreferrer nofollow">[image: {label}]</a>'


def _render_text(self, tokens, idx, options, env):
    text = tokens[idx].content
    if env.get("language") == "ko" or not HANGUL.search(text):
        return escapeHtml(text)
    parts, last = [], 0
    for match in HANGUL.finditer(text):
        parts.append(escapeHtml(text[last:match.start()]))
        parts.append(f'<span lang="ko">{escapeHtml(match.group(0))}</span>')
        last = match.end()
    parts.append(escapeHtml(text[last:]))
    return "".join(parts)


def _render_link_open(self, tokens, idx, options, env):
    tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    return self.renderToken(tokens, idx, options, env)


MAX_BRACKETS = 2000


def _too_costly(text: str) -> bool:
    """True for text with more brackets than Markdown can parse quickly.

    markdown-it-py spends about 33 µs on each `[` or `![`: a 1 MB body of nothing else would
    take many seconds to render. No real testimony has thousands of links, so such a text
    is shown as plain paragraphs instead.
    """
    return text.count("[") > MAX_BRACKETS


def render_markdown(text: str, language: str = "en", anchors: bool = False,
                    motive_label=None) -> str:
    """Render untrusted Markdown to HTML; Hangul in a non-Korean body is marked `lang="ko"`.

    With `anchors` (a record's body), each paragraph gets its anchor `#p-N` and a link to
    itself; `motive_label` turns a coded passage's `term` into the labels shown.
    """
    text = text or ""
    if _too_costly(text):
        parts = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
        return "".join((f'<p id="p-{number}">' if anchors else "<p>") + f"{escapeHtml(part)}</p>\n"
                       for number, part in enumerate(parts, start=1))
    return _parser().render(text, {"language": language, "anchors": anchors,
                                   "motive_label": motive_label})


# A character or line start that Markdown could read as markup; text without any is
# paragraphs of plain words, whose plain text needs no parser.
_MARKUP_CHARACTER = re.compile(r"[\\`*_\[\]{}<>!#&|~\x00-\x09\x0b-\x1f\x7f\x85]")
_MARKUP_LINE = r" {0,3}(?:[-+=]|\d{1,9}[.)])| {4}"
_FIRST_LINE_MARKUP = re.compile(_MARKUP_LINE)
# A line start found after its newline: a literal the search skips to (a search for `^`
# with MULTILINE tries every character, and took most of `plain_text`'s time).
_LATER_LINE_MARKUP = re.compile(rf"\n(?:{_MARKUP_LINE})")


def _has_markup(text: str) -> bool:
    """True when Markdown could read some of a text as markup."""
    return bool(_MARKUP_CHARACTER.search(text) or _FIRST_LINE_MARKUP.match(text)
                or _LATER_LINE_MARKUP.search(text))

_BLANK_LINE = re.compile(r"\n[ \t]*(?:\n|$)")


def plain_text(text: str) -> str:
    """Return the words of a Markdown text without its markup (for indexing and snippets)."""
    if not text:
        return ""
    if not _has_markup(text):  # most bodies: the parser would give the same, slowly
        paragraphs = (" ".join(line.strip(" \t") for line in block.split("\n")).strip()
                      for block in _BLANK_LINE.split(text))
        return _tidy("\n".join(p for p in paragraphs if p))
    return _plain_text_parsed(text)


def _plain_text_parsed(text: str) -> str:
    """`plain_text` through the Markdown parser, for text that holds markup."""
    if _too_costly(text):
        return text.strip()
    marked, _coded = _walk(text)
    return _tidy(marked.replace(_OPEN, "").replace(_CLOSE, ""))


# Marks where a coded passage opens and closes, while its plain text is made (characters
# of Unicode's private use area, taken out of the text first).
_OPEN, _CLOSE = "\ue000", "\ue001"


def _walk(text: str) -> tuple[str, list[tuple[str, int, dict]]]:
    """The words of parsed Markdown, untidied, with coded passages between `_OPEN` and
    `_CLOSE`; and each passage's `term` attribute, paragraph (from 1) and provenance
    attributes."""
    out: list[str] = []
    coded: list[tuple[str, int, dict]] = []
    paragraph = 0
    for block in _parser().parse(text):
        if block.type == "paragraph_open":
            paragraph += 1
        elif block.type == "inline":
            spans: list[bool] = []
            for child in block.children or []:
                if child.type in ("text", "code_inline", "image"):
                    out.append(child.content.replace(_OPEN, "").replace(_CLOSE, ""))
                elif child.type in ("softbreak", "hardbreak"):
                    out.append(" ")
                elif child.type == "span_open":
                    spans.append("motive" in (child.attrGet("class") or "").split())
                    if spans[-1]:
                        out.append(_OPEN)
                        coded.append((child.attrGet("term") or "", paragraph,
                                      {name: str(child.attrGet(name)) for name in PROVENANCE
                                       if child.attrGet(name) is not None}))
                elif child.type == "span_close" and spans and spans.pop():
                    out.append(_CLOSE)
        elif block.type in ("code_block", "fence"):
            out.append(block.content.replace(_OPEN, "").replace(_CLOSE, ""))
        elif block.type.endswith("_close") and block.block:
            out.append("\n")
    return "".join(out), coded


def paragraph_lines(text: str) -> list[tuple[int, int, int]]:
    """The body's paragraphs that stand at its top level (not in a list or a quote), as
    `(number, first line, line after the last)`, lines counted from 0 and paragraphs from 1
    as the anchors count them (every paragraph counts, nested ones too)."""
    found, number = [], 0
    if not text or _too_costly(text):
        return found
    for token in _parser().parse(text):
        if token.type == "paragraph_open":
            number += 1
            if token.level == 0 and token.map:
                found.append((number, token.map[0], token.map[1]))
    return found


_BLANKS = re.compile(r"[ \t]{2,}|\t")  # the runs of blanks that are not one space already
_NEWLINES = re.compile(r"\n{2,}")


def _tidy(text: str) -> str:
    """A text's runs of blanks as one space and of newlines as one newline, stripped."""
    return _collapsed(text).strip()


def _collapsed(text: str) -> str:
    """A text's runs of blanks as one space and of newlines as one newline.

    Each is searched for only where the text holds one (most plain texts hold none): a
    substitution of every space by a space was a tenth of a rebuild's reading."""
    if "  " in text or "\t" in text:
        text = _BLANKS.sub(" ", text)
    if "\n\n" in text:
        text = _NEWLINES.sub("\n", text)
    return text


def plain_passages(text: str) -> tuple[str, list[tuple[str, int, int, int, dict]]]:
    """The plain text of a Markdown body (exactly `plain_text`'s), and each coded passage
    in it as `(term attribute, start, end, paragraph, provenance)`: `plain[start:end]` is
    the passage's text, paragraphs count from 1 as the anchors do, and provenance holds
    the span's `by`, `accepted_by` and `accepted_on` where it has them."""
    if not text or "]{" not in text or _too_costly(text):
        return plain_text(text), []
    simple = _simple_passages(text)
    if simple is not None:
        return simple
    return _parsed_passages(text)


def _parsed_passages(text: str) -> tuple[str, list[tuple[str, int, int, int, dict]]]:
    """`plain_passages` through the Markdown parser, for any body."""
    marked, coded = _walk(text)
    plain = _tidy(marked.replace(_OPEN, "").replace(_CLOSE, ""))
    return plain, _offsets(marked, plain, coded) if coded else []


# A span of plain words (`[words]{attributes}`, perhaps over several lines) and, in its
# braces, a class or a quoted value.
_SIMPLE_SPAN = re.compile(r"\[([^\[\]]+)\]\{([^{}\n]*)\}")
_SIMPLE_ATTRIBUTE = re.compile(r'\.([A-Za-z0-9_-]+)|([A-Za-z0-9_-]+)="([^"\\&\n]*)"')
_SPAN_ATTRIBUTES = frozenset(("term", *PROVENANCE))


def _simple_passages(text: str) -> tuple[str, list[tuple[str, int, int, int, dict]]] | None:
    """`plain_passages` without the parser, for a body whose only markup is spans of plain
    words with plain attributes (most coded bodies); None for any other body.

    Without its spans such a body is paragraphs of plain words, which `plain_text` reads
    without the parser too, and the passages' markers stay where their words go. The
    parser gives the same (a test compares the two on random bodies).
    """
    if _OPEN in text or _CLOSE in text:
        return None
    pieces, coded, at = [], [], 0
    for span in _SIMPLE_SPAN.finditer(text):
        words, attributes = span.group(1), _simple_attributes(span.group(2))
        if attributes is None or words[0].isspace() or words[-1].isspace() \
                or ("\n" in words and _BLANK_LINE.search(words)):
            return None
        classes, values = attributes
        pieces.append(text[at:span.start()])
        if "motive" in classes:
            pieces += (_OPEN, words, _CLOSE)
            coded.append((values.get("term", ""),
                          {name: values[name] for name in PROVENANCE if name in values}))
        else:
            pieces.append(words)
        at = span.end()
    pieces.append(text[at:])
    marked = "".join(pieces)
    if _has_markup(marked.replace(_OPEN, "").replace(_CLOSE, "")):
        return None
    paragraphs, paragraph = [], 0  # each passage's: blocks of more than spaces count
    for block in _BLANK_LINE.split(marked):
        paragraph += bool(block.strip(" \n"))
        paragraphs += [paragraph] * block.count(_OPEN)
    marked_plain = plain_text(marked)  # the markers are neither space nor markup
    plain = marked_plain.replace(_OPEN, "").replace(_CLOSE, "")
    found, removed, position = [], 0, 0
    for (term, provenance), paragraph in zip(coded, paragraphs):
        opened = marked_plain.index(_OPEN, position)
        closed = marked_plain.index(_CLOSE, opened)
        position = closed + 1
        found.append((term, opened - removed, closed - removed - 1, paragraph, provenance))
        removed += 2
    return plain, found


def _simple_attributes(source: str) -> tuple[list[str], dict[str, str]] | None:
    """A span's classes and values when its braces hold only classes and quoted values
    the parser keeps, a space between each, each name once; else None."""
    classes, values, at = [], {}, 0
    while True:
        item = _SIMPLE_ATTRIBUTE.match(source, at)
        if item is None:
            return None
        if item.group(1):
            classes.append(item.group(1))
        elif item.group(2) in _SPAN_ATTRIBUTES and item.group(2) not in values:
            values[item.group(2)] = item.group(3)
        else:
            return None
        at = item.end()
        if at == len(source):
            return classes, values
        if source[at] != " ":
            return None
        at += 1


def _offsets(marked: str, plain: str, coded: list) -> list[tuple[str, int, int, int, dict]]:
    """Where each marked passage lies in the tidied plain text, trimmed of whitespace."""
    starts: dict[int, int] = {}
    found, opened, number, position = [], [], 0, 0
    ends: dict[int, int] = {}
    for char in marked:
        if char == _OPEN:
            opened.append(number)
            starts[number] = position
            number += 1
        elif char == _CLOSE and opened:
            ends[opened.pop()] = position
        else:
            position += 1
    clean = marked.replace(_OPEN, "").replace(_CLOSE, "")
    collapsed = _collapsed(clean)
    lead = len(collapsed) - len(collapsed.lstrip())

    def at(offset: int) -> int:
        return min(max(len(_collapsed(clean[:offset])) - lead, 0), len(plain))

    for index, (term, paragraph, provenance) in enumerate(coded):
        if index not in ends:
            continue
        start, end = at(starts[index]), at(ends[index])
        while start < end and plain[start].isspace():
            start += 1
        while end > start and plain[end - 1].isspace():
            end -= 1
        if end > start:
            found.append((term, start, end, paragraph, provenance))
    return found
