"""Alignment: a plain transcript's cue times computed in its recording, measured against
interviews spoken by espeak-ng whose cue offsets are known to the sample (and the sample's
demonstration reading, whose cues were set by the script that made it); the command that
writes them as drafts; what it refuses, in sentences."""

from __future__ import annotations

import sys
import wave

import pytest

from archive.media.wording import (Passage, TranscriptRefused, letter_phones, number_words,
                                   read_passages, read_passages_file, spoken_words)
from archive.records.collection import load_testimony

from ..helpers import SAMPLE, write_record
from ..interviews import SENTENCES, make_interview

TOLERANCE_MS = 350  # measured: the largest error on these interviews is 220 ms
PLAIN = "\n\n".join(f"{speaker}: {text}" for speaker, text in SENTENCES) + "\n"


def test_a_plain_transcript_is_passages_between_blank_lines_with_their_speakers():
    passages = read_passages("Kim: I was born\nin Hyesan.\n\n\n(a pause)\n\nInterviewer: "
                             "Why?\n", "plain.txt")
    assert passages == [Passage("Kim", "I was born in Hyesan.", 1),
                        Passage(None, "(a pause)", 5), Passage("Interviewer", "Why?", 7)]


def test_a_passage_is_listened_for_as_words_numbers_said_and_spans_left_out():
    text = 'In 1997, [Pak Chŏl]{.restricted} paid 250 won; [we left]{.motive term="famine"}.'
    assert spoken_words(text) == ["in", "nineteen", "ninety", "seven", "pak", "chol", "paid",
                                  "two", "hundred", "fifty", "won", "we", "left"]
    assert number_words(2005) == ["two", "thousand", "five"]
    assert number_words(1905) == ["nineteen", "oh", "five"]
    assert number_words(2019) == ["twenty", "nineteen"]


def test_a_word_the_dictionary_lacks_is_spelled_from_its_letters():
    assert letter_phones("sinuiju") == "S IY N W IY JH UW"
    assert letter_phones("chongjin") == "CH OW NG JH IY N"
    assert letter_phones("hyesan") == "HH Y EH S AA N"


def test_a_korean_transcript_is_refused_and_stays_manual():
    with pytest.raises(TranscriptRefused) as refused:
        read_passages("김: 1997년에 병원에는 약이 없었습니다.\n\n김: 우리는 강을 건넜습니다.\n",
                      "kim.txt")
    assert str(refused.value) == (
        "kim.txt: the transcript is in Korean, and alignment has only pocketsphinx's English "
        "model (no Korean model ships in a wheel); Korean cue times stay manual: write them "
        "in the WebVTT file, or import a timed transcript with archive import.")


def test_an_empty_transcript_is_refused():
    with pytest.raises(TranscriptRefused, match="^empty.txt: holds no passage; "):
        read_passages("\n \n", "empty.txt")


@pytest.fixture
def aligner():
    pytest.importorskip("pocketsphinx", reason="pip install 'testimony-archive[align]'")
    from archive.media.aligning import align

    return align


def test_computed_cues_start_within_a_third_of_a_second_of_the_known_offsets(
        empty_archive, aligner):
    interview = make_interview(empty_archive.testimonies)
    cues = aligner(interview.master, read_passages(PLAIN, "plain.txt"))
    errors = [abs(cue.start - start) for cue, (start, _end) in zip(cues, interview.cues)]
    assert len(cues) == len(interview.cues) and max(errors) <= TOLERANCE_MS, errors
    for cue, (start, end) in zip(cues, interview.cues):
        assert start - TOLERANCE_MS <= cue.start < cue.end <= end + TOLERANCE_MS
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))  # in order, no overlap
    assert [cue.text for cue in cues] == [text for _speaker, text in SENTENCES]
    assert [cue.spelled for cue in cues] == [0, 1, 1, 0, 0]  # Sinuiju, and the name


def test_the_sample_s_opus_reading_aligns_with_the_cues_its_script_set(aligner):
    vtt = (SAMPLE / "media" / "nurse-hyesan-1999.vtt").read_text(encoding="utf-8")
    known = [line.split(" --> ")[0] for line in vtt.splitlines() if " --> " in line]
    known = [int(t[3:5]) * 60000 + round(float(t[6:]) * 1000) for t in known]
    plain = (SAMPLE.parent / "examples" / "nurse-hyesan-1999.txt").read_text(encoding="utf-8")
    cues = aligner(SAMPLE / "media" / "nurse-hyesan-1999.opus", read_passages(plain, "x.txt"))
    assert [abs(cue.start - start) <= TOLERANCE_MS for cue, start in zip(cues, known)] \
        == [True] * 6


def test_a_passage_without_an_english_word_takes_the_time_between_its_neighbours(
        empty_archive, aligner):
    interview = make_interview(empty_archive.testimonies)
    passages = read_passages(PLAIN, "plain.txt")
    passages.insert(3, Passage("Kim", "우리는"))
    cues = aligner(interview.master, passages)
    assert cues[3].words == 0
    assert cues[2].end <= cues[3].start < cues[3].end <= cues[4].start


@pytest.fixture
def unaligned(empty_archive):
    """The synthesised interview's record with its recording and no transcript."""
    interview = make_interview(empty_archive.testimonies)
    interview.transcript.unlink()
    text = interview.record.read_text(encoding="utf-8")
    interview.record.write_text(text.replace("  transcript: media/kim-interview.vtt\n", ""),
                                encoding="utf-8")
    plain = empty_archive.testimonies.parent / "plain.txt"
    plain.write_text(PLAIN, encoding="utf-8")
    return interview, plain


def test_a_dry_run_prints_the_cues_and_writes_nothing(run, empty_archive, unaligned, aligner):
    interview, plain = unaligned
    before = interview.record.read_bytes()
    result = run(empty_archive, "align", "kim-interview", "--transcript", str(plain),
                 "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("WEBVTT - kim-interview (times computed by alignment: "
                                    "draft)\n\n1\n00:00:00.")
    assert "<v Kim>My cousin [Qzsunwol Pak]{.restricted} rowed us" in result.stdout
    assert result.stderr.startswith("'kim-interview': 5 cues aligned, 40 words (2 spelled "
                                    "from letters), the last ending at 0:13; nothing written")
    assert interview.record.read_bytes() == before and not interview.transcript.exists()


def test_the_command_writes_draft_times_that_validate_and_the_archivist_confirms_them(
        run, empty_archive, unaligned, aligner):
    interview, plain = unaligned
    result = run(empty_archive, "align", "kim-interview", "--transcript", str(plain))
    assert result.exit_code == 0, result.output
    assert "wrote media/kim-interview.vtt with aligned: draft: listen, correct, then " \
           "confirm with archive align kim-interview --confirm." in result.output
    media = load_testimony(empty_archive.testimonies, "kim-interview").media
    assert (media.transcript, media.aligned) == ("media/kim-interview.vtt", "draft")
    assert [abs(cue.start - start) <= TOLERANCE_MS
            for cue, (start, _end) in zip(media.cues, interview.cues)] == [True] * 5
    assert media.cues[2].hidden_from("public") and media.cues[2].speaker == "Kim"
    assert run(empty_archive, "validate").output == "All 1 records are valid.\n"

    confirmed = run(empty_archive, "align", "kim-interview", "--confirm")
    assert confirmed.exit_code == 0, confirmed.output
    assert load_testimony(empty_archive.testimonies, "kim-interview").media.aligned \
        == "confirmed"
    again = run(empty_archive, "align", "kim-interview", "--transcript", str(plain))
    assert again.exit_code == 1
    assert again.output.endswith(
        "kim-interview.md: media: the transcript media/kim-interview.vtt has times confirmed; "
        "give --replace to write computed times over it (git keeps the old version).\n")
    assert run(empty_archive, "align", "kim-interview", "--transcript", str(plain),
               "--replace").exit_code == 0
    assert load_testimony(empty_archive.testimonies, "kim-interview").media.aligned == "draft"


def test_a_transcript_coding_an_unknown_motive_writes_nothing(run, empty_archive, unaligned,
                                                             aligner):
    interview, plain = unaligned
    plain.write_text(PLAIN.replace("children's freedom", "childrens fredom"), encoding="utf-8")
    before = interview.record.read_bytes()
    result = run(empty_archive, "align", "kim-interview", "--transcript", str(plain))
    assert result.exit_code == 1
    assert "unknown motive 'childrens fredom'" in result.output
    assert result.output.endswith("Nothing was written: correct the transcript and align "
                                  "again.\n")
    assert interview.record.read_bytes() == before and not interview.transcript.exists()


def silent_wav(path, seconds=2):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(16000)
        audio.writeframes(b"\x00\x00" * 16000 * seconds)


def test_without_pocketsphinx_the_command_says_how_to_install_it(run, empty_archive,
                                                                 monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # an import of it fails
    plain = tmp_path / "plain.txt"
    plain.write_text(PLAIN, encoding="utf-8")
    result = run(empty_archive, "align", "anyone", "--transcript", str(plain))
    assert (result.exit_code, result.output) == (1, (
        "Error: Alignment needs pocketsphinx, which is not installed; run `python -m pip "
        "install 'testimony-archive[align]'`.\n"))


def test_a_korean_transcript_or_a_record_without_recording_is_refused(run, empty_archive,
                                                                      tmp_path, aligner):
    silent_wav(empty_archive.testimonies / "media" / "lee.wav")
    write_record(empty_archive.testimonies, "lee", media={"file": "media/lee.wav"})
    write_record(empty_archive.testimonies, "park")
    korean = tmp_path / "lee.txt"
    korean.write_text("이: 우리는 밤에 강을 건넜습니다.\n", encoding="utf-8")
    result = run(empty_archive, "align", "lee", "--transcript", str(korean))
    assert result.exit_code == 1
    assert "the transcript is in Korean" in result.output
    assert "Korean cue times stay manual" in result.output
    result = run(empty_archive, "align", "park", "--transcript", str(korean))
    assert result.exit_code == 1
    assert result.output.endswith("park.md: media: the record has no recording; copy it "
                                  "beside the record and add media: with file: (such as "
                                  "media/park.wav) first.\n")
    result = run(empty_archive, "align", "lee", "--confirm")
    assert result.exit_code == 1
    assert result.output.endswith("lee.md: media: the record has no draft times to confirm "
                                  "(aligned: draft); align it first with archive align lee "
                                  "--transcript FILE.\n")


def test_a_transcript_saying_more_than_the_recording_fails_in_a_sentence(empty_archive,
                                                                         aligner):
    from archive.media.aligning import AlignmentFailed

    interview = make_interview(empty_archive.testimonies)
    passages = read_passages(PLAIN, "plain.txt")
    passages.insert(2, Passage("Kim", "The weather was cold and wet that winter."))
    with pytest.raises(AlignmentFailed) as failed:
        aligner(interview.master, passages)
    assert str(failed.value) == (
        "kim-interview.wav: the words of the passages from 'Where did you work before you "
        "left?' (line 1) to '[I wanted my children to grow up free...' (line 9) could not be "
        "found in the recording after 0.0 s; check that the transcript is this recording's "
        "and says everything in order, or time the passages by hand.")


def test_a_transcript_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_bytes("Kim: We left.\n\nKim: Caf\u00e9 ".encode("latin-1"))
    with pytest.raises(TranscriptRefused) as refused:
        read_passages_file(plain)
    assert str(refused.value) == f"{plain}:3: byte 0xe9 is not UTF-8; save the transcript " \
                                 "as UTF-8."
