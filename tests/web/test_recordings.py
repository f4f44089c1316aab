"""A recording on the web: the record page's player and transcript, started at `?t=`
without script; the recording as each mode may hear it, with Range requests; the master
never in public; the transcript as WebVTT and the record as OHMS XML; and search answering
with the moment words are said."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from archive import create_app
from archive.search.indexing import update_index

from ..interviews import RESTRICTED_NAME, frames_of, make_interview


@pytest.fixture
def interview(empty_archive):
    made = make_interview(empty_archive.testimonies)
    update_index(empty_archive.testimonies, empty_archive.index)
    return made


def client_for(paths, private=False):
    return create_app({"TESTING": True, "TESTIMONIES": str(paths.testimonies),
                       "INDEX": str(paths.index), "PRIVATE": private}).test_client()


def test_the_record_page_plays_the_recording_with_its_transcript(empty_archive, interview):
    html = client_for(empty_archive).get("/t/kim-interview").get_data(as_text=True)
    assert '<audio controls preload="metadata" id="player" src="/t/kim-interview/recording">' \
        in html
    assert '<a class="cue-time" href="/t/kim-interview?t=2.54#cue-2">0:02</a>' in html
    assert 'id="cue-3"' not in html and RESTRICTED_NAME not in html.lower()
    assert "Not published (0:06–0:09)" in html
    assert 'src="/static/recording.js"' in html
    assert "said at 0:11" in html  # the motive coded in a cue, under its own words


def test_a_moment_of_the_page_starts_the_player_there_without_script(empty_archive, interview):
    html = client_for(empty_archive).get("/t/kim-interview?t=11.5").get_data(as_text=True)
    assert 'src="/t/kim-interview/recording#t=11.5"' in html
    assert 'id="cue-5" data-start="11.26" data-end="13.5" class="current" aria-current="true"' \
        in html
    plain = client_for(empty_archive).get("/t/kim-interview?t=soon").get_data(as_text=True)
    assert 'src="/t/kim-interview/recording">' in plain


def test_the_public_recording_is_the_silenced_copy_and_seeks_with_range_requests(
        empty_archive, interview):
    client = client_for(empty_archive)
    whole = client.get("/t/kim-interview/recording")
    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    assert whole.headers["Accept-Ranges"] == "bytes"
    copy = next((empty_archive.index / "media" / "kim-interview" / "public").glob("*.wav"))
    assert whole.data == copy.read_bytes()
    start, end = interview.samples(3)
    assert frames_of(copy)[0][2 * start:2 * end] == b"\x00" * (2 * (end - start))
    part = client.get("/t/kim-interview/recording", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(whole.data)}"
    assert part.data == whole.data[1000:2000]
    tail = client.get("/t/kim-interview/recording", headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.data == whole.data[-100:]


def test_the_master_answers_404_in_public_and_only_the_archivist_hears_it(empty_archive,
                                                                          interview):
    public = client_for(empty_archive)
    assert public.get("/t/kim-interview/master").status_code == 404
    private = client_for(empty_archive, private=True)
    assert private.get("/t/kim-interview/master").data == interview.master.read_bytes()
    assert private.get("/t/kim-interview/recording").data == interview.master.read_bytes()
    assert public.get("/t/kim-interview/recording").data != interview.master.read_bytes()


def test_a_restricted_record_s_recording_answers_404_in_public(empty_archive):
    make_interview(empty_archive.testimonies, "closed-interview", access="restricted")
    update_index(empty_archive.testimonies, empty_archive.index)
    public = client_for(empty_archive)
    for url in ("/t/closed-interview/recording", "/t/closed-interview/master",
                "/t/closed-interview/transcript.vtt", "/t/closed-interview/ohms.xml"):
        assert public.get(url).status_code == 404, url
    assert client_for(empty_archive, True).get("/t/closed-interview/recording").status_code == 200


def test_the_transcript_and_ohms_xml_hold_only_what_the_mode_may_read(empty_archive,
                                                                      interview):
    vtt = client_for(empty_archive).get("/t/kim-interview/transcript.vtt")
    assert vtt.mimetype == "text/vtt"
    text = vtt.get_data(as_text=True)
    assert text.startswith("WEBVTT - kim-interview\n\n1\n00:00:00.300 --> 00:00:02.240\n"
                           "<v Interviewer>Where did you work before you left?\n")
    assert RESTRICTED_NAME not in text.lower() and "{.motive" not in text
    assert "I wanted my children to grow up free." in text
    private = client_for(empty_archive, True).get("/t/kim-interview/transcript.vtt")
    assert RESTRICTED_NAME in private.get_data(as_text=True).lower()
    ohms = client_for(empty_archive).get("/t/kim-interview/ohms.xml").data
    root = ET.fromstring(ohms)
    ns = {"o": "https://www.weareavp.com/nunncenter/ohms"}
    assert root.find("o:record/o:title", ns).text == "Testimony kim-interview"
    assert root.find("o:record/o:duration", ns).text == "00:00:13"
    assert root.find("o:record/o:vtt_transcript", ns).text.startswith("WEBVTT")
    assert RESTRICTED_NAME not in ohms.decode("utf-8").lower()


def test_search_finds_words_said_and_links_to_the_moment(empty_archive, interview):
    data = client_for(empty_archive).get("/api/search?q=Sinuiju").get_json()
    assert data["total"] == 1
    hit = data["results"][0]
    assert hit["moment"] == {"cue": 2, "start": 2.54, "end": 5.82,
                             "snippet": "I kept the accounts of a trading company in "
                                        "<mark>Sinuiju</mark>.",
                             "url": "/t/kim-interview?t=2.54#cue-2"}
    assert "<mark>Sinuiju</mark>" in hit["snippet"]
    page = client_for(empty_archive).get("/search?q=Sinuiju").get_data(as_text=True)
    assert '<a href="/t/kim-interview?t=2.54#cue-2">Said at 0:02</a>' in page


def test_evidence_coded_in_a_cue_carries_its_times(empty_archive, interview):
    data = client_for(empty_archive).get("/api/search?motive=children%27s+freedom").get_json()
    hit = data["results"][0]
    assert hit["quoted"] is True
    assert hit["evidence"] == [{"motive": "children's freedom",
                                "text": "I wanted my children to grow up free", "paragraph": None,
                                "url": "/t/kim-interview?t=11.26#cue-5", "cue": 5,
                                "start": 11.26, "end": 13.5}]


def test_words_of_a_restricted_cue_find_nothing_in_public(empty_archive, interview):
    assert client_for(empty_archive).get(f"/api/search?q={RESTRICTED_NAME}").get_json()[
        "total"] == 0
    assert client_for(empty_archive, True).get(f"/api/search?q={RESTRICTED_NAME}").get_json()[
        "total"] == 1


def test_editing_a_transcript_reindexes_its_record(empty_archive, interview):
    text = interview.transcript.read_text(encoding="utf-8")
    interview.transcript.write_text(text.replace("Sinuiju", "Hyesan"), encoding="utf-8")
    report = update_index(empty_archive.testimonies, empty_archive.index)
    assert report.changed == ["kim-interview"]
    client = client_for(empty_archive)
    assert client.get("/api/search?q=Hyesan").get_json()["total"] == 1
    assert client.get("/api/search?q=Sinuiju").get_json()["total"] == 0
