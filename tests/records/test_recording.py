"""Recordings in the record format (1.2): the `media:` field, the WebVTT transcript read
strictly, its problems each one sentence with its file and line, cues as passages, and
what each audience may read of them."""

from __future__ import annotations

import pytest

from archive.errors import InvalidTestimony
from archive.records.collection import load_testimony, read_archive
from archive.records.recording import cue_plain_texts, recording_view, withheld_ranges
from archive.records.redaction import hidden_parts, public_view
from archive.records.webvtt import format_timestamp, parse_timestamp, read_cues, write_vtt
from archive.records.writing import format_testimony

from ..interviews import RESTRICTED_NAME, make_interview


@pytest.fixture
def interview(empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    return make_interview(empty_archive.testimonies)


def problems_of(paths) -> list[str]:
    return [str(p) for p in read_archive(paths.testimonies).problems]


def test_a_recording_s_cues_are_read_with_their_speakers_and_times(empty_archive, interview):
    testimony = load_testimony(empty_archive.testimonies, "kim-interview")
    media = testimony.media
    assert [(c.start, c.end) for c in media.cues] == list(interview.cues)
    assert [c.speaker for c in media.cues] == ["Interviewer", "Kim", "Kim", "Interviewer", "Kim"]
    assert media.duration == 13800  # from the WAV header
    assert media.kind == "audio" and media.master_path() == interview.master
    texts, coded = cue_plain_texts(media, _vocabulary(empty_archive))
    assert texts[4][1] == "I wanted my children to grow up free."
    assert [(p.motives, p.text, p.cue, p.start) for p in coded] == [
        (("children's freedom",), "I wanted my children to grow up free", 5, interview.cues[4][0])]


def _vocabulary(paths):
    from archive.records.collection import vocabulary_for
    return vocabulary_for(paths.testimonies)


def test_the_public_reads_no_restricted_cue_and_hears_its_time_silenced(empty_archive,
                                                                        interview):
    testimony = load_testimony(empty_archive.testimonies, "kim-interview")
    public = public_view(testimony).media
    assert [c.number for c in public.cues] == [1, 2, 4, 5]
    assert public.withheld == (interview.cues[2],)
    assert RESTRICTED_NAME not in repr(public).lower()
    assert recording_view(testimony.media, "archivists") == testimony.media
    assert withheld_ranges(testimony.media, "archivists") == ()
    assert any(part.startswith("cue:") for part in hidden_parts(testimony))


def test_a_cue_with_a_researchers_span_is_hidden_from_the_public_only(empty_archive):
    make_interview(empty_archive.testimonies, "for-researchers", sentences=(
        ("Kim", "We met [a guide]{.researchers} in Yanji."), ("Kim", "Then we left.")))
    media = load_testimony(empty_archive.testimonies, "for-researchers").media
    assert [c.number for c in recording_view(media, "public").cues] == [2]
    assert [c.number for c in recording_view(media, "researchers").cues] == [1, 2]


def test_a_malformed_restricted_span_withholds_its_whole_cue(empty_archive):
    make_interview(empty_archive.testimonies, "broken-span", sentences=(
        ("Kim", "My cousin [Pak]{.restricted rowed."), ("Kim", "Then we left.")))
    media = load_testimony(empty_archive.testimonies, "broken-span").media
    assert [c.number for c in recording_view(media, "public").cues] == [2]


def test_the_record_writes_its_media_field_back_as_it_was(empty_archive, interview):
    testimony = load_testimony(empty_archive.testimonies, "kim-interview")
    assert ("media:\n  file: media/kim-interview.wav\n  transcript: media/kim-interview.vtt\n"
            in format_testimony(testimony))


def rewrite(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_missing_recording_and_transcript_are_each_one_sentence_with_the_line(
        empty_archive, interview):
    interview.master.unlink()
    interview.transcript.unlink()
    assert problems_of(empty_archive) == [
        "testimonies/kim-interview.md:11: media: the recording media/kim-interview.wav is not "
        "in testimonies; put the file there or correct media.file",
        "testimonies/kim-interview.md:12: media: the transcript media/kim-interview.vtt is not "
        "in testimonies; put the WebVTT file there or correct media.transcript"]


def test_cues_out_of_order_overlapping_or_past_the_end_are_reported_with_their_lines(
        empty_archive, interview):
    rewrite(interview.transcript, "00:00:02.540 --> 00:00:05.820", "00:00:02.000 --> 00:00:05.820")
    rewrite(interview.transcript, "00:00:09.740 --> 00:00:10.960", "00:00:01.000 --> 00:00:01.500")
    rewrite(interview.transcript, "00:00:11.260 --> 00:00:13.500", "00:00:11.260 --> 00:00:14.000")
    assert problems_of(empty_archive) == [
        "testimonies/media/kim-interview.vtt:6: transcript: this cue starts at 00:00:02.000, "
        "before the cue of line 3 ends (00:00:02.240); cues may not overlap",
        "testimonies/media/kim-interview.vtt:12: transcript: this cue starts at 00:00:01.000, "
        "before the cue of line 9 (00:00:06.120); cues are in time order",
        "testimonies/media/kim-interview.vtt:15: transcript: the cue reaches 00:00:14.000, past "
        "the recording's end at 00:00:13.800; correct the time or the recording"]


def test_unreadable_timings_a_missing_header_and_coded_problems_in_cues(empty_archive,
                                                                        interview):
    rewrite(interview.transcript, "00:00:09.740 --> 00:00:10.960", "00:00:09.740 --> soon")
    rewrite(interview.transcript, 'term="children\'s freedom"', 'term="famine"')
    assert problems_of(empty_archive) == [
        "testimonies/media/kim-interview.vtt:12: transcript: cannot read the timing "
        "'00:00:09.740 --> soon'; write it as 00:01:23.000 --> 00:01:30.500",
        "testimonies/media/kim-interview.vtt:16: body: the passage is coded 'famine', which "
        "motives: does not list; add 'famine' to motives"]
    interview.transcript.write_text("00:00:01.000 --> 00:00:02.000\nHello\n", encoding="utf-8")
    assert problems_of(empty_archive) == [
        "testimonies/media/kim-interview.vtt:1: transcript: a WebVTT file starts with the line "
        "WEBVTT; add it"]


def test_the_segment_index_and_ranges_are_checked_with_their_lines(empty_archive, monkeypatch):
    monkeypatch.chdir(empty_archive.testimonies.parent)
    make_interview(empty_archive.testimonies, "indexed", media={
        "file": "media/indexed.wav", "transcript": "media/indexed.vtt",
        "restricted": ["00:00:10 --> 00:00:20", "later"],
        "segments": [{"start": "00:00:00", "title": "Work", "motives": ["childrens freedom"]},
                     {"start": "00:00:20", "title": "Leaving", "motives": ["famine"]}]})
    assert problems_of(empty_archive) == [
        "testimonies/indexed.md:15: media: restricted: expected a time range such as "
        "'00:10:00 --> 00:10:30', got 'later'",
        "testimonies/indexed.md:20: media: segments: unknown motive 'childrens freedom', not a "
        "term or alias of testimonies/vocabulary.yaml; did you mean 'children's freedom'?"]
    rewrite(empty_archive.testimonies / "indexed.md", "  - later\n", "")
    rewrite(empty_archive.testimonies / "indexed.md", "childrens freedom", "children's freedom")
    assert problems_of(empty_archive) == [
        "testimonies/indexed.md:14: media: the restricted range reaches 00:00:20.000, past the "
        "recording's end at 00:00:13.800; correct the time or the recording",
        "testimonies/indexed.md:20: media: the segment reaches 00:00:20.000, past the "
        "recording's end at 00:00:13.800; correct the time or the recording",
        "testimonies/indexed.md:23: media: segments: the segment names 'famine', which "
        "motives: does not list; add 'famine' to motives"]


@pytest.mark.parametrize("media, message", [
    ("not a mapping", "media: expected a mapping with file: (the recording) and transcript: "
                      "(its WebVTT), got 'not a mapping'"),
    ({"file": "../../etc/passwd.wav"}, "media: file: '../../etc/passwd.wav' leaves the "
     "records' folder; name a file beside the record, such as media/kim-2019.opus"),
    ({"file": "media/x.exe"}, "media: file: 'media/x.exe' is not a recording the archive "
     "plays; expected one of .wav, .opus, .ogg, .oga, .mp3, .m4a, .aac, .flac, .mp4, .m4v, "
     ".mov, .webm, .mkv, .ogv"),
    ({"file": "media/x.wav", "colour": "red"}, "media: unknown key 'colour'; expected file, "
     "transcript, duration, restricted, segments, aligned"),
])
def test_a_media_field_that_cannot_be_used_is_refused_in_one_sentence(empty_archive, media,
                                                                      message):
    from ..helpers import write_record
    write_record(empty_archive.testimonies, "bad-media", media=media)
    with pytest.raises(InvalidTestimony) as caught:
        load_testimony(empty_archive.testimonies, "bad-media")
    assert message in str(caught.value.problems[0])


def test_webvtt_times_and_text_are_read_and_written_back():
    assert parse_timestamp("01:02:03.5") == 3723500
    assert parse_timestamp("02:03.250") == 123250
    assert parse_timestamp("1:02:03") is None or parse_timestamp("1:02:03") == 3723000
    assert format_timestamp(3723500) == "01:02:03.500"
    cues, problems = read_cues("WEBVTT\n\nNOTE a note\n\nintro\n00:00:01.000 --> 00:00:02.000 "
                               "align:start\n<v.loud Ri &amp; Kim>Fish &lt;and&gt; <i>rice</i>\n"
                               "second line\n", "t.vtt")
    assert problems == []
    assert (cues[0].speaker, cues[0].text, cues[0].settings, cues[0].line) == (
        "Ri & Kim", "Fish <and> rice second line", "align:start", 6)
    assert write_vtt(cues) == ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000 align:start\n"
                               "<v Ri &amp; Kim>Fish &lt;and&gt; rice second line\n")
