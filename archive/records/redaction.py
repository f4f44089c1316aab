"""What each audience may see of a testimony: closed records, embargoes, withheld fields and
redacted passages.

Three audiences, each seeing strictly more than the one before: the public (anyone),
researchers (accounts the archivist invited) and archivists. A record's `access` names the
lowest audience that may read it, and an `embargo_until` day closes it to all but
archivists until then. Every output made for an audience (the index, pages, the API,
exports, citations, suggestions) is made from `view_for(t, audience, today)`, never from
the record itself, so the rules live here once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re

from .recording import Recording, recording_view
from .testimony import Testimony

AUDIENCES = ("public", "researchers", "archivists")
REDACTED = "[redacted]"
# A bracketed span `[text]{attrs}` (Pandoc syntax), allowing one level of nested
# brackets and backslash escapes inside the text.
_SPAN = re.compile(r"\[((?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*)\]\{([^{}\n]*)\}", re.DOTALL)
# The classes of a span that hide it, and the lowest audience each lets read it.
_SPAN_AUDIENCE = {"researchers": "researchers", "restricted": "archivists"}
_HIDING_CLASS = re.compile(r"(?:^|\s)\.(restricted|researchers)(?=\s|$)")
# The only fields a record shows to an audience it is closed to, as the record format
# allows (with the file's own bookkeeping).
CATALOGUE_FIELDS = ("id", "title", "year", "post", "sector", "country", "motives",
                    "language", "access", "embargo_until", "account", "path", "sha256")


def may_read(audience: str, needed: str) -> bool:
    """True when `audience` sees at least what `needed` sees."""
    return AUDIENCES.index(audience) >= AUDIENCES.index(needed)


def span_audience(classes) -> str:
    """The lowest audience that may read the words of a span with these classes (`public`
    for a span that hides nothing, such as a coded passage)."""
    needed = [_SPAN_AUDIENCE[name] for name in classes if name in _SPAN_AUDIENCE]
    return max(needed, key=AUDIENCES.index, default="public")


def record_audience(testimony: Testimony, today: dt.date | None = None) -> str:
    """The lowest audience that may read a record on a day: archivists until its embargo
    lapses, then the audience its `access` names."""
    if testimony.embargo_until and (today or dt.date.today()).isoformat() < \
            testimony.embargo_until:
        return "archivists"
    return testimony.audience


def redact_passages(text: str | None, audience: str = "public") -> str | None:
    """Replace every span of Markdown text that `audience` may not read with a mark."""
    return _redact(text, audience)[0] if text else text


@functools.lru_cache(maxsize=64)
def _redact(text: str, audience: str) -> tuple[str, tuple[str, ...] | None]:
    """The text with the spans above an audience marked, and the passages they held (None
    when the whole text is withheld). Kept for the last few texts: a record's views ask
    for each of its texts twice (`hidden_parts`, then `view_for`)."""
    if audience == "archivists":
        return text, ()
    passages: list[str] = []

    def replace(match: re.Match) -> str:
        if not any(not may_read(audience, _SPAN_AUDIENCE[name])
                   for name in _HIDING_CLASS.findall(match.group(2))):
            # Another span (a coded passage, one the audience may read) may hold hidden
            # ones: look inside it.
            return f"[{_SPAN.sub(replace, match.group(1))}]{{{match.group(2)}}}"
        passages.append(match.group(1))
        return REDACTED

    redacted = _SPAN.sub(replace, text)
    hidden = [name for name, needed in _SPAN_AUDIENCE.items() if not may_read(audience, needed)]
    if any(re.search(r"\{[^}]*\." + name, redacted) for name in hidden):
        # A malformed span we could not delimit: withhold the whole text rather than guess.
        return REDACTED, None
    return redacted, tuple(passages)


def withheld_from(testimony: Testimony, audience: str) -> tuple[str, ...]:
    """The withheld fields an audience may not see: all of them for the public, those not
    named in `researchers_see` for researchers, none for archivists."""
    if audience == "archivists":
        return ()
    shown = set(testimony.researchers_see) if audience == "researchers" else set()
    return tuple(name for name in testimony.withhold if name not in shown)


def hidden_parts(testimony: Testimony, audience: str = "public",
                 today: dt.date | None = None) -> frozenset[str]:
    """What of a record an audience may not see, as comparable marks: the record closed to
    it, each withheld field, and each redacted passage (or a whole text withheld).

    Empty when the audience sees the whole record. When a correction hides nothing that was
    not hidden before, the audience lost nothing and its index need not be purged of the
    earlier version.
    """
    parts = {f"withheld:{name}" for name in withheld_from(testimony, audience)}
    if not may_read(audience, record_audience(testimony, today)):
        parts.add("closed")
    for name in ("title", "post", "summary", "body"):
        text = getattr(testimony, name)
        if not text:
            continue
        passages = _redact(text, audience)[1]
        if passages is None:
            parts.add(f"whole:{name}")
        else:
            parts.update(f"passage:{name}:{passage}" for passage in passages)
    if testimony.media is not None and audience != "archivists":
        parts.update(f"cue:{cue.start}:{cue.text}" for cue in testimony.media.cues
                     if cue.hidden_from(audience))
        parts.update(f"range:{start}:{end}" for start, end in testimony.media.restricted)
    return frozenset(parts)


def view_for(testimony: Testimony, audience: str, today: dt.date | None = None) -> Testimony:
    """The testimony as an audience may see it on a day."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; expected one of {AUDIENCES}")
    if audience == "archivists":
        return testimony
    if not may_read(audience, record_audience(testimony, today)):
        kept = {name: getattr(testimony, name) for name in CATALOGUE_FIELDS}
        kept["title"] = redact_passages(kept["title"], audience)
        kept["post"] = redact_passages(kept["post"], audience)
        return Testimony(**kept, closed=True)
    defaults = {f.name: f.default for f in dataclasses.fields(Testimony)}
    withheld = {name: defaults[name] for name in withheld_from(testimony, audience)}
    shown = {"title": redact_passages(testimony.title, audience),
             "post": redact_passages(testimony.post, audience),
             "summary": redact_passages(testimony.summary, audience),
             "body": redact_passages(testimony.body, audience),
             "media": _recording_for(testimony.media, audience), "extra": ()}
    return dataclasses.replace(testimony, **{**shown, **withheld})  # a withheld field wins


def public_view(testimony: Testimony, today: dt.date | None = None) -> Testimony:
    """The testimony as the public may see it: what every public output is made from."""
    return view_for(testimony, "public", today)


def _recording_for(recording: Recording | None, audience: str) -> Recording | None:
    """The recording as an audience may read it: hidden cues out, segment texts redacted."""
    if recording is None:
        return None
    view = recording_view(recording, audience)
    segments = tuple(dataclasses.replace(s, title=redact_passages(s.title, audience),
                                         synopsis=redact_passages(s.synopsis, audience))
                     for s in view.segments)
    return dataclasses.replace(view, segments=segments)
