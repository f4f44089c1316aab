"""Recall and precision of the archive's Korean search, with a morphological analyzer as the
oracle, on real Korean text that no one here wrote. A benchmark, not a test; the analyzer
(kiwipiepy) is used only here, never at run time.

The text: every line of prose (ten Hangul syllables or more, no listings) of the
Constitution of the Republic of Korea and ten National Assembly bills (public works,
without copyright in Korea; shipped in the konlpy package on PyPI), of the example texts in
kss's README and of kiwipiepy's documentation (PyPI), and every paragraph of the Debian FAQ
in Korean (Debian's package debian-faq-ko, written by Debian's translators; GPL). Each line
or paragraph is a document, and a text met twice counts once. That is about 120,000
characters. `pip download` and `apt-get download` fetch the packages into
bench/.work/korean/; nothing is installed from them.

For each noun the oracle finds (NNG, NNP), the relevant documents are those where it finds
that noun; the archive finds a document when the noun, searched bare, finds it in an index
of the archive's own schema through the archive's own query parser. Phrases: two
neighbouring words where the second is a noun with a particle (`싶다는 꿈도`), searched
quoted with the noun bare (`"싶다는 꿈"`). Recall and precision are micro-averaged over the
queries of each group; the precision of the first ten hits (ranked by BM25F, as the archive
ranks) is their mean over the queries that find anything. "Before" is syllable pairs
alone; "after" adds one-syllable nouns before particles (`analysis.PARTICLES`) and each
syllable alone (`analysis.SyllableTokenizer`, searched for a one-syllable query).

Usage: python bench/korean_oracle.py
"""

from __future__ import annotations

import glob
import html
import random
import re
import subprocess
import sys
import tarfile
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from archive.search.engine import analysis, queries, schema  # noqa: E402

WORK = HERE / ".work" / "korean"
SOURCES = {"konlpy": "0.6.0", "kss": "6.0.6", "kiwipiepy": "0.24.1"}
DEBIAN = "debian-faq-ko"
BLOCK = re.compile(r"</?(?:p|li|dt|dd|h\d|div|td|th|tr|pre|br|title|table|ul|ol|dl)\b[^>]*>", re.I)
HANGUL = re.compile(r"[가-힣]")
NOUNS = ("NNG", "NNP")
PARTICLE_TAGS = ("JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC", "VCP")


def fetch() -> None:
    """The packages' files, downloaded once (no dependency, nothing installed)."""
    WORK.mkdir(parents=True, exist_ok=True)
    for name, version in SOURCES.items():
        if not glob.glob(str(WORK / f"{name}-{version}*")):
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--dest", str(WORK), f"{name}=={version}"], check=True)
    if not glob.glob(str(WORK / f"{DEBIAN}_*.deb")):
        try:
            subprocess.run(["apt-get", "download", "-q", DEBIAN], cwd=WORK, check=True,
                           capture_output=True)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(f"Could not download Debian's package {DEBIAN} into {WORK} "
                     f"({getattr(error, 'stderr', b'').decode().strip() or error}): this bench "
                     "needs Debian's apt (run `apt-get update` first), or put the .deb there.")


def debian_faq() -> list[str]:
    """The Debian FAQ's paragraphs, from the HTML in its package (read with dpkg-deb)."""
    deb = glob.glob(str(WORK / f"{DEBIAN}_*.deb"))[0]
    unpacked = WORK / DEBIAN
    if not unpacked.exists():
        subprocess.run(["dpkg-deb", "-x", deb, str(unpacked)], check=True)
    paragraphs = []
    for page in sorted(unpacked.rglob("*.html")):
        text = re.sub(r"(?s)<(script|style)\b.*?</\1>", "", page.read_text("utf-8"))
        text = BLOCK.sub("\n", re.sub(r"\s+", " ", text))
        paragraphs.append(html.unescape(re.sub(r"<[^>]+>", "", text)))
    return paragraphs


def documents() -> list[str]:
    """Every line of prose of the texts, once."""
    texts = []
    wheel = zipfile.ZipFile(glob.glob(str(WORK / "konlpy-*.whl"))[0])
    texts += [wheel.read(n).decode("utf-8") for n in sorted(wheel.namelist())
              if "/data/corpus/" in n and n.endswith(".txt")]
    sdist = tarfile.open(glob.glob(str(WORK / "kss-*.tar.gz"))[0])
    texts.append(sdist.extractfile(f"kss-{SOURCES['kss']}/README.md").read().decode("utf-8"))
    kiwi = zipfile.ZipFile(glob.glob(str(WORK / "kiwipiepy-*.whl"))[0])
    texts.append(kiwi.read("kiwipiepy/documentation.md").decode("utf-8"))
    texts += debian_faq()
    lines = (line.strip() for text in texts for line in text.splitlines())
    return list(dict.fromkeys(line for line in lines if prose(line)))


def prose(line: str) -> bool:
    """A line of Korean prose: ten Hangul syllables or more, in words, not a listing (kss's
    README also holds tables of every syllable and of verb endings)."""
    words = [word for word in line.split() if HANGUL.search(word)]
    return len(HANGUL.findall(line)) >= 10 and len(line) <= 3000 and len(words) >= 3 \
        and len(re.findall(r"'[^']{1,8}'", line)) < 10


class Index:
    """The documents in a Whoosh index of the archive's own schema, in memory, searched
    through the archive's own query parser: what a search in the archive would find."""

    def __init__(self, docs: list[str], syllables: bool = True) -> None:
        from whoosh.filedb.filestore import RamStorage

        self.index = RamStorage().create_index(schema.make_schema())
        writer = self.index.writer()
        for number, doc in enumerate(docs):
            document = {"id": str(number), "body": doc}
            writer.add_document(**(schema.index_fields(document) if syllables else document))
        writer.commit()
        self.searcher = self.index.searcher()
        self.parser = queries.make_parser(self.index.schema)

    def find(self, query: str) -> set[int]:
        """The documents a query finds."""
        parsed = queries.parse_query(self.parser, query)
        return {int(self.searcher.stored_fields(docnum)["id"])
                for docnum in self.searcher.docs_for_query(parsed)}

    def first(self, query: str, count: int) -> list[int]:
        """The documents a query ranks first (BM25F, as the archive ranks them)."""
        parsed = queries.parse_query(self.parser, query)
        return [int(hit["id"]) for hit in self.searcher.search(parsed, limit=count)]


def oracle(docs: list[str]):
    """The oracle's nouns (noun -> documents), and phrases (query -> documents)."""
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    nouns: dict[str, set] = defaultdict(set)
    phrases: dict[str, set] = defaultdict(set)
    for number, doc in enumerate(docs):
        words = doc.split()
        starts, at = [], 0
        for word in words:
            at = doc.index(word, at)
            starts.append(at)
            at += len(word)
        tokens = kiwi.tokenize(doc)
        for token in tokens:
            if token.tag in NOUNS and HANGUL.fullmatch(token.form[0]) and \
                    all(HANGUL.match(c) for c in token.form):
                nouns[token.form].add(number)
        for place in range(1, len(words)):  # a word, then a noun with its particle
            inside = [t for t in tokens
                      if starts[place] <= t.start < starts[place] + len(words[place])]
            if len(inside) >= 2 and inside[0].tag in NOUNS and inside[1].tag in PARTICLE_TAGS \
                    and inside[0].start == starts[place] and HANGUL.search(words[place - 1]) \
                    and all(HANGUL.match(c) for c in inside[0].form) \
                    and re.fullmatch(r"[가-힣]+", words[place - 1]):
                phrases[f"{words[place - 1]} {inside[0].form}"].add(number)
    return nouns, phrases


FIRST = 10


def score(index: Index, wanted: dict[str, set]) -> tuple[float, float, int, float]:
    """Micro-averaged recall and precision over the queries, their number, and the mean
    precision of the first ten hits (over the queries that find anything)."""
    found = relevant = retrieved = 0
    first = []
    for query, docs in wanted.items():
        hits = index.find(query)
        found += len(hits & docs)
        relevant += len(docs)
        retrieved += len(hits)
        if hits:
            top = index.first(query, FIRST)
            first.append(len(docs.intersection(top)) / len(top))
    return (found / max(relevant, 1), found / max(retrieved, 1), len(wanted),
            sum(first) / max(len(first), 1))


def word_starts(docs: list[str], wanted: dict[str, set]) -> tuple[float, float]:
    """Recall and precision if a noun were found only at the start of a word (a rule we
    measured and did not adopt): in runs of Hangul, by plain string matching."""
    runs = [re.findall(r"[가-힣]+", doc) for doc in docs]
    found = relevant = retrieved = 0
    for noun, relevant_docs in wanted.items():
        hits = {number for number, held in enumerate(runs)
                if any(run.startswith(noun) for run in held)}
        found += len(hits & relevant_docs)
        relevant += len(relevant_docs)
        retrieved += len(hits)
    return found / max(relevant, 1), found / max(retrieved, 1)


def main() -> None:
    fetch()
    docs = documents()
    print(f"# {len(docs):,} documents, {sum(map(len, docs)):,} characters of real Korean "
          "prose (the Constitution, ten bills, kss's and kiwipiepy's example texts, the Debian "
          "FAQ)")
    nouns, phrases = oracle(docs)
    groups = {"nouns of 1 syllable": {n: d for n, d in nouns.items() if len(n) == 1},
              "nouns of 2 syllables": {n: d for n, d in nouns.items() if len(n) == 2},
              "nouns of 3 or more": {n: d for n, d in nouns.items() if len(n) >= 3}}
    sample = sorted(phrases)
    random.Random(5).shuffle(sample)
    groups["phrases, particle after the last word"] = {f'"{p}"': phrases[p]
                                                       for p in sample[:1000]}
    particles = analysis.PARTICLES  # the rule reads it (with the sizes, unchanged)
    results = {}
    for label, chosen, syllables in (("before", frozenset(), False), ("after", particles, True)):
        analysis.PARTICLES = chosen
        index = Index(docs, syllables)
        results[label] = {group: score(index, wanted) for group, wanted in groups.items()}
    analysis.PARTICLES = particles
    print("\n| searched | queries | recall before | recall after | precision before | "
          f"precision after | precision of the first {FIRST} after |")
    print("|---|---|---|---|---|---|---|")
    for group in groups:
        before, after = results["before"][group], results["after"][group]
        print(f"| {group} | {after[2]:,} | {before[0]:.3f} | {after[0]:.3f} | "
              f"{before[1]:.3f} | {after[1]:.3f} | {after[3]:.3f} |")
    print("\nNot adopted, a match only at the start of a word (recall, precision):")
    for group in ("nouns of 2 syllables", "nouns of 3 or more"):
        recall, precision = word_starts(docs, groups[group])
        print(f"- {group}: {recall:.3f}, {precision:.3f}")


if __name__ == "__main__":
    main()
