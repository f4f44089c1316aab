"""Generated input never breaks the archive: queries answer 200 or 400 with one sentence;
record files load or give one-line problems. The full runs (3,000 examples each) are marked
slow and run in CI; the default test run tries fewer."""

from __future__ import annotations

import json
import re
import string
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.records.collection import vocabulary_for
from archive.records.testimony import parse_testimony

from .helpers import SAMPLE, valid_oai

FULL = 3000
QUICK = 150
VOCABULARY = vocabulary_for(SAMPLE)
# No deadline and no health checks: the inputs are large on purpose, and CI machines vary.
SLOW = {"max_examples": FULL, "deadline": None, "suppress_health_check": list(HealthCheck)}
FAST = dict(SLOW, max_examples=QUICK)

QUERY_PIECES = st.sampled_from([
    "AND", "OR", "NOT", "(", ")", '"', "*", "?", "~", "^", ":", "[", "]", "{", "}", "TO", "-",
    "year:", "year:199*", "year:>=", "title:", "motive:", "sector:", "name:", "tag:", "\\",
    "famine", "자유", "두만강", "Thae", "Yong-ho", "children's", "2016", "1990", "\x00", "\u202e",
    "\ud800", "é", "ｆｕｌｌ", "'", "/", "<script>", "&", "%", "+", ".."])
QUERIES = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(QUERY_PIECES, st.text(string.ascii_letters, max_size=8)),
             max_size=12).map(" ".join),
    st.lists(QUERY_PIECES, max_size=20).map("".join),
)
FILTERS = st.dictionaries(st.sampled_from(["motive", "sector", "country", "year", "gender",
                                           "language", "colour"]),
                          st.one_of(st.text(max_size=12), st.sampled_from(
                              ["famine", "trade", "2016..2020", "..1999", "ko", "China"])),
                          max_size=3)


def check_web(client, query: str, filters: dict) -> None:
    params = urlencode({"q": query.replace("\x00", ""), **filters}, errors="surrogatepass")
    for path in ("/search", "/api/search", "/search.csv", "/compare", "/api/compare",
                 "/compare.csv", "/compare?by=motive", "/api/compare?by=sector&period=3"):
        joined = "&" if "?" in path else "?"
        response = client.get(f"{path}{joined}{params}")
        assert response.status_code in (200, 400), (path, params, response.status_code)
        if response.status_code == 400 and path.startswith("/api/"):
            message = response.get_json()["error"]
            assert "\n" not in message and "Traceback" not in message


OAI_ARGS = st.lists(st.tuples(
    st.sampled_from(["verb", "metadataPrefix", "identifier", "from", "until", "set",
                     "resumptionToken", "x"]),
    st.one_of(st.text(max_size=30), st.sampled_from([
        "ListRecords", "ListIdentifiers", "GetRecord", "Identify", "ListSets",
        "ListMetadataFormats", "oai_dc", "oai:localhost:thae-yong-ho-2016", "2016-01-01",
        "2016-01-01T00:00:00Z", "sector:diplomatic", "motive", "eyJhZnRlciI6IngifQ"]))),
    max_size=6)


def check_oai(client, args: list) -> None:
    """Any arguments: a well-formed OAI-PMH answer, an error code the protocol defines or
    the verb's element."""
    query = urlencode([(k, v.replace("\x00", "")) for k, v in args], errors="surrogatepass")
    for response in (client.get(f"/oai?{query}"), client.post(
            "/oai", data=query, content_type="application/x-www-form-urlencoded")):
        assert response.status_code == 200, (query, response.status_code)
        root = ET.fromstring(valid_oai(response.data))
        error = root.find("{http://www.openarchives.org/OAI/2.0/}error")
        assert error is None or error.get("code") in (
            "badVerb", "badArgument", "cannotDisseminateFormat", "idDoesNotExist",
            "noRecordsMatch", "badResumptionToken", "noMetadataFormats", "noSetHierarchy")
        assert error is not None or len(root) == 3, query


def check_cli(run, sample, query: str, filters: dict) -> None:
    options = [f"--filter={k}={v}" for k, v in filters.items() if v.strip()]
    args = ["search", "--json", *options, "--", query]  # after `--`, even "--json" is a query
    result = run(sample, *args)
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert result.exit_code in (1, 2), result.output
        lines = result.stderr.strip().splitlines()
        assert lines and not any("Traceback" in line for line in lines), result.stderr
        if result.exit_code == 1:
            assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


@settings(**FAST)
@given(query=QUERIES, filters=FILTERS)
def test_generated_queries_on_the_web(client, query, filters):
    check_web(client, query, filters)


@settings(**FAST)
@given(query=QUERIES, filters=FILTERS)
def test_generated_queries_in_the_cli(run, sample, query, filters):
    if "\x00" in query or any("\x00" in v for v in filters.values()):
        return  # an argument vector cannot hold NUL
    check_cli(run, sample, query, filters)


@settings(**FAST)
@given(args=OAI_ARGS)
def test_generated_oai_requests(client, args):
    check_oai(client, args)


@pytest.mark.slow
@settings(**SLOW)
@given(args=OAI_ARGS)
def test_3000_generated_oai_requests(client, args):
    check_oai(client, args)


@pytest.mark.slow
@settings(**SLOW)
@given(query=QUERIES, filters=FILTERS)
def test_3000_generated_queries_on_the_web(client, query, filters):
    check_web(client, query, filters)


@pytest.mark.slow
@settings(**SLOW)
@given(query=QUERIES, filters=FILTERS)
def test_3000_generated_queries_in_the_cli(run, sample, query, filters):
    if "\x00" in query or any("\x00" in v for v in filters.values()):
        return
    check_cli(run, sample, query, filters)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=40), st.sampled_from(["2016", "2003-02-30", "2016-08", "famine",
                                                           "trade", "restricted", "ko", "\ud800"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=12)
FIELDS = st.sampled_from(["title", "year", "post", "sector", "country", "motives", "name", "aliases",
                          "pseudonym", "gender", "born", "defected_on", "language", "summary", "tags",
                          "sources", "access", "withhold", "recorded_by", "recorded_on", "id", "motive"])
FRONT_MATTERS = st.one_of(
    st.dictionaries(FIELDS, VALUES, max_size=12).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True) if d else ""),
    st.text(max_size=300),
    st.lists(st.sampled_from(["title: x", "year: 2016", "  - a", "motives: [", "&a b", "*a",
                              "!!python/object:os.system", "? x", "---", "...", "\t", ": :"]),
             max_size=10).map("\n".join),
)
BODIES = st.one_of(st.text(max_size=300), st.sampled_from(["![" * 3000, "[x]{.restricted}", "<script>"]))
PROBLEM_LINE = re.compile(r"^[^:\n]+(:\d+)?: [^:\n]+: .+$")


def check_record(front: str, body: str, raw_bytes: bytes | None = None) -> None:
    raw = raw_bytes if raw_bytes is not None else \
        f"---\n{front}\n---\n{body}".encode("utf-8", "surrogatepass")
    testimony, problems = parse_testimony(raw, "fuzzed-record", VOCABULARY, "fuzzed-record.md")
    for problem in problems:
        text = str(problem)
        assert "\n" not in text and PROBLEM_LINE.match(text), text
        assert text.startswith("fuzzed-record.md")
    if testimony is None:
        assert any(not p.warning for p in problems)


@settings(**FAST)
@given(front=FRONT_MATTERS, body=BODIES)
def test_generated_records_load_or_give_one_line_problems(front, body):
    check_record(front, body)


@settings(**FAST)
@given(raw=st.binary(max_size=400))
def test_generated_bytes_load_or_give_one_line_problems(raw):
    check_record("", "", b"---\n" + raw)


@pytest.mark.slow
@settings(**SLOW)
@given(front=FRONT_MATTERS, body=BODIES)
def test_3000_generated_records_load_or_give_one_line_problems(front, body):
    check_record(front, body)
