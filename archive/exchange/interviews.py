"""Interviews leaving the archive: a record's transcript as WebVTT and the record as OHMS
XML (the Oral History Metadata Synchronizer's format, which OHMS and Aviary read).

Both are made from the view of a record an audience may see: its transcript holds only the
cues it may read, as plain text (the span syntax taken off), and the index only the
segments of that view.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from ..records.recording import Recording, cue_plain_texts
from ..records.testimony import Testimony
from ..records.vocabulary import Vocabulary
from ..records.webvtt import format_timestamp, write_vtt
from ..settings import Settings

OHMS_NAMESPACE = "https://www.weareavp.com/nunncenter/ohms"


class _Said:
    """A cue as an export writes it: times, speaker and plain text."""

    def __init__(self, cue, text: str) -> None:
        self.start, self.end, self.speaker, self.text = cue.start, cue.end, cue.speaker, text


def _plain_cues(media: Recording) -> list[_Said]:
    texts, _coded = cue_plain_texts(media, Vocabulary(()))
    return [_Said(cue, plain) for cue, plain in texts]


def vtt_of(record: Testimony) -> str:
    """The transcript of a record's view as WebVTT: its cues' plain text and speakers."""
    return write_vtt(_plain_cues(record.media), header=record.id) if record.media else ""


def _clock(millis: int | None) -> str:
    seconds = (millis or 0) // 1000
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def ohms_xml(record: Testimony, url: str, settings: Settings) -> bytes:
    """The record (a view of it) with its segment index and transcript as OHMS XML."""
    ET.register_namespace("", OHMS_NAMESPACE)

    def add(parent, tag: str, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{OHMS_NAMESPACE}}}{tag}", attributes)
        if text not in (None, ""):
            element.text = str(text)
        return element

    media = record.media
    root = ET.Element(f"{{{OHMS_NAMESPACE}}}ROOT")
    item = add(root, "record", id=record.id, dt=dt.date.today().isoformat())
    add(item, "version", "5.4")
    date = record.recorded_on or record.defected_on or str(record.year)
    add(item, "date", value=date, format="yyyy-mm-dd" if len(date) == 10 else "yyyy")
    add(item, "title", record.title)
    add(item, "accession", record.id)
    add(item, "duration", _clock(media.duration))
    add(item, "collection_name", settings.name)
    add(item, "repository", settings.publisher or settings.name)
    add(item, "repository_url", url.rsplit("/t/", 1)[0])
    for motive in record.motives:
        add(item, "subject", motive)
    for tag in record.tags:
        add(item, "keyword", tag)
    if record.name:
        add(item, "interviewee", record.name)
    speakers = dict.fromkeys(cue.speaker for cue in media.cues if cue.speaker)
    for speaker in speakers:
        if speaker != record.name:
            add(item, "interviewer", speaker)
    add(item, "format", "Audio" if media.kind == "audio" else "Video")
    add(item, "media_url", f"{url}/recording")
    add(item, "language", record.language)
    index = add(item, "index")
    said = _plain_cues(media)
    for segment in media.segments:
        point = add(index, "point")
        add(point, "time", segment.start // 1000)
        add(point, "title", segment.title)
        first = next((cue.text for cue in said if cue.start >= segment.start), "")
        add(point, "partial_transcript", first[:200])
        add(point, "synopsis", segment.synopsis)
        add(point, "keywords", ";".join(segment.keywords))
        add(point, "subjects", ";".join(segment.motives))
    add(item, "type", "Oral history")
    add(item, "description", record.summary)
    add(item, "transcript", "\n\n".join(f"{c.speaker}: {c.text}" if c.speaker else c.text
                                        for c in said))
    add(item, "rights", f"{settings.name}: {url}")
    add(item, "vtt_transcript", write_vtt(said))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


__all__ = ["OHMS_NAMESPACE", "format_timestamp", "ohms_xml", "vtt_of"]
