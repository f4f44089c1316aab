"""Coded passages (record format 1.1): read from the body, checked, indexed as evidence,
shown on the page, found by a search for a motive, and exported to REFI-QDA and CSV."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile

import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.records.coding import coded_terms, coding_problems, passages, with_coded_motives
from archive.records.collection import vocabulary_for
from archive.records.rendering import plain_text, render_markdown
from archive.records.testimony import read_testimony

from ..helpers import ROOT, SAMPLE, write_record

VOCABULARY = vocabulary_for(SAMPLE)
SCHEMA = ROOT / "tests" / "standards" / "refi-qda" / "Project-mrt2019.xsd"
# What the seed article ("High-Ranking North Korean Defectors: A Sign of Cracks in Kim Jong
# Un's Regime?", 2024) states of the two people the sample records from it, in its own
# words: the sample may code and record nothing else of them.
SEED_ARTICLE = (
    "The testimony of Counsellor Ri Il-kyu, who escaped from the North Korean embassy in Cuba, "
    "reinforces this observation. "
    "In discussing the concerns of the elite class regarding their children's education, "
    "Ri Il-kyu mentioned that his desire to provide his children with the freedom to live their "
    "lives was a key factor in his decision to defect. This sentiment mirrors that of Thae "
    "Yong-ho, who defected from the North Korean embassy in the United Kingdom in 2016, citing "
    "his wish to free his children from oppression. "
    "Diplomats hold the highest ascribed status, making their defections particularly "
    "noteworthy."
)


def coded(body: str) -> list[tuple]:
    """(motives, text, paragraph) of each coded passage of a body."""
    return [(p.motives, p.text, p.paragraph) for p in passages(body, VOCABULARY)[1]]


def test_a_coded_passage_gives_its_motive_text_and_paragraph():
    body = ("He left in 2023.\n\nRi said that [his desire to provide his children with the "
            "freedom\nwas a key factor]{.motive term=\"children's freedom\"} in his decision.\n")
    assert coded(body) == [(("children's freedom",), "his desire to provide his children with "
                                                     "the freedom was a key factor", 2)]


def test_several_terms_aliases_and_korean_labels_name_preferred_terms():
    body = '[We were starving and the kids had no future]{.motive term="hunger; 자녀의 자유"}.\n'
    assert coded(body) == [(("economic hardship", "children's freedom"),
                            "We were starving and the kids had no future", 1)]
    assert coded_terms(body, VOCABULARY) == ["economic hardship", "children's freedom"]


def test_a_restricted_span_inside_a_coded_passage_is_hidden_and_the_motive_counts():
    from archive.records.redaction import redact_passages

    body = 'We left [because [my uncle Kim]{.restricted} was taken]{.motive term="purge"}.\n'
    assert coded(body) == [(("fear of purge",), "because my uncle Kim was taken", 1)]
    public = redact_passages(body)
    assert "Kim" not in public
    assert coded(public) == [(("fear of purge",), "because [redacted] was taken", 1)]


def test_a_coded_passage_inside_a_restricted_span_is_hidden_whole():
    from archive.records.redaction import redact_passages

    body = 'We left. [She said [my uncle was taken]{.motive term="purge"} at night.]{.restricted}\n'
    assert coded(body) == [(("fear of purge",), "my uncle was taken", 1)]
    public = redact_passages(body)
    assert public == "We left. [redacted]\n" and coded(public) == []


def test_the_plain_text_drops_the_span_syntax_and_keeps_the_words():
    body = 'A [b c]{.motive term="famine"} d [e]{.restricted}.\n'
    assert plain_text(body) == "A b c d e."
    assert passages(body, VOCABULARY)[0] == plain_text(body)


def test_paragraphs_count_from_one_in_the_page_and_in_the_evidence():
    body = ("First.\n\n- a list item\n- [another]{.motive term=\"famine\"}\n\n"
            "Last [words]{.motive term=\"poverty\"}.\n")
    html = render_markdown(body, anchors=True)
    assert re.findall(r'id="p-(\d+)"', html) == ["1", "2", "3", "4"]
    assert [paragraph for _, _, paragraph in coded(body)] == [3, 4]


def test_the_page_labels_a_coded_passage_in_words_not_colour_alone(client):
    html = client.get("/t/ri-il-kyu-2023").get_data(as_text=True)
    assert '<p id="p-2">' in html and 'href="#p-2"' in html
    assert ('<span class="coded"><span class="coded-label">[children\'s freedom]</span> '
            '<q class="coded-text">his desire to provide') in html
    assert "Motives in their own words" in html and "Cite this passage" in html
    assert "Testimony record ri-il-kyu-2023, 2023, para. 2." in html
    assert "/t/ri-il-kyu-2023#p-2." in html


def test_korean_labels_in_terms_are_shown_as_the_preferred_term(client):
    html = client.get("/t/embassy-driver-2019").get_data(as_text=True)
    assert '<span class="coded-label">[children\'s freedom]</span>' in html


@pytest.mark.parametrize("query", ["", "motive:\"children's freedom\"", "motive:\"자녀의 자유\"",
                                   "motive:\"children's future\""])
def test_a_search_for_a_motive_shows_the_persons_own_words_first(client, query):
    params = {"motive": "children's freedom"} if not query else {"q": query}
    data = client.get("/api/search", query_string=params).get_json()
    quoting = [row for row in data["results"] if row["quoted"]]
    assert {row["id"] for row in quoting} >= {"ri-il-kyu-2023", "thae-yong-ho-2016",
                                               "embassy-driver-2019", "mother-musan-2008"}
    flags = [row["quoted"] for row in data["results"]]
    assert flags == sorted(flags, reverse=True)  # quoting records rank above tagged ones
    ri = next(row for row in data["results"] if row["id"] == "ri-il-kyu-2023")
    assert ri["snippet"].startswith("his desire to provide his children")
    assert {"motive": "children's freedom", "paragraph": 2, "cue": None, "start": None,
            "end": None, "url": "/t/ri-il-kyu-2023#p-2",
            "text": "his desire to provide his children with the freedom to live their lives "
                    "was a key factor in his decision to defect"} in ri["evidence"]


def test_words_in_a_search_for_a_motive_are_marked_in_the_quotation(client):
    data = client.get("/api/search", query_string={"q": "freedom",
                                                   "motive": "children's freedom"}).get_json()
    ri = next(row for row in data["results"] if row["id"] == "ri-il-kyu-2023")
    assert ri["quoted"] and "<mark>freedom</mark>" in ri["snippet"]


def test_the_search_page_labels_the_quotation_and_links_its_paragraph(client):
    html = client.get("/search?motive=children%27s+freedom").get_data(as_text=True)
    assert 'In their own words <a href="/t/ri-il-kyu-2023#p-2">(paragraph 2)</a>' in html


def test_a_plain_search_keeps_its_snippets_and_has_evidence_in_the_json(client):
    data = client.get("/api/search?q=cuba").get_json()
    ri = next(row for row in data["results"] if row["id"] == "ri-il-kyu-2023")
    assert not ri["quoted"] and ri["evidence"][0]["paragraph"] == 2
    uncoded = client.get("/api/search?q=witness").get_json()["results"]
    assert all(row["evidence"] == [] for row in uncoded)


def test_the_motive_facet_counts_the_records_that_quote_each_motive(client):
    data = client.get("/api/search").get_json()
    children = next(v for v in data["facets"]["motive"] if v["value"] == "children's freedom")
    assert children == {"value": "children's freedom", "count": 6, "quoted": 6, "broader": "family"}
    html = client.get("/search").get_data(as_text=True)
    assert "6 · 6 quoted" in html


def test_quoted_counts_follow_the_search(client):
    data = client.get("/api/search?sector=trade").get_json()
    values = {v["value"]: (v["count"], v["quoted"]) for v in data["facets"]["motive"]}
    assert values["children's freedom"] == (1, 1)
    assert values["hard-currency quota"] == (2, 0)


def test_archive_new_adds_a_coded_motive_to_the_motives(run, empty_archive):
    result = run(empty_archive, "new", "--title", "A clerk", "--year", "2019", "--post", "Clerk",
                 "--sector", "trade", "--motive", "famine",
                 "--body", 'We left [for the children]{.motive term="children\'s future"}.')
    assert result.exit_code == 0, result.output
    text = next(empty_archive.testimonies.glob("a-clerk-2019.md")).read_text("utf-8")
    assert "motives: [famine, children's freedom]\n" in text


def test_with_coded_motives_keeps_what_is_listed_and_adds_the_rest():
    body = '[a]{.motive term="hunger"} [b]{.motive term="famine; children\'s future"}'
    assert with_coded_motives(["Famine"], body, VOCABULARY) == ["Famine", "economic hardship",
                                                                "children's freedom"]


def test_a_json_export_imported_again_keeps_the_coding(run, sample_copy, empty_archive,
                                                       tmp_path):
    dump = tmp_path / "all.json"
    exported = run(sample_copy, "export", "--format", "json", "--private", "--output", str(dump))
    assert exported.exit_code == 0, exported.output  # it once failed in CI, saying nothing
    shutil.copytree(SAMPLE / "media", empty_archive.testimonies / "media")  # files stay files
    imported = run(empty_archive, "import", str(dump))
    assert imported.exit_code == 0, imported.output
    for path in sorted(SAMPLE.glob("*.md")):
        copy = empty_archive.testimonies / path.name
        before = read_testimony(path, VOCABULARY)[0]
        after = read_testimony(copy, VOCABULARY)[0]
        assert passages(after.body, VOCABULARY) == passages(before.body, VOCABULARY), path.name


# Generated bodies: paragraphs of words with coded passages, some restricted inside.
WORDS = st.sampled_from("the river we crossed at night 자유를 찾아 두만강을 e-mail *hunger* "
                        "`code` children's future 1997 Kim".split())
PHRASES = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


@st.composite
def bodies(draw):
    paragraphs, expected = [], []
    for _ in range(draw(st.integers(1, 4))):
        parts = []
        for _ in range(draw(st.integers(1, 3))):
            parts.append(draw(PHRASES))
            if draw(st.booleans()):
                words = draw(PHRASES)
                inner = words
                if draw(st.booleans()):
                    inner = f"{words} [{draw(PHRASES)}]{{.restricted}}"
                term = draw(st.sampled_from(["famine", "hunger; poverty", "자녀의 자유"]))
                parts.append(f'[{inner}]{{.motive term="{term}"}}')
                expected.append(plain_text(inner))
        paragraphs.append(draw(st.sampled_from(["", "> ", "- "])) + "\n".join(parts))
    return "\n\n".join(paragraphs) + "\n", expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_every_passage_is_the_slice_of_the_plain_text_it_points_to(case):
    body, expected = case
    plain, found = passages(body, VOCABULARY)
    assert plain == plain_text(body)
    assert [plain[p.start:p.end] for p in found] == [p.text for p in found]
    assert [p.text for p in found] == expected
    assert coding_problems(body, tuple(VOCABULARY.normalise(t) for t in
                                       ("famine", "economic hardship", "children's freedom")),
                           VOCABULARY, "generated.md") == []


@pytest.fixture(scope="module")
def qdpx_export(tmp_path_factory):
    """A REFI-QDA export of the sample archive (public mode) with one more restricted record."""
    base = tmp_path_factory.mktemp("qdpx")
    import shutil

    shutil.copytree(SAMPLE, base / "testimonies")
    write_record(base / "testimonies", "hidden-coding", access="restricted", motives=["famine"],
                 body='[qzhiddencoded words]{.motive term="famine"}\n')
    from click.testing import CliRunner

    from archive.cli import cli

    out = base / "archive.qdpx"
    result = CliRunner().invoke(cli, ["--testimonies", str(base / "testimonies"), "--index",
                                      str(base / "index"), "export", "--format", "refi-qda",
                                      "--output", str(out)])
    assert result.exit_code == 0, result.output
    return zipfile.ZipFile(out)


def test_the_qdpx_validates_against_the_refi_qda_schema(qdpx_export):
    xmlschema.XMLSchema(str(SCHEMA)).validate(qdpx_export.read("project.qde"))


def test_the_qdpx_holds_codes_sources_selections_and_case_variables(qdpx_export):
    ns = {"q": "urn:QDA-XML:project:1.0"}
    import xml.etree.ElementTree as ET

    project = ET.fromstring(qdpx_export.read("project.qde"))
    codes = {c.get("guid"): c.get("name") for c in project.iter("{urn:QDA-XML:project:1.0}Code")}
    assert "children's freedom" in codes.values()
    parent = project.find(".//q:Code[@name='outside information']", ns)
    assert parent.find("q:Code[@name='Korean Wave media']", ns) is not None  # broader -> parent
    sources = {s.get("name"): s for s in project.iterfind(".//q:TextSource", ns)}
    assert "witness-0457" not in sources and "hidden-coding" not in sources
    ri = sources["ri-il-kyu-2023"]
    text = qdpx_export.read(f"sources/{ri.get('guid')}.txt").decode("utf-8")
    assert ri.get("plainTextPath") == f"internal://{ri.get('guid')}.txt"
    selections = ri.findall("q:PlainTextSelection", ns)
    assert len(selections) == 1
    start, end = int(selections[0].get("startPosition")), int(selections[0].get("endPosition"))
    assert text[start:end].startswith("his desire to provide his children")
    assert codes[selections[0].find("q:Coding/q:CodeRef", ns).get("targetGUID")] == \
        "children's freedom"
    case = project.find(".//q:Case[@name='ri-il-kyu-2023']", ns)
    variables = {project.find(f".//q:Variable[@guid='{v.find('q:VariableRef', ns).get('targetGUID')}']",
                              ns).get("name"): v[1].text for v in case.findall("q:VariableValue", ns)}
    assert variables == {"year": "2023", "sector": "diplomatic", "country": "Cuba",
                         "account": "press", "post": "Counsellor, DPRK Embassy in Cuba",
                         "language": "en", "rank": "elite"}
    driver = project.find(".//q:Case[@name='embassy-driver-2019']", ns)
    assert {project.find(f".//q:Variable[@guid='{v.find('q:VariableRef', ns).get('targetGUID')}']",
                         ns).get("name"): v[1].text
            for v in driver.findall("q:VariableValue", ns)}["left_with"] == "family"
    everything = b"".join(qdpx_export.read(name) for name in qdpx_export.namelist())
    assert b"qzhiddencoded" not in everything


def test_every_selection_of_the_sample_points_at_its_passage(qdpx_export):
    ns = {"q": "urn:QDA-XML:project:1.0"}
    import xml.etree.ElementTree as ET

    project = ET.fromstring(qdpx_export.read("project.qde"))
    checked = 0
    for source in project.iterfind(".//q:TextSource", ns):
        text = qdpx_export.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
        body = read_testimony(SAMPLE / f"{source.get('name')}.md", VOCABULARY)[0].body
        expected = [p.text for p in passages(body, VOCABULARY)[1]]
        found = [text[int(s.get("startPosition")):int(s.get("endPosition"))]
                 for s in source.findall("q:PlainTextSelection", ns)]
        assert found == expected
        checked += len(found)
    assert checked >= 20


def test_refi_qda_needs_an_output_file(run, sample):
    result = run(sample, "export", "--format", "refi-qda")
    assert result.exit_code == 2
    assert "the refi-qda format is a ZIP file: give --output FILE" in result.output


def test_the_passages_csv_has_a_row_per_passage_and_motive(client):
    response = client.get("/export/passages?sector=diplomatic")
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("# Exported from Testimony Archive")
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    assert list(rows[0]) == ["id", "motive", "paragraph", "text", "year", "sector", "country",
                             "account", "rank", "born", "left_with", "url"]
    ri = next(row for row in rows if row["id"] == "ri-il-kyu-2023")
    assert ri["motive"] == "children's freedom" and ri["paragraph"] == "2"
    assert ri["url"].endswith("/t/ri-il-kyu-2023#p-2") and ri["account"] == "press"
    assert (ri["rank"], ri["born"], ri["left_with"]) == ("elite", "", "")
    assert {row["id"] for row in rows} == {"ri-il-kyu-2023", "thae-yong-ho-2016",
                                           "embassy-driver-2019",
                                           "third-secretary-southeast-asia-2018"}


def test_the_refi_qda_download_is_a_zip(client):
    response = client.get("/export/refi-qda?motive=famine")
    assert response.mimetype == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(response.data)).namelist()[0] == "project.qde"


def test_account_is_a_facet_and_a_filter(client):
    data = client.get("/api/search?account=press").get_json()
    assert {row["id"] for row in data["results"]} == {"ri-il-kyu-2023", "thae-yong-ho-2016"}
    assert {"value": "press", "count": 2} in data["facets"]["account"]


def test_account_takes_only_its_terms(tmp_path):
    path = write_record(tmp_path, "an-account", account="radio")
    from archive.errors import InvalidTestimony

    with pytest.raises(InvalidTestimony) as caught:
        read_testimony(path, VOCABULARY)
    assert str(caught.value).endswith("account: expected one of interview, memoir, inquiry, "
                                      "press, other, got 'radio'")


def test_the_sample_archive_codes_only_what_the_seed_article_states():
    for name in ("ri-il-kyu-2023", "thae-yong-ho-2016"):
        body = read_testimony(SAMPLE / f"{name}.md", VOCABULARY)[0].body
        coded_passages = passages(body, VOCABULARY)[1]
        assert coded_passages
        for passage in coded_passages:
            assert passage.text in SEED_ARTICLE, (name, passage.text)
            assert passage.motives == ("children's freedom",)


def test_the_sample_records_of_the_seed_article_hold_only_what_it_states():
    """Both were diplomats at an embassy, whom the article counts among the high-ranking
    ("Diplomats hold the highest ascribed status"): elite. It gives neither a year of birth
    nor says who left with them."""
    assert "Diplomats hold the highest ascribed status" in SEED_ARTICLE
    for name, embassy in (("ri-il-kyu-2023", "embassy in Cuba"),
                          ("thae-yong-ho-2016", "embassy in the United Kingdom")):
        record = read_testimony(SAMPLE / f"{name}.md", VOCABULARY)[0]
        assert embassy in SEED_ARTICLE and record.sector == "diplomatic"
        assert (record.rank, record.born, record.left_with) == ("elite", None, ())


def test_every_sample_record_with_a_body_worth_coding_codes_a_passage():
    coded_records = [p.stem for p in SAMPLE.glob("*.md")
                     if passages(read_testimony(p, VOCABULARY)[0].body, VOCABULARY)[1]]
    assert len(coded_records) >= 15


def test_a_passage_accepted_from_a_suggestion_keeps_its_provenance_unrendered():
    body = ('We left. [The hunger drove us out]{.motive term="famine" by="suggested" '
            'accepted_by="Kim Archivist" accepted_on="2026-12-01"}. [We ate grass]'
            '{.motive term="famine"}.\n')
    found = passages(body, VOCABULARY)[1]
    assert [(p.text, p.suggested, p.accepted_by, p.accepted_on) for p in found] == [
        ("The hunger drove us out", True, "Kim Archivist", "2026-12-01"),
        ("We ate grass", False, None, None)]
    assert coding_problems(body, ("famine",), VOCABULARY, "x.md") == []
    html = render_markdown(body, motive_label=lambda term: term)
    assert "Kim Archivist" not in html and "suggested" not in html and "accepted" not in html
    assert plain_text(body) == "We left. The hunger drove us out. We ate grass."


@pytest.mark.parametrize("attributes, message", [
    ('by="machine"', 'by="machine": the only value is by="suggested" (a passage the archive '
                     "suggested and a person accepted)"),
    ('by="suggested"', 'a passage coded by="suggested" names who accepted it'),
    ('by="suggested" accepted_by=" "', 'a passage coded by="suggested" names who accepted it'),
    ('accepted_by="Kim"', 'accepted_by and accepted_on belong to a passage coded by="suggested"'),
    ('by="suggested" accepted_by="Kim" accepted_on="2026-13-01"',
     "accepted_on: expected a date such as 2024-03-01, got '2026-13-01'"),
])
def test_bad_provenance_is_reported_with_its_line(attributes, message):
    body = f'First line.\n\n[We starved]{{.motive term="famine" {attributes}}}.\n'
    problems = coding_problems(body, ("famine",), VOCABULARY, "x.md", first_line=5)
    assert [str(p) for p in problems] == [f"x.md:7: body: {message}" + (
        "; remove it for your own coding" if message.startswith('by="machine"') else
        ': add accepted_by="..."' if "names who" in message else
        "; add it or remove them" if message.startswith("accepted_by and") else "")]
