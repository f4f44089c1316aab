"""Measure suggested evidence: quality on a labelled set of testimony passages, held out by
testimony, and speed on N generated records.

    python bench/suggestions.py quality          # the labelled set (bench/suggestions/)
    python bench/suggestions.py speed --n 2000   # store, training and first page at N records
    python bench/suggestions.py sheet > sheet.csv   # the passages shuffled, without labels
    python bench/suggestions.py agreement sheet.csv # Cohen's kappa of a second labelling
    python bench/suggestions.py quality sheet.csv   # measured on the agreed labels only

Quality: 5 folds of whole testimonies (no testimony on both sides); every passage is scored
by a model that never saw its testimony; per motive and language: precision of the first
10 and 50, recall at 100, average precision; against a random ranking and a keyword
baseline (the motive's term, aliases and Korean label); and a simulated accept/reject loop
that counts the passages a person reads to find 95% of a motive's passages.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from archive.records.collection import vocabulary_for  # noqa: E402
from archive.suggesting import evaluation, features, model  # noqa: E402
from archive.search.engine.similar import more_like  # noqa: E402
from archive.suggesting.suggester import vocabulary_texts  # noqa: E402

DATA = ROOT / "bench" / "suggestions"
FOLDS = 5


def labelled() -> list[dict]:
    """Every passage: testimony, language, text, motives."""
    found = []
    for language in ("en", "ko"):
        sets = yaml.safe_load((DATA / f"passages-{language}.yaml").read_text(encoding="utf-8"))
        for testimony, passages in sets.items():
            for text, motives in passages:
                found.append({"testimony": testimony, "language": language, "text": text,
                              "motives": {m.strip() for m in motives.split(";") if m.strip()}})
    return found


def keyword_scores(passages, motive, vocabulary) -> np.ndarray:
    """How many of the motive's labels (term, aliases, Korean label) a passage holds."""
    entry = vocabulary.get(motive)
    labels = [motive, *(entry.aliases or ()), *([entry.ko] if entry.ko else [])]
    wanted = [set(features.index_terms(label)[:len(label.split()) * 3]) for label in labels]
    scores = []
    for p in passages:
        terms = set(features.index_terms(p["text"]))
        scores.append(sum(1 for w in wanted if w and w <= terms))
    return np.array(scores, dtype=float)


METHODS = {  # name: (features, taught the vocabulary's words)
    "archive: words + vocabulary": ("words", True),
    "words alone": ("words", False),
    "characters + vocabulary": ("chars", True),
    "characters alone": ("chars", False),
    "scikit-learn, characters": ("sklearn", False),
    "Whoosh more-like-this": ("whoosh", False),
}


def learned_scores(passages, motive, method: str, vocabulary) -> np.ndarray:
    """Scores held out by testimony: each fold scored by a model trained on the others."""
    analyzer, taught = METHODS[method]
    testimonies = sorted({p["testimony"] for p in passages})
    random.Random(7).shuffle(testimonies)
    fold_of = {t: i % FOLDS for i, t in enumerate(testimonies)}
    described = vocabulary_texts(vocabulary, motive) if taught else []
    labels = np.array([motive in p["motives"] for p in passages] + [True] * len(described),
                      dtype=float)
    texts = [p["text"] for p in passages] + described
    scores = np.zeros(len(passages))
    if analyzer == "sklearn":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                                 sublinear_tf=True).fit_transform(texts)
    elif analyzer != "whoosh":
        rows = features.vectors(texts, analyzer)
    for fold in range(FOLDS):
        test = np.array([fold_of[p["testimony"]] == fold for p in passages]
                        + [False] * len(described))
        train_rows = np.flatnonzero(~test)
        if labels[train_rows].sum() == 0:
            continue
        if analyzer == "whoosh":  # the key terms of the other folds' passages of the motive
            found = more_like(texts, [texts[i] for i in train_rows if labels[i]])
            scores[test[:len(passages)]] = np.array(found)[np.flatnonzero(test)]
        elif analyzer == "sklearn":
            fitted = LogisticRegression(class_weight="balanced", C=10, max_iter=1000)
            fitted.fit(matrix[train_rows], labels[train_rows])
            scores[test[:len(passages)]] = fitted.decision_function(matrix[np.flatnonzero(test)])
        else:
            trained = model.train(rows.take(train_rows), labels[train_rows])
            scores[test[:len(passages)]] = trained.scores(rows.take(np.flatnonzero(test)))
    return scores


def quality(agreed: Path | None = None) -> None:
    """The measures; with `agreed` (a second labelling of the sheet), each motive is
    measured only on the passages both labellings agree on for it."""
    passages = labelled()
    second = second_labels(agreed, passages) if agreed else None
    vocabulary = vocabulary_for(ROOT / "testimonies")
    motives = sorted({m for p in passages for m in p["motives"]})
    methods = [*METHODS, "keyword", "random"]
    try:
        import sklearn  # noqa: F401
    except ImportError:
        methods.remove("scikit-learn, characters")
        print("scikit-learn is not installed: its reference is left out "
              "(python -m pip install -e '.[bench]').")
    print(f"{len(passages)} passages, {len({p['testimony'] for p in passages})} testimonies, "
          f"{sum(1 for p in passages if p['motives'])} with a motive; {FOLDS} folds by testimony"
          + (f"; each motive measured on the passages both labellings ({agreed.name}) agree on"
             if agreed else "") + "\n")
    table = {}
    for motive in motives:
        scored = {method: learned_scores(passages, motive, method, vocabulary)
                  for method in methods if method in METHODS}
        scored["keyword"] = keyword_scores(passages, motive, vocabulary)
        for language in ("en", "ko", "all"):
            chosen = [i for i, p in enumerate(passages) if language in ("all", p["language"])
                      and (second is None or (motive in p["motives"]) == (motive in second[i]))]
            relevant = np.array([motive in passages[i]["motives"] for i in chosen])
            if not relevant.any():
                continue
            for method in methods:
                if method == "random":
                    table[(motive, language, method)] = evaluation.random_expectation(relevant)
                else:
                    table[(motive, language, method)] = evaluation.measures(
                        scored[method][chosen], relevant, tie_seed=1)
    print("| language | method | P@10 | P@50 | R@100 | AP |")
    print("|---|---|---|---|---|---|")
    for language in ("en", "ko", "all"):
        for method in methods:
            rows = [v for (m, lang, meth), v in table.items() if lang == language and meth == method]
            means = [statistics.mean(r[k] for r in rows) for k in ("p10", "p50", "r100", "ap")]
            print(f"| {language} | {method} | " + " | ".join(f"{x:.2f}" for x in means) + " |")
    print("\nPer motive (all languages), average precision:\n")
    print("| motive | passages | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for motive in motives:
        count = sum(1 for p in passages if motive in p["motives"])
        print(f"| {motive} | {count} | " + " | ".join(
            f"{table[(motive, 'all', m)]['ap']:.2f}" for m in methods) + " |")
    print("\nSimulated accept/reject loop (batches of 10, retrained after each, starting "
          "from 2 coded passages): passages read to find half, 80% and 95% of a motive's "
          f"passages, of {len(passages)}\n")
    print("| motive | passages | 50% | 80% | 95% |\n|---|---|---|---|---|")
    read = {0.5: [], 0.8: [], 0.95: []}
    for motive in motives:
        relevant = np.array([motive in p["motives"] for p in passages])
        if relevant.sum() < 3:
            continue
        described = vocabulary_texts(vocabulary, motive)
        rows = features.vectors([p["text"] for p in passages] + described)
        reads = evaluation.simulated_review(rows, relevant, seed_count=2, batch=10,
                                            taught=len(described))
        for goal in read:
            read[goal].append(reads[goal])
        print(f"| {motive} | {int(relevant.sum())} | " + " | ".join(
            str(reads[goal]) for goal in read) + " |")
    print("| median | | " + " | ".join(f"{statistics.median(v):.0f}" for v in read.values())
          + " |")
    print(f"\nIn random order a person reads about half, 80% and 95% of the {len(passages)} "
          "passages to find those shares.")


def passage_ids(passages) -> list[str]:
    """A stable id for each labelled passage: its testimony and its place in it."""
    ids, seen = [], {}
    for p in passages:
        seen[p["testimony"]] = seen.get(p["testimony"], 0) + 1
        ids.append(f"{p['testimony']}-{seen[p['testimony']]}")
    return ids


def sheet() -> None:
    """The passages in a random order, without their labels, for a second labeller."""
    import csv

    passages = labelled()
    rows = list(zip(passage_ids(passages), (p["text"] for p in passages)))
    random.Random(11).shuffle(rows)
    out = csv.writer(sys.stdout)
    out.writerow(["id", "text", "motives"])
    out.writerows([id_, text, ""] for id_, text in rows)


def kappa(first: list[bool], second: list[bool]) -> float:
    """Cohen's kappa of two yes/no labellings of the same items."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    yes = (sum(first) / n) * (sum(second) / n)
    no = (1 - sum(first) / n) * (1 - sum(second) / n)
    return 1.0 if yes + no == 1 else (observed - yes - no) / (1 - yes - no)


def second_labels(path: Path, passages) -> list[set[str]]:
    """A second labelling made on the sheet (motives separated by `;`), in the order of
    `passages`."""
    import csv

    with open(path, encoding="utf-8") as handle:
        second = {row["id"]: {m.strip() for m in row["motives"].split(";") if m.strip()}
                  for row in csv.DictReader(handle)}
    ids = passage_ids(passages)
    missing = sorted(set(ids) - set(second))
    if missing:
        sys.exit(f"{path}: {len(missing)} passages are not labelled, such as {missing[0]}.")
    return [second[i] for i in ids]


def agreement(path: Path) -> None:
    """Cohen's kappa, per motive and over every passage and motive, between the labels of
    the set and a second labelling made on the sheet."""
    passages = labelled()
    by_id = dict(zip(passage_ids(passages), passages))
    second = dict(zip(passage_ids(passages), second_labels(path, passages)))
    motives = sorted({m for p in passages for m in p["motives"]} | {
        m for labels in second.values() for m in labels})
    ids = sorted(by_id)
    pairs_a = [m in by_id[i]["motives"] for i in ids for m in motives]
    pairs_b = [m in second[i] for i in ids for m in motives]
    print(f"Cohen's kappa over {len(ids)} passages x {len(motives)} motives: "
          f"{kappa(pairs_a, pairs_b):.2f}; {sum(a != b for a, b in zip(pairs_a, pairs_b))} "
          "disagreements\n")
    for motive in motives:
        a = [motive in by_id[i]["motives"] for i in ids]
        b = [motive in second[i] for i in ids]
        print(f"- {motive}: kappa {kappa(a, b):.2f} ({sum(a)} and {sum(b)} passages)")


def speed(n: int, motive: str, keep: Path | None = None) -> None:
    from generate import generate

    from archive.suggesting.store import update_store
    from archive.suggesting.suggester import Ranking, in_context, rank, train_motive

    folder = keep or Path(tempfile.mkdtemp(prefix="suggest-bench-"))
    try:
        if not (folder / "testimonies").is_dir():
            generate(n, folder / "testimonies")
        started = time.perf_counter()
        store = update_store(folder / "testimonies", folder / "index")
        built = time.perf_counter() - started
        started = time.perf_counter()
        store = update_store(folder / "testimonies", folder / "index")
        checked = time.perf_counter() - started
        started = time.perf_counter()
        trained = train_motive(store, motive, set(), vocabulary_for(folder / "testimonies"))
        training = time.perf_counter() - started
        pages = []
        for _ in range(3):  # the first page, then the same page again (the store in memory)
            started = time.perf_counter()
            ranking = rank(store, trained, Ranking(motive, "archivists"), set(), limit=10)
            vocabulary = vocabulary_for(folder / "testimonies")
            shown = [in_context(folder / "testimonies", s, "archivists", vocabulary)
                     for s in ranking.suggestions]
            pages.append(time.perf_counter() - started)
        size = sum(p.stat().st_size for p in (folder / "index" / "suggestions").iterdir())
        print(f"{n} records: {len(store.candidates):,} candidate sentences, {len(store.coded):,} "
              f"coded passages; store built in {built:.1f} s ({size / 1e6:.0f} MB), checked "
              f"for changes in {checked:.2f} s; '{motive}' trained in {training:.1f} s; first "
              f"page of {len(shown)} in {pages[0]:.2f} s, then {pages[1]:.2f} and "
              f"{pages[2]:.2f} s; peak memory "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        through_the_pages(folder, motive)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def through_the_pages(folder: Path, motive: str) -> None:
    """A motive's first page as an archivist meets it in private mode, through the app:
    asked straight after the server started (its model trained then), asked at once after
    the Suggestions page (which starts training every motive in the background), and asked
    once that training is done. Needs the archive's index in `folder/index`."""
    from archive import create_app
    from archive.search.indexing import update_index

    update_index(folder / "testimonies", folder / "index")

    def app():
        made = create_app({"TESTIMONIES": str(folder / "testimonies"),
                           "INDEX": str(folder / "index"), "PRIVATE": True})
        return made, made.test_client()

    def page(client, wanted: str) -> float:
        started = time.perf_counter()
        response = client.get("/suggestions?" + urllib.parse.urlencode({"motive": wanted}))
        assert response.status_code == 200 and "Accept" in response.text, response.status_code
        return time.perf_counter() - started

    cold_app, cold = app()
    straight = page(cold, motive)
    cold_app.extensions["suggester"].warming.join()  # its background training, before the next
    warm_app, warm = app()
    started = time.perf_counter()
    warm.get("/suggestions")
    listing = time.perf_counter() - started
    motives = [m.term for m in vocabulary_for(folder / "testimonies").motives]
    others = [m for m in motives if m != motive]
    at_once = page(warm, others[len(others) // 2])  # one from the middle of the list
    started = time.perf_counter()
    warm_app.extensions["suggester"].warming.join()
    trained_all = time.perf_counter() - started + at_once
    after = sorted(page(warm, m) for m in others[-5:])
    print(f"through the pages (private mode): a motive's first page asked straight after "
          f"the server started {straight:.2f} s; the Suggestions page {listing:.2f} s, then a "
          f"motive's first page at once {at_once:.2f} s; every motive trained "
          f"{trained_all:.1f} s later; first pages then {after[0]:.2f} to {after[-1]:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["quality", "speed", "sheet", "agreement"])
    parser.add_argument("sheet", nargs="?", type=Path,
                        help="a second labelling of the sheet (agreement; quality: measure "
                             "each motive on the passages both labellings agree on)")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--motive", default="famine")
    parser.add_argument("--keep", type=Path, help="a folder for the generated archive, kept "
                        "(and reused when it holds one)")
    args = parser.parse_args()
    if args.what == "quality":
        quality(args.sheet)
    elif args.what == "speed":
        speed(args.n, args.motive, args.keep)
    elif args.what == "sheet":
        sheet()
    else:
        agreement(args.sheet)


if __name__ == "__main__":
    main()
