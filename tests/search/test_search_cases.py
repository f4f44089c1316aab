"""The Korean and name-variant test set (tests/search/search_cases.yaml), in the CLI and on the web."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml

CASES = yaml.safe_load((Path(__file__).parent / "search_cases.yaml").read_text(encoding="utf-8"))


def check(case: dict, ids: list[str]) -> None:
    if "first" in case:
        assert ids and ids[0] == case["first"], ids
    if "finds" in case:
        assert set(case["finds"]) <= set(ids), ids


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_case_in_the_cli(case, run, sample):
    result = run(sample, "search", case["query"], "--json", "--limit", "100")
    assert result.exit_code == 0, result.output
    check(case, [r["id"] for r in json.loads(result.stdout)["results"]])


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_case_on_the_web(case, client):
    data = client.get("/api/search?" + urlencode({"q": case["query"], "per_page": 100})).get_json()
    check(case, [r["id"] for r in data["results"]])
