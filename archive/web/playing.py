"""The recording on a record's page: the player, started at `?t=` without script (the
server writes the media fragment `#t=`), the segment index, and the transcript with a link
per cue and the withheld stretches marked where they fall."""

from __future__ import annotations

import re

from flask import url_for
from markupsafe import Markup

from ..records.coding import term_labels
from ..records.rendering import render_markdown
from ..records.webvtt import format_clock
from ..search.results import seconds
from .i18n import gettext as _

_T = re.compile(r"^\d{1,6}(?:\.\d{1,3})?$")


def moment(value: str | None) -> int | None:
    """`?t=83.5` as milliseconds (None for anything else)."""
    return round(float(value) * 1000) if value and _T.match(value) else None


def player(record, t: str | None, vocabulary, language: str) -> dict | None:
    """What a record page shows of its recording: the player's source (a media fragment
    `#t=` when the page was asked for a moment), the segment index and the transcript, a
    link per cue, the withheld stretches marked where they fall."""
    media = record.media
    if media is None:
        return None
    at = moment(t)
    page = url_for("archive.testimony", testimony_id=record.id)
    source = url_for("recordings.recording", testimony_id=record.id)
    labels = term_labels(vocabulary)
    rows = [{"withheld": True, "start": start, "label": f"{format_clock(start)}–{format_clock(end)}"}
            for start, end in media.withheld]
    for cue in media.cues:
        rows.append({"withheld": False, "number": cue.number, "start": cue.start,
                     "seconds": seconds(cue.start), "end_seconds": seconds(cue.end),
                     "label": format_clock(cue.start), "speaker": cue.speaker,
                     "url": f"{page}?t={seconds(cue.start)}#cue-{cue.number}",
                     "current": at is not None and cue.start <= at < cue.end,
                     "html": Markup(render_markdown(cue.text, record.language,
                                                    motive_label=labels))})
    rows.sort(key=lambda row: row["start"])
    segments = [{"title": s.title, "synopsis": s.synopsis, "keywords": s.keywords,
                 "motives": s.motives, "label": format_clock(s.start),
                 "url": f"{page}?t={seconds(s.start)}"} for s in media.segments]
    return {"kind": media.kind, "src": source + (f"#t={seconds(at)}" if at else ""),
            "download": source, "rows": rows, "segments": segments,
            "withheld": bool(media.withheld), "draft": media.aligned == "draft",
            "vtt": url_for("recordings.transcript_vtt", testimony_id=record.id),
            "ohms": url_for("recordings.ohms", testimony_id=record.id),
            "title": _("Recording") if media.kind == "audio" else _("Video recording")}
