"""What the public may see of a testimony: restricted records, withheld fields, redacted passages.

Every public output (index, pages, API, exports, citations) is made from `public_view(t)`,
never from the record itself, so the rules live here once.
"""

from __future__ import annotations

import dataclasses
import re

from .recording import Recording, audience_of, recording_view
from .testimony import Testimony

REDACTED = "[redacted]"
# A bracketed span `[text]{attrs}` (Pandoc syntax), allowing one level of nested
# brackets and backslash escapes inside the text.
_SPAN = re.compile(r"\[((?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*)\]\{([^{}\n]*)\}", re.DOTALL)
_RESTRICTED_CLASS = re.compile(r"(?:^|\s)\.restricted(?:\s|$)")
# The only fields a restricted record shows in public, as the record format allows.
_PUBLIC_OF_RESTRICTED = ("id", "title", "year", "post", "sector", "country", "motives",
                         "language", "access", "account", "path", "sha256")


def redact_passages(text: str | None) -> str | None:
    """Replace every `[...]{.restricted}` span of Markdown text with a visible mark."""
    return _redact(text)[0] if text else text


def _redact(text: str) -> tuple[str, list[str] | None]:
    """The text with restricted spans marked, and the passages they held (None when the
    whole text is withheld)."""
    passages: list[str] = []

    def replace(match: re.Match) -> str:
        if not _RESTRICTED_CLASS.search(match.group(2)):
            # Another span (a coded passage) may hold restricted ones: look inside it.
            return f"[{_SPAN.sub(replace, match.group(1))}]{{{match.group(2)}}}"
        passages.append(match.group(1))
        return REDACTED

    redacted = _SPAN.sub(replace, text)
    if ".restricted" in redacted and re.search(r"\{[^}]*\.restricted", redacted):
        # A malformed span we could not delimit: withhold the whole text rather than guess.
        return REDACTED, None
    return redacted, passages


def hidden_parts(testimony: Testimony) -> frozenset[str]:
    """What of a record the public may not see, as comparable marks: its restriction,
    each withheld field, and each redacted passage (or a whole text withheld).

    Empty when the public sees the whole record. When a correction hides nothing that was
    not hidden before, the public lost nothing and the index need not be purged of the
    earlier version.
    """
    parts = {f"withheld:{name}" for name in testimony.withhold}
    if testimony.restricted:
        parts.add("restricted")
    for name in ("title", "post", "summary", "body"):
        text = getattr(testimony, name)
        if not text:
            continue
        passages = _redact(text)[1]
        if passages is None:
            parts.add(f"whole:{name}")
        else:
            parts.update(f"passage:{name}:{passage}" for passage in passages)
    if testimony.media is not None:
        public = audience_of(private=False)
        parts.update(f"cue:{cue.start}:{cue.text}" for cue in testimony.media.cues
                     if cue.hidden_from(public))
        parts.update(f"range:{start}:{end}" for start, end in testimony.media.restricted)
    return frozenset(parts)


def public_view(testimony: Testimony) -> Testimony:
    """Return the testimony as the public may see it."""
    if testimony.restricted:
        kept = {name: getattr(testimony, name) for name in _PUBLIC_OF_RESTRICTED}
        kept["title"] = redact_passages(kept["title"])
        kept["post"] = redact_passages(kept["post"])
        return Testimony(**kept)
    defaults = {f.name: f.default for f in dataclasses.fields(Testimony)}
    withheld = {name: defaults[name] for name in testimony.withhold}
    return dataclasses.replace(
        testimony,
        title=redact_passages(testimony.title),
        post=redact_passages(testimony.post),
        summary=redact_passages(testimony.summary),
        body=redact_passages(testimony.body),
        media=_public_recording(testimony.media),
        extra=(),
        **withheld,
    )


def _public_recording(recording: Recording | None) -> Recording | None:
    """The recording as the public may read it: hidden cues out, segment texts redacted."""
    if recording is None:
        return None
    view = recording_view(recording, audience_of(private=False))
    segments = tuple(dataclasses.replace(s, title=redact_passages(s.title),
                                         synopsis=redact_passages(s.synopsis))
                     for s in view.segments)
    return dataclasses.replace(view, segments=segments)


def visible(testimony: Testimony, private: bool) -> Testimony:
    """The view of a testimony for a mode: everything in private mode, else the public view."""
    return testimony if private else public_view(testimony)
