"""The REFI-QDA project export (`.qdpx`): the coded passages taken into qualitative-analysis
tools (ATLAS.ti, NVivo, MAXQDA, QualCoder, Transana).

A `.qdpx` file is a ZIP holding `project.qde`, an XML document valid against the REFI-QDA
Project Exchange schema (QDA-XML 1.0, `urn:QDA-XML:project:1.0`), and `sources/`, the
plain text of each record. The vocabulary is the codebook (a broader concept is a parent
code); each record is a text source and a case with its variables; each coded passage is
a `PlainTextSelection` whose `startPosition` and `endPosition` count characters (Unicode
code points, from 0) of the source's plain text, coded with its motives. A recording is an
`AudioSource` or `VideoSource` carrying the audience's copy of it (restricted cues silent)
and its `Transcript`, with a `SyncPoint` (milliseconds, characters) at each cue's start and
end; a passage coded in a cue is a `TranscriptSelection` between its cue's points and an
`AudioSelection` (or `VideoSelection`) from its cue's `begin` to `end` in milliseconds.

Identifiers are UUIDs derived from the archive's ids, so that exporting the same records
twice gives the same identifiers and a tool can merge the two.
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from importlib import metadata
from pathlib import Path

from ..media.deriving import copy_for
from ..records.coding import passages
from ..records.recording import cue_plain_texts
from ..records.testimony import Testimony
from ..records.vocabulary import Vocabulary

NAMESPACE = "urn:QDA-XML:project:1.0"
VARIABLES = (("year", "Integer"), ("sector", "Text"), ("country", "Text"), ("account", "Text"),
             ("post", "Text"), ("language", "Text"), ("rank", "Text"), ("born", "Integer"),
             ("left_with", "Text"))
_ROOT = uuid.UUID("6f3c0d52-8f1e-4d4a-9a51-1c2b7d0e5a11")  # this archive's namespace of GUIDs


def guid(*parts: str) -> str:
    """A stable GUID for a thing of the export: a code, a source, a selection."""
    return str(uuid.uuid5(_ROOT, "\x1f".join(parts)))


def _element(parent, tag: str, **attributes) -> ET.Element:
    return ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}",
                         {k: str(v) for k, v in attributes.items() if v is not None})


def _codebook(project, vocabulary: Vocabulary) -> dict[str, str]:
    """The vocabulary as codes, each under its broader concept; {term: code GUID}."""
    terms = {motive.term: motive for motive in vocabulary.motives}
    parents: dict[str, list[str]] = {}
    for motive in vocabulary.motives:
        parents.setdefault(motive.broader or "", []).append(motive.term)
    codes = _element(_element(project, "CodeBook"), "Codes")
    made: dict[str, str] = {}

    def add(parent, name: str, seen: tuple) -> None:
        motive = terms.get(name)
        made[name] = guid("code", name)
        code = _element(parent, "Code", guid=made[name], name=name,
                        isCodable="true" if motive else "false")
        note = " · ".join(filter(None, (motive.ko, motive.note))) if motive else ""
        if note:
            _element(code, "Description").text = note
        for child in parents.get(name, ()):
            if child not in seen:  # a cycle in the thesaurus stops here
                add(code, child, seen + (child,))

    tops = [name for name in parents[""]] if "" in parents else []
    tops += [name for name in parents if name and name not in terms]  # broader concepts
    for name in dict.fromkeys(tops):
        add(codes, name, (name,))
    return made


def qdpx(testimonies: list[Testimony], vocabulary: Vocabulary, url_of, made: str,
         title: str, media_cache: Path | None = None, audience: str = "public") -> bytes:
    """A REFI-QDA project of some records (as the mode may show them) as `.qdpx` bytes; a
    recording goes with its record as an audio or video source (the audience's copy, made
    in `media_cache`), with its transcript and time-coded selections."""
    ET.register_namespace("", NAMESPACE)
    version = metadata.version("testimony-archive")
    project = ET.Element(f"{{{NAMESPACE}}}Project", {
        "name": title, "origin": f"testimony-archive {version}", "creationDateTime": made})
    user = guid("user", "archive")
    _element(_element(project, "Users"), "User", guid=user, name="Testimony Archive")
    codes = _codebook(project, vocabulary)
    variables = _element(project, "Variables")
    for name, kind in VARIABLES:
        _element(variables, "Variable", guid=guid("variable", name), name=name,
                 typeOfVariable=kind)
    cases, sources = _element(project, "Cases"), _element(project, "Sources")
    texts: dict[str, str] = {}
    files: dict[str, Path] = {}
    for testimony in testimonies:
        source = guid("source", testimony.id)
        plain, coded = passages(testimony.body, vocabulary)
        texts[source] = plain
        text = _element(sources, "TextSource", guid=source, name=testimony.id,
                        plainTextPath=f"internal://{source}.txt", creatingUser=user,
                        creationDateTime=made)
        _element(text, "Description").text = f"{testimony.title}. {url_of(testimony.id)}"
        for number, passage in enumerate(coded, start=1):
            selection = _element(text, "PlainTextSelection",
                                 guid=guid("selection", testimony.id, str(number)),
                                 name=f"{testimony.id} ¶{passage.paragraph}",
                                 startPosition=passage.start, endPosition=passage.end,
                                 creatingUser=user, creationDateTime=made)
            for motive in passage.motives:
                coding = _element(selection, "Coding",
                                  guid=guid("coding", testimony.id, str(number), motive),
                                  creatingUser=user, creationDateTime=made)
                _element(coding, "CodeRef", targetGUID=codes[motive])
        case = _element(cases, "Case", guid=guid("case", testimony.id), name=testimony.id)
        for name, kind in VARIABLES:
            value = getattr(testimony, name)
            if isinstance(value, tuple):
                value = "; ".join(value)
            if value in (None, ""):
                continue
            variable = _element(case, "VariableValue")
            _element(variable, "VariableRef", targetGUID=guid("variable", name))
            _element(variable, "IntegerValue" if kind == "Integer" else "TextValue").text = \
                str(value)
        _element(case, "SourceRef", targetGUID=source)
        if testimony.media is not None and media_cache is not None:
            heard = _recording(sources, testimony, vocabulary, codes, user, made, texts, files,
                               media_cache, audience)
            _element(case, "SourceRef", targetGUID=heard)
    if not len(cases):
        project.remove(cases)
    if not len(sources):
        project.remove(sources)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", ET.tostring(project, encoding="utf-8",
                                                    xml_declaration=True))
        for source, plain in texts.items():
            archive.writestr(f"sources/{source}.txt", plain.encode("utf-8"))
        for name, path in files.items():
            archive.write(path, f"sources/{name}")
    return out.getvalue()


def _recording(sources, testimony: Testimony, vocabulary: Vocabulary, codes: dict, user: str,
               made: str, texts: dict, files: dict, media_cache: Path, audience: str) -> str:
    """A recording as an AudioSource or VideoSource: the audience's copy of it, its
    transcript (a cue a line, with a SyncPoint at the start of each cue), and each passage
    coded in a cue as a TranscriptSelection and a time-coded Audio/VideoSelection."""
    media = testimony.media
    copy = copy_for(media, audience, media_cache, testimony.id)
    heard = guid("recording", testimony.id)
    files[f"{heard}{copy.suffix}"] = copy
    kind = "Video" if media.kind == "video" else "Audio"
    element = _element(sources, f"{kind}Source", guid=heard, name=f"{testimony.id} recording",
                       path=f"internal://{heard}{copy.suffix}", creatingUser=user,
                       creationDateTime=made)
    _element(element, "Description").text = f"{testimony.title}. {len(media.cues)} passages."
    said, coded = cue_plain_texts(media, vocabulary)
    transcript_guid = guid("transcript", testimony.id)
    texts[transcript_guid] = "\n".join(plain for _cue, plain in said)
    transcript = _element(element, "Transcript", guid=transcript_guid,
                          name=f"{testimony.id} transcript",
                          plainTextPath=f"internal://{transcript_guid}.txt", creatingUser=user,
                          creationDateTime=made)
    points, at = {}, 0
    for cue, plain in said:
        points[cue.number] = (guid("sync", testimony.id, str(cue.number)),
                              guid("sync-end", testimony.id, str(cue.number)))
        _element(transcript, "SyncPoint", guid=points[cue.number][0], timeStamp=cue.start,
                 position=at)
        _element(transcript, "SyncPoint", guid=points[cue.number][1], timeStamp=cue.end,
                 position=at + len(plain))
        at += len(plain) + 1
    for number, passage in enumerate(coded, start=1):
        selection = _element(transcript, "TranscriptSelection",
                             guid=guid("said", testimony.id, str(number)),
                             name=f"{testimony.id} cue {passage.cue}",
                             fromSyncPoint=points[passage.cue][0],
                             toSyncPoint=points[passage.cue][1], creatingUser=user,
                             creationDateTime=made)
        _codings(selection, testimony.id, f"said-{number}", passage.motives, codes, user, made)
    for number, passage in enumerate(coded, start=1):
        selection = _element(element, f"{kind}Selection",
                             guid=guid("heard", testimony.id, str(number)),
                             name=f"{testimony.id} cue {passage.cue}", begin=passage.start,
                             end=passage.end, creatingUser=user, creationDateTime=made)
        _codings(selection, testimony.id, f"heard-{number}", passage.motives, codes, user, made)
    return heard


def _codings(selection, testimony_id: str, key: str, motives, codes: dict, user: str,
             made: str) -> None:
    for motive in motives:
        coding = _element(selection, "Coding", guid=guid("coding", testimony_id, key, motive),
                          creatingUser=user, creationDateTime=made)
        _element(coding, "CodeRef", targetGUID=codes[motive])
