"""How well each analyzer finds Korean nouns in their inflected forms, and at what cost.

Seeded synthetic Korean text (nouns with particles and adjective endings, mixed with
English), indexed with Whoosh's standard and stemming analyzers and with the archive's
own; kiwipiepy (a morphological analyzer) is measured too when it is installed.
Recall: of the documents that contain a noun in any form, the share a search for the
bare noun finds. Usage: python bench/korean_analysis.py [N]
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time

from whoosh import index
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer, Token, Tokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from archive.search.engine.analysis import text_analyzer  # noqa: E402

NOUNS = ["자유", "통일", "대사관", "가족", "아이들", "국경", "두만강", "장마당", "배급", "군대",
         "학교", "외화", "처벌", "감시", "드라마", "한국", "고향", "어머니", "평양", "중국"]
ENDINGS = ["", "을", "를", "이", "가", "은", "는", "의", "에서", "으로", "와", "과", "도", "만",
           "에", "에게", "로운", "롭게", "까지", "부터"]
ENGLISH = ["freedom", "border", "embassy", "family", "famine", "quota", "dramas", "radio"]


def corpus(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        words = [rng.choice(NOUNS) + rng.choice(ENDINGS) if rng.random() < 0.85
                 else rng.choice(ENGLISH) for _ in range(rng.randint(40, 120))]
        docs.append(" ".join(words) + ".")
    return docs


_KIWI = []


class KiwiTokenizer(Tokenizer):
    """kiwipiepy's nouns, stems and foreign words as Whoosh tokens (loaded on first use)."""

    def __call__(self, value, positions=False, chars=False, mode="", **kwargs):
        token = Token(positions, chars, mode=mode, **kwargs)
        for pos, tok in enumerate(_KIWI[0].tokenize(value)):
            if tok.tag.startswith(("N", "V", "SL", "XR")):
                token.text, token.pos = tok.form.lower(), pos
                yield token


def kiwi_analyzer():
    """kiwipiepy as a Whoosh analyzer, if it is installed (raises ImportError if not)."""
    from kiwipiepy import Kiwi

    started = time.perf_counter()
    _KIWI.append(Kiwi())
    print(f"(kiwipiepy loaded its model in {time.perf_counter() - started:.1f} s)")
    return KiwiTokenizer()


def measure(name: str, analyzer, docs: list[str]) -> dict:
    folder = tempfile.mkdtemp()
    try:
        schema = Schema(id=ID(stored=True), body=TEXT(analyzer=analyzer))
        ix = index.create_in(folder, schema)
        started = time.perf_counter()
        writer = ix.writer()
        for number, text in enumerate(docs):
            writer.add_document(id=str(number), body=text)
        writer.commit()
        build = time.perf_counter() - started
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
        recalls, query_times = [], []
        with ix.searcher() as searcher:
            parser = QueryParser("body", schema)
            for noun in NOUNS:
                truth = {str(i) for i, text in enumerate(docs) if noun in text}
                started = time.perf_counter()
                hits = {h["id"] for h in searcher.search(parser.parse(noun), limit=None)}
                query_times.append(time.perf_counter() - started)
                recalls.append(len(hits & truth) / len(truth) if truth else 1.0)
                if hits - truth:
                    raise AssertionError(f"{name}: {noun} found documents without it")
        return {"name": name, "recall": sum(recalls) / len(recalls), "build": build,
                "size": size, "query_ms": 1000 * sorted(query_times)[len(query_times) // 2]}
    finally:
        shutil.rmtree(folder)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    docs = corpus(n)
    analyzers = [("Whoosh StandardAnalyzer", StandardAnalyzer()),
                 ("Whoosh StemmingAnalyzer", StemmingAnalyzer()),
                 ("archive text_analyzer (syllable pairs)", text_analyzer())]
    try:
        analyzers.append(("kiwipiepy morphological analyzer", kiwi_analyzer()))
    except ImportError:
        print("(kiwipiepy is not installed: its row is left out)")
    print(f"{n} synthetic Korean documents, {len(NOUNS)} noun queries\n")
    print(f"{'analyzer':42} {'recall':>7} {'build s':>8} {'index MB':>9} {'query ms':>9}")
    base = None
    for name, analyzer in analyzers:
        row = measure(name, analyzer, docs)
        base = base or row
        print(f"{row['name']:42} {row['recall']:7.0%} {row['build']:8.2f} "
              f"{row['size'] / 1e6:9.2f} {row['query_ms']:9.2f}"
              f"   (build x{row['build'] / base['build']:.1f}, size x{row['size'] / base['size']:.1f})")


if __name__ == "__main__":
    main()
