"""The fast-engine reference for the bench: the same public records in tantivy (Rust's
Lucene, through its Python package), served over HTTP as the archive and Datasette are.

    python bench/tantivy_peer.py build RECORDS INDEX   # prints {"seconds": ..., "size_mb": ...}
    python bench/tantivy_peer.py serve INDEX --port P  # GET /search?q=...&sector=...

A search answers what the archive's `/api/search` answers for the bench's questions: the
total, the first 20 ids by score (or by year when there are no words), and the count of
every value of every facet (tantivy's terms aggregations over fast fields). Words are
all required, as in the archive; text is stemmed in English (tantivy's `en_stem`); a
Korean word is matched as a prefix of whole words (`자유` finds `자유를`), the nearest
tantivy comes without a Korean analyzer, as FTS5 does in the bench.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import tantivy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.records.collection import read_archive  # noqa: E402
from archive.records.redaction import public_view  # noqa: E402
from archive.records.rendering import plain_text  # noqa: E402

TEXT = ("title", "summary", "body", "post", "transcript")
FACETS = ("motive", "sector", "country", "gender", "language", "account")
HANGUL = range(0xAC00, 0xD7A4)


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in TEXT:
        builder.add_text_field(name, tokenizer_name="en_stem")
    for name in FACETS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    return builder.build()


def build(records: Path, folder: Path) -> dict:
    """Index the public view of every record, as Datasette's side of the bench does."""
    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    index = tantivy.Index(schema(), path=str(folder))
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    for t in read_archive(records).testimonies:
        t = public_view(t)
        said = "\n".join(cue.text for cue in t.media.cues) if t.media else ""
        document = tantivy.Document(id=t.id, year=t.year, title=t.title or "",
                                    summary=plain_text(t.summary or ""),
                                    body=plain_text(t.body or ""), post=t.post or "",
                                    transcript=plain_text(said))
        for name, value in (("sector", t.sector), ("country", t.country),
                            ("gender", t.gender), ("language", t.language),
                            ("account", t.account)):
            if value:
                document.add_text(name, value)
        for motive in t.motives:
            document.add_text("motive", motive)
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"seconds": time.perf_counter() - started, "size_mb": size / 1e6}


class Engine:
    """A searcher over the index, answering the bench's questions."""

    def __init__(self, folder: Path) -> None:
        self.index = tantivy.Index.open(str(folder))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.aggregations = {name: {"terms": {"field": name, "size": 50}}
                             for name in (*FACETS, "year")}

    def query(self, params: dict) -> tantivy.Query:
        must = []
        words = params.get("q", "").strip()
        if words and any(ord(c) in HANGUL for c in words):
            must += [tantivy.Query.disjunction_max_query([
                tantivy.Query.phrase_prefix_query(self.schema, name, [word]) for name in TEXT])
                for word in words.split()]
        elif words:
            must.append(self.index.parse_query(words, list(TEXT),
                                               conjunction_by_default=True))
        for name in ("sector", "country", "motive"):
            if params.get(name):
                must.append(tantivy.Query.term_query(self.schema, name, params[name]))
        if params.get("year"):
            first, _, last = params["year"].partition("..")
            must.append(tantivy.Query.range_query(self.schema, "year", tantivy.FieldType.Integer,
                                                  int(first), int(last or first)))
        if not must:
            return tantivy.Query.all_query()
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])

    def search(self, params: dict) -> dict:
        query = self.query(params)
        if params.get("q"):
            found = self.searcher.search(query, 20, count=True)
        else:
            found = self.searcher.search(query, 20, count=True, order_by_field="year")
        hits = [self.searcher.doc(address)["id"][0] for _score, address in found.hits]
        facets = self.searcher.aggregate(query, self.aggregations)
        return {"total": found.count, "results": hits,
                "facets": {name: [{"value": b["key"], "count": b["doc_count"]}
                                  for b in facets[name]["buckets"]] for name in facets}}


def serve(folder: Path, port: int) -> None:
    engine = Engine(folder)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(url.query))
            body = json.dumps(engine.search(params), ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    making = commands.add_parser("build")
    making.add_argument("records", type=Path)
    making.add_argument("index", type=Path)
    serving = commands.add_parser("serve")
    serving.add_argument("index", type=Path)
    serving.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.command == "build":
        print(json.dumps(build(args.records, args.index)))
    else:
        serve(args.index, args.port)


if __name__ == "__main__":
    main()
