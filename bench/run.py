"""The archive side by side with Datasette over SQLite FTS5, on the same generated records.

Both serve the same N records (bench/generate.py, seeded) on 127.0.0.1 and answer the same
queries over HTTP, in turns, with all facet counts: the archive through /api/search,
Datasette through its table JSON with `_facet` and `_facet_array`. The searches are asked
in the same turns of a second archive server in accounts mode, logged in as a researcher
(who reads the researchers' view of the index). Prints medians, p95 and their ratios,
build times, index sizes, peak memory, and how long an edited record takes to be found
(after `archive index`, `archive index FILE` and a web save). Benchmarks are not tests:
nothing here asserts a time.

Usage: python bench/run.py [--n 34000] [--repeat 15] [--work bench/.work] [--reuse]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import suppress
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

from archive.records.collection import read_archive  # noqa: E402
from archive.records.redaction import public_view  # noqa: E402
from archive.records.rendering import plain_text  # noqa: E402
from archive.records.recording import cue_plain_texts  # noqa: E402
from archive.records.vocabulary import Vocabulary  # noqa: E402

BIN = Path(sys.executable).parent
FACETS = ("_facet=sector&_facet=country&_facet=year&_facet=gender&_facet=language"
          "&_facet=account&_facet_array=motives")
MOTIVE = "children's freedom"
PASSWORD = "river lantern orchard 42"  # the researcher's, as in bench/login.py


def queries(common: list[str], rare: str) -> list[tuple[str, dict, dict]]:
    """(label, archive parameters, Datasette parameters) for the same question."""
    a, b = common[0], common[1]
    return [
        ("one common word", {"q": a}, {"_search": a}),
        ("one rare word", {"q": rare}, {"_search": rare}),
        ("two words", {"q": f"{a} {b}"}, {"_search": f"{a} {b}"}),
        ("phrase of common words", {"q": f'"{a} {b}"'}, {"_search": f'"{a} {b}"'}),
        ("word + sector filter", {"q": a, "sector": "civilian"}, {"_search": a, "sector": "civilian"}),
        ("word + year range", {"q": a, "year": "1990..1999"},
         {"_search": a, "year__gte": "1990", "year__lte": "1999"}),
        ("filters only: country + sector", {"country": "China", "sector": "trade"},
         {"country": "China", "sector": "trade", "_sort_desc": "year"}),
        ("browse the whole archive", {}, {"_sort_desc": "year"}),
        # Datasette has no passages: its side is the same filter, with the same facets.
        ("a motive, with evidence snippets", {"motive": MOTIVE},
         {"motives__arraycontains": MOTIVE, "_sort_desc": "year"}),
        ("word + motive, with evidence", {"q": a, "motive": MOTIVE},
         {"_search": a, "motives__arraycontains": MOTIVE}),
        # FTS5 cuts text at spaces: its nearest question is a prefix (자유* finds 자유를;
        # 꿈* finds 꿈도 but not 개꿈, which the archive finds too).
        ("Korean word (자유)", {"q": "자유"}, {"_search": "자유*", "_searchmode": "raw"}),
        ("Korean syllable, in words too (꿈)", {"q": "꿈"},
         {"_search": "꿈*", "_searchmode": "raw"}),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=600).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def fetch(url: str, opener: urllib.request.OpenerDirector | None = None) -> float:
    """Milliseconds to fetch a URL whole (through `opener`, with its cookies, when given)."""
    started = time.perf_counter()
    with (opener.open if opener else urllib.request.urlopen)(url, timeout=120) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def total(url: str, opener: urllib.request.OpenerDirector | None = None) -> int:
    """The number of records a search URL finds."""
    with (opener.open if opener else urllib.request.urlopen)(url, timeout=120) as response:
        return json.loads(response.read())["total"]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def build_archive(records: Path, index: Path) -> dict:
    """A rebuild's time, index size and the peak memory of its largest process (that
    process tree's own: earlier children of the bench, such as a parallel read of the
    records, are not counted)."""
    shutil.rmtree(index, ignore_errors=True)
    started = time.perf_counter()
    build = subprocess.Popen([BIN / "archive", "--testimonies", records, "--index", index,
                              "index", "--rebuild"], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(build.pid, 0)
    build.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if build.returncode:
        raise subprocess.CalledProcessError(build.returncode, build.args)
    return {"seconds": seconds, "size_mb": folder_mb(index), "peak_mb": usage.ru_maxrss / 1024}


def build_sqlite(records: Path, database: Path) -> dict:
    """The same public records in SQLite with an FTS5 index, as Datasette would serve them."""
    import sqlite_utils

    started = time.perf_counter()
    database.unlink(missing_ok=True)
    db = sqlite_utils.Database(database)
    rows = []
    for t in read_archive(records).testimonies:
        t = public_view(t)
        rows.append({"id": t.id, "title": t.title, "year": t.year, "post": t.post,
                     "sector": t.sector, "country": t.country, "gender": t.gender,
                     "language": t.language, "account": t.account,
                     "motives": json.dumps(list(t.motives)),
                     "names": " ".join(filter(None, (t.name, *t.aliases))),
                     "summary": t.summary or "", "body": plain_text(t.body),
                     "transcript": "\n".join(plain for _cue, plain in
                                             cue_plain_texts(t.media, Vocabulary(()))[0])})
    read = time.perf_counter() - started  # the records read as the archive reads them
    db["testimonies"].insert_all(rows, pk="id", batch_size=2000)
    for column in ("sector", "country", "year", "gender", "language", "account"):
        db["testimonies"].create_index([column])
    db["testimonies"].enable_fts(["title", "summary", "body", "post", "names", "transcript"],
                                 tokenize="porter")
    db.vacuum()
    return {"seconds": time.perf_counter() - started, "read_seconds": read,
            "size_mb": database.stat().st_size / 1e6}


def common_words(database: Path) -> tuple[list[str], str]:
    """Frequent and rare words of the corpus, read from the FTS5 vocabulary."""
    con = sqlite3.connect(database)
    con.execute("CREATE VIRTUAL TABLE IF NOT EXISTS v USING fts5vocab(testimonies_fts, row)")
    rows = con.execute("SELECT term, doc FROM v WHERE length(term) > 4 ORDER BY doc DESC").fetchall()
    total = con.execute("SELECT count(*) FROM testimonies").fetchone()[0]
    common = [t for t, d in rows if d < total * 0.8 and t.isalpha()][:2]
    rare = next(t for t, d in reversed(rows) if t.isalpha() and d >= 3)
    con.close()
    return common, rare


def stem_back(stems: list[str], records: Path) -> list[str]:
    """A surface word for each stem (FTS5's porter vocabulary holds stems)."""
    import re

    from whoosh.lang.porter import stem

    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(records.glob("*.md"))[:50])
    by_stem: dict[str, str] = {}
    for word in re.findall(r"[a-z]+", text.lower()):
        by_stem.setdefault(stem(word), word)
    return [by_stem.get(s, s) for s in stems]


def comparisons(database: str) -> list[tuple[str, str, str]]:
    """(label, archive path, Datasette SQL) for the same counts of motives by column."""
    each = "from testimonies, json_each(testimonies.motives) m"
    return [
        ("compare by period (JSON)", "/api/compare?by=period",
         f"select m.value, year / 5 * 5, count(*) {each} group by 1, 2"),
        ("compare by sector (JSON)", "/api/compare?by=sector",
         f"select m.value, sector, count(*) {each} group by 1, 2"),
        ("motives stated together (JSON)", "/api/compare?by=motive",
         "select a.value, b.value, count(*) from testimonies, json_each(testimonies.motives) a, "
         "json_each(testimonies.motives) b group by 1, 2"),
        ("compare by period (page)", "/compare?by=period",
         f"select m.value, year / 5 * 5, count(*) {each} group by 1, 2"),
        ("motives stated together (page)", "/compare?by=motive",
         "select a.value, b.value, count(*) from testimonies, json_each(testimonies.motives) a, "
         "json_each(testimonies.motives) b group by 1, 2"),
    ]


def harvesting(records: Path, database: str, port: int, dport: int) -> list[tuple[str, str, str]]:
    """(label, archive URL, Datasette URL): a page of 100 records for a harvester, first and
    deep in the list (OAI-PMH `oai_dc` with its token; Datasette's table JSON by keyset)."""
    from archive.exchange.oai import _token

    ids = sorted(p.stem for p in records.glob("*.md"))
    middle = ids[len(ids) // 2]
    oai = f"http://127.0.0.1:{port}/oai?"
    rows = f"http://127.0.0.1:{dport}/{database}/testimonies.json?_size=100&_sort=id"
    return [
        ("OAI-PMH ListRecords, first page", oai + "verb=ListRecords&metadataPrefix=oai_dc", rows),
        ("OAI-PMH ListRecords, page by token", oai + urllib.parse.urlencode(
            {"verb": "ListRecords", "resumptionToken": _token(
                {"metadataPrefix": "oai_dc", "after": middle})}),
         rows + "&" + urllib.parse.urlencode({"id__gt": middle})),
    ]


def whole_harvest(port: int) -> tuple[float, int]:
    """Seconds to harvest every identifier, page after page as a harvester does, and pages."""
    import xml.etree.ElementTree as ET

    url = f"http://127.0.0.1:{port}/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"
    started, pages = time.perf_counter(), 0
    while url:
        root = ET.fromstring(urllib.request.urlopen(url).read())
        pages += 1
        token = root.find(".//{http://www.openarchives.org/OAI/2.0/}resumptionToken")
        url = (f"http://127.0.0.1:{port}/oai?verb=ListIdentifiers&resumptionToken="
               + urllib.parse.quote(token.text)) if token is not None and token.text else None
    return time.perf_counter() - started, pages


def measure(label: str, ours: str, theirs: str, repeat: int, peer: str | None = None,
            researcher: tuple | None = None) -> dict:
    """p50 and p95 of each engine's answers to one question, asked in turns (so that all
    see the same machine); `peer` is tantivy's address for the question, when it has one,
    and `researcher` the accounts server's address with a researcher's logged-in opener."""
    urls = {"archive": (ours, None), "datasette": (theirs, None),
            **({"tantivy": (peer, None)} if peer else {}),
            **({"researcher": researcher} if researcher else {})}
    for url, opener in urls.values():  # warm up
        fetch(url, opener)
        fetch(url, opener)
    times: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(repeat):
        for name, (url, opener) in urls.items():
            times[name].append(fetch(url, opener))
    row = {"query": label}
    for name, values in times.items():
        values.sort()
        row[name] = {"p50": statistics.median(values),
                     "p95": values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]}
    if peer:  # the same question, the same answer: the totals agree
        row["totals"] = [total(ours), total(peer)]
    if researcher:  # a researcher finds what the public finds, and more
        row["researcher_totals"] = [total(ours), total(*researcher)]
    return row


def researcher_account(records: Path) -> tuple[str, bool]:
    """A researcher's account in the accounts store `archive serve --accounts` opens for
    these records (beside them, not among them: `store_path`), and True when this made
    the store."""
    from archive.access import accounts
    from archive.access.store import Store, store_path

    path, name = store_path(records), f"bench.{os.getpid()}"
    made, store = not path.exists(), Store(path)
    accounts.accept_invitation(store, accounts.add_account(store, name, "researcher"), PASSWORD)
    return name, made


def forget_account(records: Path, name: str, made: bool) -> None:
    """Leave the accounts store as it was: its files removed when the bench made it
    (SQLite's -wal and -shm, the audit's key and chain too), else the account removed."""
    from archive.access import accounts
    from archive.access.store import Store, store_path

    path = store_path(records)
    if made:
        for leftover in path.parent.glob(path.stem + ".*"):
            leftover.unlink()
    else:
        accounts.remove_account(Store(path), name, by="bench")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None  # the login's 303 is an answer to check, not to follow


def log_in(port: int, name: str) -> urllib.request.OpenerDirector:
    """An opener holding a researcher's session, logged in as a browser does: the login
    form's CSRF token (with Flask's cookie), then the name and password posted."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    url = f"http://127.0.0.1:{port}/login"
    page = opener.open(url, timeout=60).read().decode("utf-8")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"name": name, "password": PASSWORD, "csrf_token": csrf}
    try:
        status = opener.open(url, urllib.parse.urlencode(form).encode(), timeout=60).status
    except urllib.error.HTTPError as answer:
        status = answer.code
    if status != 303 or "session-token" not in {cookie.name for cookie in jar}:
        raise RuntimeError(f"the researcher {name!r} could not log in (HTTP {status}, no "
                           "session cookie): see the accounts server's messages")
    return opener


def split_researcher(rows: list[dict]) -> list[dict]:
    """The researcher's measurements taken out of the rows, as rows of their own; a
    sentence when the totals show that the login did not open the researchers' view."""
    split = [{"query": row["query"], "public": row["archive"], "researcher": row.pop("researcher"),
              "datasette": row["datasette"],
              "totals": dict(zip(("public", "researcher"), row.pop("researcher_totals")))}
             for row in rows]
    found = [row["totals"]["researcher"] - row["totals"]["public"] for row in split]
    if min(found) < 0 or max(found) == 0:  # generate.py makes one record in 25 for researchers
        raise RuntimeError("a researcher's searches found fewer records than the public's, or "
                           "never more: the login did not open the researchers' view")
    return split


def print_researcher(rows: list[dict], repeat: int) -> None:
    """The table of the same searches as a logged-in researcher, with the totals."""
    print(f"\nthe same searches as a logged-in researcher (accounts mode, the researchers' "
          f"view), in the same turns, {repeat} runs each:\n")
    print("| query | public p50 | public p95 | researcher p50 | researcher p95 | Datasette p50 "
          "| researcher / Datasette | totals: public, researcher |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        a, r, d, n = row["public"], row["researcher"], row["datasette"], row["totals"]
        print(f"| {row['query']} | {a['p50']:.0f} ms | {a['p95']:.0f} ms | {r['p50']:.0f} ms | "
              f"{r['p95']:.0f} ms | {d['p50']:.0f} ms | {r['p50'] / d['p50']:.2f} | "
              f"{n['public']:,}, {n['researcher']:,} |")
    ours, theirs = (statistics.median(row[name]["p50"] for row in rows)
                    for name in ("researcher", "datasette"))
    print(f"| median of the searches | | | {ours:.0f} ms | | {theirs:.0f} ms | "
          f"{ours / theirs:.2f} | |")


def build_tantivy(records: Path, folder: Path) -> dict:
    """The same public records in tantivy (bench/tantivy_peer.py), in a process of its own."""
    found = subprocess.run([sys.executable, HERE / "tantivy_peer.py", "build", records, folder],
                           check=True, capture_output=True, text=True)
    return json.loads(found.stdout)


def open_record(records: Path, number: int) -> Path:
    """The `number`-th record the public may read in full (access public, no embargo): an
    edit of any other would never be found by a public search, and the bench would wait."""
    readable = [path for path in sorted(records.glob("*.md"))
                if "\naccess: public\n" in (text := path.read_text(encoding="utf-8"))
                and "\nembargo_until:" not in text]
    return readable[number]


def until_found(url: str, seconds: float = 120) -> None:
    """Search until the edited word is found once; a sentence, not a hang, when it is not."""
    deadline = time.monotonic() + seconds
    while json.loads(urllib.request.urlopen(url, timeout=60).read())["total"] != 1:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not find the edited record within {seconds:.0f} s")
        time.sleep(0.01)


EDITS = 3  # edits timed for each path to finding them; the bench prints their median


def edit_visibility(records: Path, index: Path, port: int) -> dict:
    """Seconds from saving a changed record to finding it, by the CLI's and the web's path
    (the median of a few edits each: one edit in eight also merges the small segments
    edits leave)."""
    from archive.search.indexing import update_index

    path = open_record(records, 7)
    original = path.read_text(encoding="utf-8")
    results = {}
    for how, word in (("archive index (CLI)", "zebraquartz"),
                      ("archive index FILE (CLI)", "quokkaplume"), ("web form save", "yakquill")):
        if how.startswith("archive index"):
            files = [path] if "FILE" in how else []
            command = [BIN / "archive", "--testimonies", records, "--index", index, "index",
                       *files]
            index_it = partial(subprocess.run, command, check=True, stdout=subprocess.DEVNULL)
        else:
            index_it = partial(update_index, records, index, only=[path])
        results[how] = median_edit(path, original, word, port, index_it)
    path.write_text(original, encoding="utf-8")
    return results


def median_edit(path: Path, original: str, word: str, port: int, index_it=None) -> float:
    """The median of `EDITS` seconds from saving `path` with a new word (`word` and a
    letter) to the server on `port` finding it, `index_it` called after each save (none:
    the server's watcher sees it)."""
    times = []
    for number in range(EDITS):
        edited = f"{word}{'abcdefghij'[number]}"
        path.write_text(original.rstrip("\n") + f"\n\nA new word {edited}.\n", encoding="utf-8")
        started = time.perf_counter()
        if index_it:
            index_it()
        until_found(f"http://127.0.0.1:{port}/api/search?q={edited}")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def unchanged_index(records: Path, index: Path, runs: int = 3) -> float:
    """Seconds `archive index` takes, as a command, over files that have not changed since
    the last run (the median of a few runs)."""
    command = [BIN / "archive", "--testimonies", records, "--index", index, "index"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # whatever changed before
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def watched_edit(records: Path, index: Path) -> float:
    """Seconds from an outside save (a text editor's) to finding it, with no `archive
    index`: the running server's watcher indexes it (the median of a few saves)."""
    port = free_port()
    server = subprocess.Popen([BIN / "archive", "--testimonies", records, "--index", index,
                               "serve", "--port", str(port)], stderr=subprocess.DEVNULL)
    path = open_record(records, 11)
    original = path.read_text(encoding="utf-8")
    try:
        wait_for(f"http://127.0.0.1:{port}/api/search")
        time.sleep(1)  # the watcher starts after the server
        return median_edit(path, original, "wrenquartz", port)
    finally:
        path.write_text(original, encoding="utf-8")
        time.sleep(1.5)
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=34000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    parser.add_argument("--reuse", action="store_true", help="Reuse records and indexes built before.")
    parser.add_argument("--transcripts", type=float, default=0.1,
                        help="The share of records with an hour's transcript (0 for none).")
    parser.add_argument("--build-only", action="store_true",
                        help="Generate and build the archive's index, print its time and size.")
    args = parser.parse_args()
    share = f"-tr{args.transcripts:g}".replace(".", "p")  # no dot: Datasette reads one as a format
    records, index = args.work / f"t{args.n}{share}", args.work / f"i{args.n}{share}"
    database = args.work / f"bench{args.n}{share}.db"

    print(f"# {args.n:,} generated records; {platform.node()}: {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    if not (args.reuse and records.exists()):
        started = time.perf_counter()
        generate(args.n, records, transcripts=args.transcripts)
        print(f"generated in {time.perf_counter() - started:.1f} s "
              f"({folder_mb(records):.0f} MB of Markdown and WebVTT; a share of "
              f"{args.transcripts:g} with an hour's transcript)")
    ours_build = build_archive(records, index) if not (args.reuse and index.exists()) else None
    if args.build_only:
        print(f"archive build: {ours_build['seconds']:.1f} s, index {ours_build['size_mb']:.0f} "
              f"MB, peak memory {ours_build['peak_mb']:.0f} MB")
        return
    theirs_build = build_sqlite(records, database) if not (args.reuse and database.exists()) else None
    peer = args.work / f"tantivy{args.n}{share}"
    peer_build = build_tantivy(records, peer) if not (args.reuse and peer.exists()) else None

    researcher, made = researcher_account(records)  # before the servers: one opens its store
    port, dport, tport = free_port(), free_port(), free_port()
    archive = subprocess.Popen([BIN / "archive", "--testimonies", records, "--index", index,
                                "serve", "--port", str(port), "--no-watch"],
                               stderr=subprocess.DEVNULL)
    datasette = subprocess.Popen([BIN / "datasette", "serve", database, "--port", str(dport),
                                  "--setting", "default_facet_size", "50",
                                  "--setting", "sql_time_limit_ms", "20000",
                                  "--setting", "facet_time_limit_ms", "20000",
                                  "--setting", "num_sql_threads", "2"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tantivy = subprocess.Popen([sys.executable, HERE / "tantivy_peer.py", "serve", peer,
                                "--port", str(tport)])
    servers = [archive, datasette, tantivy]
    try:
        wait_for(f"http://127.0.0.1:{port}/api/search")
        aport = free_port()  # after the first server: each brings the index up to date first
        accounts = subprocess.Popen([BIN / "archive", "--testimonies", records, "--index", index,
                                     "serve", "--accounts", "--port", str(aport), "--no-watch"],
                                    stderr=(args.work / "accounts-server.log").open("w"))
        servers.append(accounts)
        wait_for(f"http://127.0.0.1:{aport}/api/search")
        opener = log_in(aport, researcher)
        login_mb = peak_rss_mb(accounts.pid)  # argon2id's 64 MiB; then the searches' own peak
        with suppress(OSError):  # Linux: the peak counted again from now
            Path(f"/proc/{accounts.pid}/clear_refs").write_text("5")
        wait_for(f"http://127.0.0.1:{tport}/search")
        wait_for(f"http://127.0.0.1:{dport}/{database.stem}/testimonies.json?_size=1")
        common, rare = common_words(database)
        common = stem_back(common, records)
        rows = []
        for label, ours, theirs in queries(common, rare):
            ours_url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode(ours)
            theirs_url = (f"http://127.0.0.1:{dport}/{database.stem}/testimonies.json?"
                          + urllib.parse.urlencode(dict(theirs, _searchmode="raw", _size=20))
                          + "&" + FACETS)
            peer_url = f"http://127.0.0.1:{tport}/search?" + urllib.parse.urlencode(ours)
            as_researcher = (f"http://127.0.0.1:{aport}/api/search?"
                             + urllib.parse.urlencode(ours), opener)
            rows.append(measure(label, ours_url, theirs_url, args.repeat, peer_url,
                                as_researcher))
        researcher_rows = split_researcher(rows)
        # Comparisons: Datasette's side is the same counts in SQL (json_each over motives).
        for label, path, sql in comparisons(database.stem):
            theirs_url = (f"http://127.0.0.1:{dport}/{database.stem}.json?"
                          + urllib.parse.urlencode({"sql": sql, "_shape": "array"}))
            rows.append(measure(label, f"http://127.0.0.1:{port}{path}", theirs_url,
                                args.repeat))
        # Harvesting: a page of 100 records, as OAI-PMH and as Datasette's table JSON.
        first_oai = fetch(f"http://127.0.0.1:{port}/oai?verb=Identify")  # builds the catalogue
        for label, ours, theirs in harvesting(records, database.stem, port, dport):
            rows.append(measure(label, ours, theirs, args.repeat))
        harvest_seconds, harvest_pages = whole_harvest(port)
        edits = edit_visibility(records, index, port)
        memory = {"archive": peak_rss_mb(archive.pid), "datasette": peak_rss_mb(datasette.pid),
                  "tantivy": peak_rss_mb(tantivy.pid), "archive_accounts": peak_rss_mb(accounts.pid),
                  "archive_accounts_login": login_mb}
    finally:
        for server in servers:
            server.terminate()
            server.wait()
        forget_account(records, researcher, made)
    edits["an outside edit, seen by the server's watcher"] = watched_edit(records, index)
    unchanged = unchanged_index(records, index)

    print(f"\nqueries, each with all facet counts (words: {common[0]!r}, {common[1]!r}; "
          f"rare: {rare!r}), then comparisons of motives (Datasette: the same counts in SQL), "
          f"{args.repeat} runs each, in turns:\n")
    print("| query | archive p50 | archive p95 | Datasette p50 | Datasette p95 | p50 ratio "
          "| tantivy p50 | tantivy p95 | archive / tantivy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        a, d, t = row["archive"], row["datasette"], row.get("tantivy")
        peer_cells = (f"{t['p50']:.0f} ms | {t['p95']:.0f} ms | {a['p50'] / t['p50']:.1f}"
                      if t else "– | – | –")
        print(f"| {row['query']} | {a['p50']:.0f} ms | {a['p95']:.0f} ms | {d['p50']:.0f} ms | "
              f"{d['p95']:.0f} ms | {a['p50'] / d['p50']:.2f} | {peer_cells} |")
    searches = [r for r in rows
                if not r["query"].startswith(("compare", "motives stated", "OAI"))]
    all_ours = [r["archive"]["p50"] for r in searches]
    all_theirs = [r["datasette"]["p50"] for r in searches]
    all_peer = [r["tantivy"]["p50"] for r in searches]
    print(f"| median of the searches | {statistics.median(all_ours):.0f} ms | | "
          f"{statistics.median(all_theirs):.0f} ms | | "
          f"{statistics.median(all_ours) / statistics.median(all_theirs):.2f} | "
          f"{statistics.median(all_peer):.0f} ms | | "
          f"{statistics.median(all_ours) / statistics.median(all_peer):.1f} |")
    differ = [f"{r['query']} ({r['totals'][0]} and {r['totals'][1]})" for r in searches
              if r["totals"][0] != r["totals"][1]]
    print("\ntotals of the archive and tantivy agree on every search" if not differ else
          "\ntotals of the archive and tantivy differ (their analyzers differ) on: "
          + "; ".join(differ))
    print_researcher(researcher_rows, args.repeat)
    print()
    if ours_build:
        print(f"archive build: {ours_build['seconds']:.1f} s, index {ours_build['size_mb']:.0f} MB, "
              f"peak memory {ours_build['peak_mb']:.0f} MB")
    if theirs_build:
        print(f"SQLite FTS5 build: {theirs_build['seconds']:.1f} s (reading the records with "
              f"the archive's reader, {theirs_build['read_seconds']:.1f} s of it), database "
              f"{theirs_build['size_mb']:.0f} MB")
    if ours_build and theirs_build:
        print(f"archive build / FTS5 build: {ours_build['seconds'] / theirs_build['seconds']:.2f} "
              "(issue 27's goal, at 100,000 records: at most 1.5)")
    if peer_build:
        print(f"tantivy build: {peer_build['seconds']:.1f} s, index {peer_build['size_mb']:.0f} MB")
    print(f"OAI-PMH: first answer (the catalogue built) {first_oai:.0f} ms; every "
          f"identifier harvested in {harvest_seconds:.1f} s ({harvest_pages} pages)")
    for how, seconds in edits.items():
        print(f"edited record found after {how}: {seconds:.2f} s (median of {EDITS} edits)")
    print(f"archive index over unchanged files, as a command: {unchanged:.2f} s")
    print(f"server peak memory: archive {memory['archive']:.0f} MB (accounts mode: "
          f"{memory['archive_accounts_login']:.0f} MB up to the login, argon2id included; "
          f"{memory['archive_accounts']:.0f} MB from then, a researcher's searches), Datasette "
          f"{memory['datasette']:.0f} MB, tantivy {memory['tantivy']:.0f} MB")
    (args.work / f"results-{args.n}.json").write_text(json.dumps({
        "n": args.n, "queries": rows, "researcher_queries": researcher_rows,
        "archive_build": ours_build, "sqlite_build": theirs_build,
        "tantivy_build": peer_build,
        "edits": edits, "memory": memory,
        "harvest": {"first_ms": first_oai, "seconds": harvest_seconds,
                    "pages": harvest_pages}}, indent=1))


if __name__ == "__main__":
    main()
