"""Do two versions of the archive answer alike? Run the same searches, pages and exports
over the sample plus N generated records, and write everything they answer to a JSON file;
then compare two such files.

It records, for the public and the private view: every query's total, hits (ids, snippets,
evidence), facets, suggestion and the score of every ranked match; the comparisons; a few
record pages and their JSON; and the exports of a search in every text format, their
dated header lines left out. Run it on the code before a change and after it:

    python bench/same_results.py --n 2000 --output before.json
    (change the code)
    python bench/same_results.py --n 2000 --output after.json --compare before.json

The second run exits 1 and names the first difference when the answers differ. Used for
the layout in wings (issue 23) and by every change that must keep results as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

QUERIES = [
    "", "famine", "children's freedom", '"children\'s freedom"', "famine hospital",
    "purge OR recall", "dramas NOT soldier", "dramas -soldier", "starving", "hallyu", "한류",
    'motive:"Korean Wave media"', "sector:trade", "country:china", "year:2016",
    "year:[1990 TO 1999]", "year:>=2010", "diplom*", "자유", "꿈", "법", "통일", '"한국 드라마"',
    "Thae Yong-ho", "Tae Yongho", "리일규", "Lee Il Kyu", "reunifcation", "embassy 대사관",
    "family", "motive:family", "the", "the of", '"the regime"', "kim", "name:kim",
]
FILTERS = [
    {}, {"sector": ["civilian", "military"]}, {"year": ["1990..2005"]},
    {"motive": ["children's freedom"]}, {"motive": ["family"]}, {"language": ["ko"]},
    {"country": ["China"], "account": ["interview"]},
]


def answers(testimonies: Path, index: Path) -> dict:
    """Everything the archive answers to the fixed questions, as plain JSON values."""
    from archive import create_app

    found = {}
    for private in (False, True):
        app = create_app({"TESTING": True, "TESTIMONIES": str(testimonies),
                          "INDEX": str(index), "PRIVATE": private,
                          "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        view = "private" if private else "public"
        for query in QUERIES:
            for filters in FILTERS:
                for sort in ("relevance", "year"):
                    params = {"q": query, "sort": sort, "per_page": 100, **filters}
                    response = client.get("/api/search", query_string=params)
                    found[f"{view} search {json.dumps(params, ensure_ascii=False)}"] = \
                        response.get_json()
        found.update(scores(app, private, view))
        for by in ("period", "sector", "motive", "country", "account"):
            for query in ("", "famine", "자유"):
                response = client.get("/api/compare", query_string={"by": by, "q": query})
                found[f"{view} compare {by} {query}"] = response.get_json()
        ids = sorted(path.stem for path in testimonies.glob("*.md")
                     if path.name != "README.md")[:40]
        for testimony_id in ids:
            page = client.get(f"/t/{testimony_id}")
            found[f"{view} page {testimony_id}"] = [page.status_code,
                                                    without_tokens(page.get_data(as_text=True))]
            found[f"{view} api {testimony_id}"] = client.get(f"/api/t/{testimony_id}").get_json()
        for path in ("/", "/search?q=famine", "/search?q=%EC%9E%90%EC%9C%A0&sector=civilian",
                     "/compare?by=sector", "/search.csv?q=famine", "/sitemap.xml",
                     "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"):
            page = client.get(path)
            found[f"{view} {path}"] = [page.status_code,
                                       without_tokens(page.get_data(as_text=True))]
    found.update(exports(testimonies, index))
    return found


def scores(app, private: bool, view: str) -> dict:
    """Each query's ranked matches with their scores (rounded to 12 digits), by record id."""
    from archive.service import archive_of

    found = {}
    with app.app_context():
        index = archive_of(app).index
        snapshot = index.snapshot()
        ids = snapshot.ids()
        for query in QUERIES:
            parsed = index._parse(snapshot, query)
            if parsed is None:
                continue
            ranking = snapshot.rank(parsed, False, query)
            if ranking.scores is not None:
                ranked = {ids[d]: round(s, 12) for d, s in ranking.scores.items() if d in ids}
            else:
                ranked = [ids[d] for d in ranking.docs() if d in ids]
            found[f"{view} scores {query}"] = ranked
    return found


def exports(testimonies: Path, index: Path) -> dict:
    """`archive export` of two searches in every text format, dated lines left out."""
    found = {}
    for fmt in ("json", "csv", "csl-json", "bibtex", "ris", "passages"):
        for query in ("", "famine"):
            for private in ((), ("--private",)):
                result = subprocess.run(
                    [sys.executable, "-m", "archive", "--testimonies", str(testimonies),
                     "--index", str(index), "export", "--format", fmt, *private, "--", query]
                    if query else
                    [sys.executable, "-m", "archive", "--testimonies", str(testimonies),
                     "--index", str(index), "export", "--format", fmt, *private],
                    capture_output=True, text=True, check=False)
                found[f"export {fmt} {query} {private}"] = [
                    result.returncode, without_dates(result.stdout), result.stderr]
    return found


def without_tokens(text: str) -> str:
    """A page without what changes at every request (CSRF tokens, nonces, the time)."""
    text = re.sub(r'name="csrf_token"[^>]*>', "", text)
    return without_dates(re.sub(r'nonce="[^"]*"', "", text))


def without_dates(text: str) -> str:
    """An export without the moment it was made."""
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", "DATE",
                  re.sub(r"\b(exported|made)[^\n]*\d{4}-\d\d-\d\d[^\n]*", "DATED", text))


def first_difference(before, after, where: str = "") -> str | None:
    """Where two answers first differ, as a path and both values; None when equal."""
    if type(before) is not type(after):
        return f"{where}: {before!r:.200} != {after!r:.200}"
    if isinstance(before, dict):
        for key in sorted(set(before) | set(after)):
            if key not in before or key not in after:
                return f"{where}/{key}: present on one side only"
            found = first_difference(before[key], after[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(before, list):
        if len(before) != len(after):
            return f"{where}: {len(before)} items != {len(after)} items"
        for number, (one, other) in enumerate(zip(before, after)):
            found = first_difference(one, other, f"{where}[{number}]")
            if found:
                return found
        return None
    return None if before == after else f"{where}: {before!r:.300} != {after!r:.300}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="generated records beside the sample")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="an earlier run's output to compare with")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="same-results-"))
    os.environ.setdefault("ARCHIVE_KEY_FILE", str(work / "index.key"))
    try:
        testimonies, index = work / "testimonies", work / "index"
        generate(args.n, testimonies, seed=13)
        for path in (HERE.parent / "testimonies").glob("*.md"):
            if path.name != "README.md":
                shutil.copy(path, testimonies / path.name)
        subprocess.run([sys.executable, "-m", "archive", "--testimonies", str(testimonies),
                        "--index", str(index), "index", "--rebuild", "--processes", "1"],
                       check=True, capture_output=True)
        found = answers(testimonies, index)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.output.write_text(json.dumps(found, ensure_ascii=False, sort_keys=True, indent=0),
                           encoding="utf-8")
    print(f"{len(found)} answers written to {args.output}")
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        difference = first_difference(before, found)
        if difference:
            print(f"The answers differ: {difference}")
            return 1
        print(f"All {len(found)} answers are identical to {args.compare}'s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
