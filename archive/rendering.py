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

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+(?:[\s\d.,!?·]*[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+)*")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.use(attrs_plugin, spans=True, allowed=["class"])
    md.add_render_rule("image", _render_image)
    md.add_render_rule("text", _render_text)
    md.add_render_rule("link_open", _render_link_open)
    return md


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


def render_markdown(text: str, language: str = "en") -> str:
    """Render untrusted Markdown to HTML; Hangul in a non-Korean body is marked `lang="ko"`."""
    text = text or ""
    if _too_costly(text):
        return "".join(f"<p>{escapeHtml(part.strip())}</p>\n"
                       for part in re.split(r"\n\s*\n", text) if part.strip())
    return _parser().render(text, {"language": language})


# A character or line start that Markdown could read as markup; text without any is
# paragraphs of plain words, whose plain text needs no parser.
_MARKUP = re.compile(r"[\\`*_\[\]{}<>!#&|~\x00-\x09\x0b-\x1f\x7f\x85]"
                     r"|^ {0,3}(?:[-+=]|\d{1,9}[.)])|^ {4}", re.MULTILINE)
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\n|$)")


def plain_text(text: str) -> str:
    """Return the words of a Markdown text without its markup (for indexing and snippets)."""
    if not text:
        return ""
    if not _MARKUP.search(text):  # most bodies: the parser would give the same, slowly
        paragraphs = (" ".join(line.strip(" \t") for line in block.split("\n")).strip()
                      for block in _BLANK_LINE.split(text))
        return _tidy("\n".join(p for p in paragraphs if p))
    return _plain_text_parsed(text)


def _plain_text_parsed(text: str) -> str:
    """`plain_text` through the Markdown parser, for text that holds markup."""
    if _too_costly(text):
        return text.strip()
    out: list[str] = []
    for block in _parser().parse(text):
        if block.type in ("inline",):
            for child in block.children or []:
                if child.type in ("text", "code_inline"):
                    out.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    out.append(" ")
                elif child.type == "image":
                    out.append(child.content)
        elif block.type in ("code_block", "fence"):
            out.append(block.content)
        elif block.type.endswith("_close") and block.block:
            out.append("\n")
    return _tidy("".join(out))


def _tidy(text: str) -> str:
    return re.sub(r"\n{2,}", "\n", re.sub(r"[ \t]+", " ", text)).strip()
