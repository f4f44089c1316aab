"""Interviews coming in and going out: `archive import` reads WebVTT, SRT, OHMS XML, Word
and OpenDocument transcripts with their recording into a record and its transcript (a dry
run, all or nothing, never replacing a file); the public transcript leaves as WebVTT and
the record as OHMS XML, which comes back in as the same cues and index."""

from __future__ import annotations

import shutil

import pytest

from archive.records.collection import load_testimony

from ..interviews import RESTRICTED_NAME, make_interview

FIELDS = ["--title", "Accountant in Sinuiju", "--year", "2019", "--post", "Accountant",
          "--sector", "trade", "--motive", "children's freedom", "--access", "public"]


@pytest.fixture
def recorded(empty_archive, tmp_path):
    """A synthesised interview kept outside the archive: its WAV and WebVTT."""
    outside = tmp_path / "outside"
    interview = make_interview(outside)
    return interview


def import_(run, paths, *args):
    return run(paths, "import", *map(str, args))


def test_a_webvtt_transcript_and_its_recording_become_a_record(run, empty_archive, recorded):
    dry = import_(run, empty_archive, recorded.transcript, "--media", recorded.master,
                  "--dry-run", *FIELDS)
    assert dry.exit_code == 0, dry.output
    assert dry.stdout == ("Interview 'accountant-in-sinuiju-2019': 5 cues, valid; nothing "
                          "written (--dry-run).\n")
    assert not (empty_archive.testimonies / "accountant-in-sinuiju-2019.md").exists()
    result = import_(run, empty_archive, recorded.transcript, "--media", recorded.master,
                     *FIELDS)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Interview 'accountant-in-sinuiju-2019': 5 cues, valid; "
                                    "wrote testimonies/accountant-in-sinuiju-2019.md, "
                                    "media/accountant-in-sinuiju-2019.vtt and "
                                    "media/accountant-in-sinuiju-2019.wav.")
    record = load_testimony(empty_archive.testimonies, "accountant-in-sinuiju-2019")
    assert record.account == "interview" and record.motives == ("children's freedom",)
    assert [(c.start, c.end) for c in record.media.cues] == list(recorded.cues)
    assert record.media.cues[2].text == (f"My cousin [{RESTRICTED_NAME.capitalize()} Pak]"
                                         "{.restricted} rowed us across the river at night.")
    assert (empty_archive.testimonies / "media/accountant-in-sinuiju-2019.wav").read_bytes() == \
        recorded.master.read_bytes()
    search = run(empty_archive, "search", "Sinuiju", "--json")
    assert '"cue": 2' in search.stdout


def test_an_invalid_interview_writes_nothing_and_says_every_problem(run, empty_archive,
                                                                     recorded):
    text = recorded.transcript.read_text(encoding="utf-8")
    recorded.transcript.write_text(text.replace("00:00:09.740 --> 00:00:10.960",
                                                "00:00:01.000 --> 00:00:01.500"),
                                   encoding="utf-8")
    result = import_(run, empty_archive, recorded.transcript, "--media", recorded.master,
                     "--title", "Accountant", "--year", "2019", "--sector", "shipping")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "testimonies/accountant-2019.md: post: is required; expected the position held, such "
        "as 'Counsellor, DPRK Embassy in Cuba'",
        "testimonies/accountant-2019.md: sector: expected one of diplomatic, trade, military, "
        "security, party, overseas-labour, student, civilian, other, got 'shipping'",
        "kim-interview.vtt: cue 4: transcript: this cue starts at 00:00:01.000, before cue 3 "
        "(00:00:06.120); cues are in time order",
        "kim-interview.vtt: cue 5: body: the passage is coded 'children's freedom', which "
        "motives: does not list; add 'children's freedom' to motives",
        "The interview is invalid (4 problems); nothing written."]
    result = import_(run, empty_archive, recorded.transcript, "--media", recorded.master,
                     *FIELDS)
    assert result.exit_code == 1
    assert "kim-interview.vtt: cue 4: transcript: this cue starts at 00:00:01.000, before " \
           "cue 3 (00:00:06.120); cues are in time order" in result.stderr
    assert list(empty_archive.testimonies.glob("**/accountant*")) == []


def test_an_import_never_replaces_a_file(run, empty_archive, recorded):
    import_(run, empty_archive, recorded.transcript, "--media", recorded.master, *FIELDS)
    again = import_(run, empty_archive, recorded.transcript, "--media", recorded.master, *FIELDS)
    assert again.exit_code == 1
    assert "id: 'accountant-in-sinuiju-2019' already exists in the archive" in again.stderr
    assert "media/accountant-in-sinuiju-2019.wav exists already" in again.stderr


def test_an_srt_transcript_with_speakers_written_as_names(run, empty_archive, recorded,
                                                         tmp_path):
    srt = tmp_path / "interview.srt"
    srt.write_text("1\n00:00:00,300 --> 00:00:02,240\nInterviewer: Where did you work?\n\n"
                   "2\n00:00:02,540 --> 00:00:05,820\nKim: At a <i>trading</i> company.\n",
                   encoding="utf-8")
    result = import_(run, empty_archive, srt, "--media", recorded.master, *FIELDS)
    assert result.exit_code == 0, result.output
    cues = load_testimony(empty_archive.testimonies, "accountant-in-sinuiju-2019").media.cues
    assert [(c.start, c.speaker, c.text) for c in cues] == [
        (300, "Interviewer", "Where did you work?"), (2540, "Kim", "At a trading company.")]


def stamped_lines():
    return ["Interview with Kim, 2019", "[00:00:00.300] Interviewer: Where did you work?",
            "[00:00:02.540] Kim: At a trading company", "in Sinuiju.",
            "[00:00:11.260] Kim: I wanted my children to grow up free."]


def check_stamped(run, empty_archive, recorded, document):
    result = import_(run, empty_archive, document, "--media", recorded.master, *FIELDS)
    assert result.exit_code == 0, result.output
    cues = load_testimony(empty_archive.testimonies, "accountant-in-sinuiju-2019").media.cues
    assert [(c.start, c.end, c.speaker, c.text) for c in cues] == [
        (300, 2540, "Interviewer", "Where did you work?"),
        (2540, 11260, "Kim", "At a trading company in Sinuiju."),
        (11260, 13800, "Kim", "I wanted my children to grow up free.")]


def test_a_word_transcript_with_stamps(run, empty_archive, recorded, tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in stamped_lines():
        document.add_paragraph(line)
    path = tmp_path / "interview.docx"
    document.save(path)
    check_stamped(run, empty_archive, recorded, path)


def test_an_opendocument_transcript_with_stamps(run, empty_archive, recorded, tmp_path):
    opendocument = pytest.importorskip("odf.opendocument")
    from odf.text import P

    document = opendocument.OpenDocumentText()
    for line in stamped_lines():
        document.text.addElement(P(text=line))
    path = tmp_path / "interview.odt"
    document.save(str(path))
    check_stamped(run, empty_archive, recorded, path)


def test_ohms_xml_leaves_and_comes_back_with_its_index_and_cues(run, empty_archive, tmp_path):
    make_interview(empty_archive.testimonies, "indexed", media={
        "file": "media/indexed.wav", "transcript": "media/indexed.vtt",
        "segments": [{"start": "00:00:00", "title": "Work", "keywords": ["Sinuiju"]},
                     {"start": "00:00:09.740", "title": "Leaving", "synopsis": "Why Kim left.",
                      "motives": ["children's freedom"]}]})
    shown = run(empty_archive, "show", "indexed", "--ohms")
    assert shown.exit_code == 0, shown.output
    assert RESTRICTED_NAME not in shown.stdout.lower()
    ohms = tmp_path / "indexed.xml"
    ohms.write_text(shown.stdout, encoding="utf-8")
    master = tmp_path / "indexed.wav"
    shutil.copy(empty_archive.testimonies / "media/indexed.wav", master)
    result = import_(run, empty_archive, ohms, "--media", master, "--id", "indexed-again",
                     "--post", "Accountant", "--sector", "trade", "--access", "public")
    assert result.exit_code == 0, result.output
    again = load_testimony(empty_archive.testimonies, "indexed-again")
    original = load_testimony(empty_archive.testimonies, "indexed")
    assert again.title == original.title and again.year == original.year
    assert again.motives == ("children's freedom",)
    assert [(s.start, s.title, s.synopsis, s.keywords, s.motives) for s in again.media.segments] \
        == [(0, "Work", None, ("Sinuiju",), ()),
            (9000, "Leaving", "Why Kim left.", (), ("children's freedom",))]
    assert [(c.start, c.speaker) for c in again.media.cues] == [
        (c.start, c.speaker) for c in original.media.cues if c.number != 3]


def test_the_public_transcript_leaves_as_webvtt(run, empty_archive):
    make_interview(empty_archive.testimonies)
    result = run(empty_archive, "show", "kim-interview", "--transcript")
    assert result.exit_code == 0
    assert result.stdout.count("-->") == 4 and RESTRICTED_NAME not in result.stdout.lower()
    private = run(empty_archive, "show", "kim-interview", "--transcript", "--private")
    assert private.stdout.count("-->") == 5


def test_transcript_options_are_refused_for_a_csv_import(run, empty_archive, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("id,title\n", encoding="utf-8")
    result = import_(run, empty_archive, rows, "--title", "x")
    assert result.exit_code == 2 and "are for an interview's transcript" in result.output


def test_the_qdpx_carries_the_recording_with_its_transcript_and_timed_selections(
        run, empty_archive, tmp_path):
    import io
    import wave
    import xml.etree.ElementTree as ET
    import zipfile

    import xmlschema

    from ..helpers import STANDARDS

    interview = make_interview(empty_archive.testimonies)
    out = tmp_path / "archive.qdpx"
    result = run(empty_archive, "export", "--format", "refi-qda", "--output", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as project:
        qde = project.read("project.qde")
        xmlschema.XMLSchema(str(STANDARDS / "refi-qda" / "Project-mrt2019.xsd")).validate(qde)
        root = ET.fromstring(qde)
        ns = {"q": "urn:QDA-XML:project:1.0"}
        audio = root.find("q:Sources/q:AudioSource", ns)
        name = audio.get("path").removeprefix("internal://")
        copy = project.read(f"sources/{name}")
        transcript = audio.find("q:Transcript", ns)
        text = project.read(f"sources/{transcript.get('guid')}.txt").decode("utf-8")
    with wave.open(io.BytesIO(copy)) as heard:
        frames = heard.readframes(heard.getnframes())
    start, end = interview.samples(3)
    assert frames[2 * start:2 * end] == b"\x00" * (2 * (end - start))  # the public copy
    assert RESTRICTED_NAME not in text.lower() and len(text.splitlines()) == 4
    points = transcript.findall("q:SyncPoint", ns)
    assert [int(p.get("timeStamp")) for p in points][:2] == [300, 2240]
    selection = audio.find("q:AudioSelection", ns)
    assert (selection.get("begin"), selection.get("end")) == ("11260", "13500")
    said = transcript.find("q:TranscriptSelection", ns)
    by_guid = {p.get("guid"): int(p.get("position")) for p in points}
    assert text[by_guid[said.get("fromSyncPoint")]:by_guid[said.get("toSyncPoint")]] == \
        "I wanted my children to grow up free."
