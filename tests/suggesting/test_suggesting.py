"""Suggested evidence: candidate sentences, the model, the store, rejections, accepting a
suggestion into its record, `archive suggest` and the Suggestions pages."""

from __future__ import annotations

import datetime as dt

import json
import re
import subprocess
import threading
import time

import numpy as np
import pytest

from archive import create_app
from archive.errors import ArchiveError
from archive.history.editing import EditConflict
from archive.records.coding import passages
from archive.records.collection import vocabulary_for
from archive.records.testimony import read_testimony
from archive.search.indexing import update_index
from archive.search.searching import ArchiveIndex, SearchRequest
from archive.suggesting import features
from archive.suggesting import suggester as suggester_module
from archive.suggesting.accepting import SuggestionGone, accept
from archive.suggesting.candidates import candidates, readable_by
from archive.suggesting.decisions import REJECTIONS, BadRejections, reject, rejections
from archive.suggesting.model import train
from archive.suggesting.store import load_store, update_store
from archive.suggesting.suggester import MIN_CODED, Suggester, in_context, rank_motive

from ..helpers import write_record

FAMINE_CODED = [
    "[We ate grass and bark because the rations had stopped]{.motive term=\"famine\"}.",
    "[My sister died of hunger in the spring of 1997]{.motive term=\"famine\"}.",
    "[People starved in the streets during the arduous march]{.motive term=\"famine\"}.",
    "[There was no food at all and my father died of hunger]{.motive term=\"famine\"}.",
    "[The hunger of those years drove us across the river]{.motive term=\"famine\"}.",
]
PLANTED = "Our whole village starved when the rations stopped and the hunger never ended."


def build(folder, restricted_planted: bool = False, git: bool = False):
    """Five records coding famine, one uncoded famine sentence to find, and ordinary
    sentences around them."""
    for number, coded in enumerate(FAMINE_CODED):
        write_record(folder, f"coded-{number}", motives=["famine"], body=(
            f"I worked in the market of Hyesan for many years. {coded} "
            "The school had a red roof and a small yard.\n"))
    write_record(folder, "uncoded-account", motives=["famine"], body=(
        "My father repaired bicycles near the station. " + PLANTED + " We sang songs at "
        "school every morning.\n"))
    write_record(folder, "closed-account", access="restricted" if restricted_planted else
                 "public", motives=[], body=(
                     "The clerk kept the ledgers. [Nobody ate for days and the hunger killed "
                     "the old people first.]{.restricted}\n"))
    if git:
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
        subprocess.run(["git", "-C", str(folder), "add", "."], check=True)
        subprocess.run(["git", "-C", str(folder), "-c", "user.name=T", "-c", "user.email=t@x",
                        "commit", "-qm", "start"], check=True)


def test_candidates_are_plain_uncoded_sentences_with_where_they_lie(empty_archive):
    path = write_record(empty_archive.testimonies, "a-record", motives=["famine"], body=(
        "First plain sentence of the record. [A coded sentence here]{.motive term=\"famine\"}. "
        "A sentence with *emphasis* in it. Too short.\n\n"
        "- a list item that is not a paragraph of the body\n\n"
        "A second paragraph with two\nlines of words.\n"))
    testimony = read_testimony(path, vocabulary_for(empty_archive.testimonies))[0]
    found = candidates(testimony)
    assert [c.text for c in found] == ["First plain sentence of the record.",
                                       "A second paragraph with two lines of words."]
    assert [c.paragraph for c in found] == [1, 3]
    assert testimony.body[found[1].start:found[1].end] == "A second paragraph with two\nlines of words."


def test_each_sentence_carries_the_lowest_audience_that_may_read_it(empty_archive):
    build(empty_archive.testimonies, restricted_planted=False)
    folder = empty_archive.testimonies
    vocabulary = vocabulary_for(folder)
    found = candidates(read_testimony(folder / "closed-account.md", vocabulary)[0])
    assert [(c.text, c.needs) for c in found] == [
        ("The clerk kept the ledgers.", "public"),
        ("Nobody ate for days and the hunger killed the old people first.", "archivists")]
    path = write_record(folder, "researchers-account", access="researchers", body=(
        "The clerk kept the ledgers. [My brother still works at the port.]{.researchers} "
        "[Nobody ate for days in the village.]{.restricted}\n"))
    found = candidates(read_testimony(path, vocabulary)[0])
    assert [c.needs for c in found] == ["researchers", "researchers", "archivists"]
    path = write_record(folder, "embargoed-account", embargo_until="2030-01-01",
                        body="The clerk kept the ledgers. [Nobody ate for days.]{.researchers}\n")
    testimony = read_testimony(path, vocabulary)[0]
    assert [c.needs for c in candidates(testimony, dt.date(2029, 12, 31))] == ["archivists"] * 2
    assert [c.needs for c in candidates(testimony, dt.date(2030, 1, 1))] == [
        "public", "researchers"]
    assert readable_by("archivists", "archivists") and not readable_by("archivists", "public")
    assert not readable_by("archivists", "researchers") and readable_by("public", "public")
    assert readable_by("researchers", "researchers") and not readable_by("researchers", "public")
    with pytest.raises(ValueError):
        readable_by("public", "everyone")


def test_sparse_rows_compute_what_dense_matrices_do():
    rows = features.vectors(["famine hunger rice", "rice market", "", "자유를 찾아 떠났다"])
    dense = np.zeros((len(rows), features.DIMENSIONS), dtype=np.float32)
    for i in range(len(rows)):
        a, b = rows.indptr[i], rows.indptr[i + 1]
        dense[i, rows.indices[a:b]] = rows.data[a:b]
    weights = np.random.default_rng(1).random(features.DIMENSIONS).astype(np.float32)
    assert np.allclose(rows.dot(weights), dense @ weights, atol=1e-5)
    assert np.allclose(rows.dot(weights, chunk=1), dense @ weights, atol=1e-5)
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert np.allclose(rows.transpose_dot(values), dense.T @ values, atol=1e-5)
    assert np.allclose(np.linalg.norm(dense[[0, 1, 3]], axis=1), 1)
    assert features.passage_key("Rice, market!") == features.passage_key("rice market")


def test_the_model_ranks_what_it_learned_above_the_rest():
    positives = ["I wanted my children to be free", "freedom for my children",
                 "아이들만큼은 자유롭게 살게 하고 싶었습니다", "my children deserved a free future"]
    negatives = ["The office sold seaweed", "We ate rice on holidays", "아버지는 공장에서 일했습니다",
                 "The embassy car was black", "I studied in Moscow"]
    rows = features.vectors(positives + negatives)
    model = train(rows, np.array([1] * 4 + [0] * 5))
    scores = model.scores(features.vectors(["I left so that my children could be free",
                                            "The car was sold in Moscow",
                                            "아이들이 자유롭게 살기를 바랐습니다"]))
    assert scores[0] > scores[1] and scores[2] > scores[1]


def test_the_store_reads_only_what_changed(empty_archive):
    build(empty_archive.testimonies)
    store = update_store(empty_archive.testimonies, empty_archive.index)
    assert len(store.records) == 7 and len(store.coded) == 5
    again = update_store(empty_archive.testimonies, empty_archive.index)
    assert again.generation == store.generation  # nothing rewritten
    path = empty_archive.testimonies / "uncoded-account.md"
    path.write_text(path.read_text(encoding="utf-8").replace("bicycles", "radios"), "utf-8")
    (empty_archive.testimonies / "coded-4.md").unlink()
    changed = update_store(empty_archive.testimonies, empty_archive.index)
    assert changed.generation == store.generation + 1
    assert [r["id"] for r in changed.records] == [
        "closed-account", "coded-0", "coded-1", "coded-2", "coded-3", "uncoded-account"]
    assert len(changed.coded) == 4 and len(changed.coded_motives) == 4
    row = changed.records[-1]["rows"][0]
    assert changed.meta["start"][row] == 0  # the changed record's first sentence
    loaded = load_store(empty_archive.index)
    assert loaded.generation == changed.generation and len(loaded.candidates) == len(
        changed.candidates)
    assert sorted(p.name for p in (empty_archive.index / "suggestions").glob("*.npy"))[0] \
        .startswith(f"{changed.generation}.")  # the old generation's arrays are gone


def test_a_motive_s_suggestions_put_the_planted_sentence_first(empty_archive):
    build(empty_archive.testimonies)
    ranking = rank_motive(empty_archive.testimonies, empty_archive.index, "famine",
                          "archivists", limit=3)
    assert ranking.enough and ranking.coded == 5 and ranking.coded_by_people == 5
    shown = in_context(empty_archive.testimonies, ranking.suggestions[0], "archivists")
    assert (ranking.suggestions[0].record, shown.text) == ("uncoded-account", PLANTED)
    assert shown.before == "My father repaired bicycles near the station. "
    assert shown.after == " We sang songs at school every morning."
    assert rank_motive(empty_archive.testimonies, empty_archive.index, "education",
                       "archivists").suggestions == []  # nothing coded: no model


def test_restricted_sentences_are_suggested_to_archivists_only(empty_archive):
    build(empty_archive.testimonies, restricted_planted=True)
    (empty_archive.testimonies / "uncoded-account.md").unlink()

    def texts(audience):
        ranking = rank_motive(empty_archive.testimonies, empty_archive.index, "famine",
                              audience, limit=50)
        return [in_context(empty_archive.testimonies, s, audience).text
                for s in ranking.suggestions]

    secret = "Nobody ate for days and the hunger killed the old people first."
    assert texts("archivists")[0] == secret
    assert all(secret not in t and "clerk" not in t for t in texts("public"))


def test_a_rejected_suggestion_is_kept_committed_and_never_suggested_again(empty_archive):
    build(empty_archive.testimonies, git=True)
    first = rank_motive(empty_archive.testimonies, empty_archive.index, "famine",
                        "archivists").suggestions[0]
    made = reject(empty_archive.testimonies, first.record, "famine", first.key, "Kim")
    reject(empty_archive.testimonies, first.record, "famine", first.key, "Kim")  # once only
    assert rejections(empty_archive.testimonies) == [made]
    text = (empty_archive.testimonies / REJECTIONS).read_text(encoding="utf-8")
    assert PLANTED not in text and "hunger" not in text  # a key, never the words
    log = subprocess.run(["git", "-C", str(empty_archive.testimonies), "log", "--format=%an|%s"],
                         capture_output=True, text=True).stdout.splitlines()
    assert log[0] == "Kim|Reject a suggestion for famine in uncoded-account"
    after = rank_motive(empty_archive.testimonies, empty_archive.index, "famine",
                        "archivists", limit=100).suggestions
    assert first.key not in {s.key for s in after}
    assert rank_motive(empty_archive.testimonies, empty_archive.index, "famine", "archivists",
                       limit=100).rejected == 1


@pytest.mark.parametrize("content, message", [
    ("- [a list", "cannot be read as YAML"),
    ("{}", "expected a list of rejections, got dict"),
    ("- {record: x, motive: famine, passage: nothex}", "entry 1: expected record, motive"),
])
def test_a_damaged_rejections_file_is_reported_in_one_sentence(empty_archive, content, message):
    (empty_archive.testimonies / REJECTIONS).write_text(content, encoding="utf-8")
    with pytest.raises(BadRejections, match=message):
        rejections(empty_archive.testimonies)


def test_accepting_codes_the_passage_with_its_provenance_in_one_commit(empty_archive):
    build(empty_archive.testimonies, git=True)
    update_index(empty_archive.testimonies, empty_archive.index)
    path = empty_archive.testimonies / "uncoded-account.md"
    before = path.read_text(encoding="utf-8")
    first = rank_motive(empty_archive.testimonies, empty_archive.index, "famine",
                        "archivists").suggestions[0]
    vocabulary = vocabulary_for(empty_archive.testimonies)
    saved = accept(empty_archive.testimonies, empty_archive.index, vocabulary, first.record,
                   "famine", first.key, first.version, "Kim Archivist")
    after = path.read_text(encoding="utf-8")
    span = re.search(r'\[([^\]]+)\]\{\.motive term="famine" by="suggested" '
                     r'accepted_by="Kim Archivist" accepted_on="\d{4}-\d\d-\d\d"\}', after)
    assert span and span.group(1) == PLANTED
    assert re.sub(r"\[|\]\{[^}]*\}", "", after) == before  # only the span was added
    testimony = read_testimony(path, vocabulary)[0]
    coded = passages(testimony.body, vocabulary)[1]
    assert [(p.text, p.suggested, p.accepted_by) for p in coded] == [
        (PLANTED, True, "Kim Archivist")]
    log = subprocess.run(["git", "-C", str(empty_archive.testimonies), "log", "--format=%an|%s",
                          "--name-only", "-1"], capture_output=True, text=True).stdout.split("\n")
    assert log[0].startswith("Kim Archivist|Code a suggested passage of uncoded-account")
    assert [line for line in log[1:] if line] == ["uncoded-account.md"]
    assert saved.index.changed == ["uncoded-account"]
    hits = ArchiveIndex(empty_archive.index, vocabulary).search(
        SearchRequest("", {"motive": ["famine"]}, per_page=50)).hits
    assert PLANTED in [e.text for h in hits for e in h.evidence]
    again = rank_motive(empty_archive.testimonies, empty_archive.index, "famine", "archivists")
    assert again.coded == 6 and again.coded_by_people == 5
    assert first.key not in {s.key for s in again.suggestions}


def test_accepting_adds_the_motive_and_refuses_a_changed_record(empty_archive):
    build(empty_archive.testimonies)
    path = empty_archive.testimonies / "closed-account.md"
    vocabulary = vocabulary_for(empty_archive.testimonies)
    found = candidates(read_testimony(path, vocabulary)[0])[0]
    version = __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    with pytest.raises(EditConflict):
        accept(empty_archive.testimonies, empty_archive.index, vocabulary, "closed-account",
               "famine", found.key, "0" * 64, "Kim")
    with pytest.raises(SuggestionGone):
        accept(empty_archive.testimonies, empty_archive.index, vocabulary, "closed-account",
               "famine", "0123456789abcdef", version, "Kim")
    with pytest.raises(ArchiveError, match="without quotes"):
        accept(empty_archive.testimonies, empty_archive.index, vocabulary, "closed-account",
               "famine", found.key, version, 'Kim "the" archivist')
    accept(empty_archive.testimonies, empty_archive.index, vocabulary, "closed-account",
           "famine", found.key, version, "Kim")
    testimony = read_testimony(path, vocabulary)[0]
    assert testimony.motives == ("famine",)
    assert passages(testimony.body, vocabulary)[1][0].text == "The clerk kept the ledgers."


def test_the_suggester_retrains_after_a_batch_of_decisions(empty_archive, monkeypatch):
    build(empty_archive.testimonies)
    suggester = Suggester(empty_archive.testimonies, empty_archive.index)
    suggester.ranking("famine", "archivists")
    model = suggester.models["famine"][0]
    for _ in range(9):
        suggester.decided("famine")
    suggester.ranking("famine", "archivists")
    assert suggester.models["famine"][0] is model  # 9 decisions: the same batch
    suggester.decided("famine")
    suggester.ranking("famine", "archivists")
    assert suggester.models["famine"] == (suggester.models["famine"][0], 0)
    assert suggester.models["famine"][0] is not model


def test_models_trained_in_the_background_serve_each_motive_s_first_page(empty_archive,
                                                                        monkeypatch):
    build(empty_archive.testimonies)
    suggester = Suggester(empty_archive.testimonies, empty_archive.index)
    trained = []
    real = suggester_module.train_motive
    monkeypatch.setattr(suggester_module, "train_motive",  # this suggester's, not another test's
                        lambda store, motive, *rest: (store is suggester.store
                                                      and trained.append(motive))
                        or real(store, motive, *rest))
    warming = suggester.warm(["famine", "hallyu"])
    assert suggester.warm(["famine"]) is None  # one warming at a time
    warming.join(timeout=60)
    assert trained == ["famine", "hallyu"]
    assert suggester.models["famine"][0] is not None  # five coded passages: a model
    assert suggester.models["hallyu"][0] is None  # none coded: nothing to learn from
    ranking = suggester.ranking("famine", "archivists")
    assert trained == ["famine", "hallyu"] and ranking.suggestions  # no training on the page
    suggester.warm(["famine"]).join(timeout=60)
    assert trained == ["famine", "hallyu"]  # a model already there is kept


def test_opening_the_suggestions_page_starts_the_training(empty_archive):
    build(empty_archive.testimonies)
    update_index(empty_archive.testimonies, empty_archive.index)
    app = create_app({"TESTING": True, "TESTIMONIES": str(empty_archive.testimonies),
                      "INDEX": str(empty_archive.index), "PRIVATE": True})
    assert app.test_client().get("/suggestions").status_code == 200
    warming = app.extensions["suggester"].warming
    warming.join(timeout=60)
    assert app.extensions["suggester"].models["famine"][0] is not None


def test_archive_suggest_prints_the_ranking(empty_archive, run):
    build(empty_archive.testimonies)
    result = run(empty_archive, "suggest", "--motive", "기근", "--limit", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["motive"], data["coded"], data["enough"]) == ("famine", 5, True)
    assert data["suggestions"][0]["text"] == PLANTED
    assert data["suggestions"][0]["url"] == "/t/uncoded-account#p-1"
    text = run(empty_archive, "suggest", "--motive", "famine", "--limit", "1")
    assert text.output.splitlines()[0] == ("Suggestions for 'famine', learned from 5 coded "
                                           "passages and 0 rejected (14 sentences ranked):")
    assert PLANTED in text.output
    few = run(empty_archive, "suggest", "--motive", "education")
    assert few.output == (f"'education' has 0 coded passages; suggestions need at least "
                          f"{MIN_CODED}. Code a few more passages that state it, then ask again.\n")
    bad = run(empty_archive, "suggest", "--motive", "famin")
    assert (bad.exit_code, bad.output) == (
        1, "Error: 'famin' is not a motive of testimonies/vocabulary.yaml.\n")


def _app(paths, private=True, csrf=False):
    return create_app({"TESTING": True, "TESTIMONIES": str(paths.testimonies),
                       "INDEX": str(paths.index), "PRIVATE": private,
                       "WTF_CSRF_ENABLED": csrf})


def _form(page: str) -> dict:
    return {name: value for name, value in re.findall(
        r'name="(\w+)" value="([^"]*)"', page.split('class="suggestion-decision"')[1]
        .split("</form>")[0])}


def test_the_suggestions_pages_accept_reject_and_skip(empty_archive):
    build(empty_archive.testimonies, git=True)
    update_index(empty_archive.testimonies, empty_archive.index)
    client = _app(empty_archive).test_client()
    listing = client.get("/suggestions").get_data(as_text=True)
    assert 'href="/suggestions?motive=famine"' in listing
    page = client.get("/suggestions?motive=famine").get_data(as_text=True)
    assert f"<mark>{PLANTED}</mark>" in page and "Learned from 5 coded passages" in page
    form = _form(page)
    skipped = client.post("/suggestions", data={**form, "decision": "skip"})
    assert skipped.status_code == 303 and f"skip={form['key']}" in skipped.location
    assert f"<mark>{PLANTED}</mark>" not in client.get(skipped.location).get_data(as_text=True)
    done = client.post("/suggestions", data={**form, "decision": "accept", "name": "Kim"})
    assert "Coded the passage in uncoded-account" in client.get(done.location).get_data(
        as_text=True)
    assert 'by="suggested" accepted_by="Kim"' in (
        empty_archive.testimonies / "uncoded-account.md").read_text(encoding="utf-8")
    stale = client.post("/suggestions", data={**form, "decision": "accept", "name": "Kim"})
    assert "changed since it was suggested" in client.get(stale.location).get_data(as_text=True)
    second = _form(client.get("/suggestions?motive=famine").get_data(as_text=True))
    assert second["name"] == "Kim"  # remembered from the last decision
    client.post("/suggestions", data={**second, "decision": "reject", "name": "Kim"})
    assert [r.passage for r in rejections(empty_archive.testimonies)] == [second["key"]]
    assert client.post("/suggestions", data={**second, "decision": "nothing"}).status_code == 400


def test_the_suggestions_pages_need_a_csrf_token_and_are_archivists_only(empty_archive):
    build(empty_archive.testimonies)
    update_index(empty_archive.testimonies, empty_archive.index)
    client = _app(empty_archive, csrf=True).test_client()
    page = client.get("/suggestions?motive=famine").get_data(as_text=True)
    form = _form(page)
    assert form["csrf_token"]
    refused = client.post("/suggestions", data={**form, "csrf_token": "", "decision": "reject",
                                                "name": "Kim"})
    assert refused.status_code == 400 and rejections(empty_archive.testimonies) == []
    public = _app(empty_archive, private=False).test_client()
    assert public.get("/suggestions?motive=famine").status_code == 404
    assert public.post("/suggestions", data=form).status_code == 404


def test_the_suggester_looks_at_the_records_again_only_when_the_index_changed(empty_archive):
    build(empty_archive.testimonies)
    update_index(empty_archive.testimonies, empty_archive.index)
    suggester = Suggester(empty_archive.testimonies, empty_archive.index)
    first = suggester.current_store()
    path = empty_archive.testimonies / "uncoded-account.md"
    path.write_text(path.read_text(encoding="utf-8").replace("bicycles", "radios"), "utf-8")
    assert suggester.current_store() is first  # 34,000 files are not compared on every page
    update_index(empty_archive.testimonies, empty_archive.index)
    assert suggester.current_store().generation == first.generation + 1


def test_an_accepted_passage_shows_its_provenance_to_archivists_only(empty_archive):
    build(empty_archive.testimonies)
    update_index(empty_archive.testimonies, empty_archive.index)
    first = rank_motive(empty_archive.testimonies, empty_archive.index, "famine",
                        "archivists").suggestions[0]
    accept(empty_archive.testimonies, empty_archive.index,
           vocabulary_for(empty_archive.testimonies), first.record, "famine", first.key,
           first.version, "Kim Archivist")
    private = _app(empty_archive).test_client().get("/t/uncoded-account").get_data(as_text=True)
    assert re.search(r"Suggested by the archive; accepted by Kim Archivist on \d{4}-\d\d-\d\d\.",
                     private)
    public = _app(empty_archive, private=False).test_client().get("/t/uncoded-account")
    assert PLANTED in public.get_data(as_text=True)
    assert "Kim Archivist" not in public.get_data(as_text=True)


def test_whoosh_s_more_like_this_ranks_texts_sharing_the_examples_key_terms():
    from archive.search.engine.similar import more_like

    texts = ["The rations stopped and we starved", "The school had a red roof",
             "배급이 끊겨 굶주렸습니다", "Hunger and starvation in the village"]
    scores = more_like(texts, ["We starved when the rations stopped", "배급이 끊겼습니다"])
    assert scores[0] > scores[1] == 0 and scores[2] > 0


def test_a_page_asking_for_a_model_goes_before_the_background_training(empty_archive,
                                                                      monkeypatch):
    """Python's locks are not fair: without the page's turn, training every motive in the
    background kept a motive's first page waiting until all were trained."""
    build(empty_archive.testimonies)
    suggester = Suggester(empty_archive.testimonies, empty_archive.index)
    trained, started = [], threading.Event()
    real = suggester_module.train_motive

    def slow(store, motive, *rest):
        if store is suggester.store:  # not another test's background training
            started.set()
            time.sleep(0.2)
            trained.append(motive)
        return real(store, motive, *rest)

    monkeypatch.setattr(suggester_module, "train_motive", slow)
    warming = suggester.warm(["hallyu", "surveillance", "recall order", "religious persecution",
                              "education", "famine"])
    started.wait(timeout=10)
    suggester.ranking("famine", "archivists")
    assert trained.index("famine") <= 1  # after at most the one under way before
    warming.join(timeout=60)
    assert trained.count("famine") == 1  # the background does not train it again


def test_training_is_given_up_when_asked_and_finishes_otherwise():
    from archive.suggesting.model import Interrupted, train

    rows = features.vectors(["famine hunger corpses", "a quiet office", "famine again"])
    labels = np.array([1.0, 0.0, 1.0])
    asked = []
    with pytest.raises(Interrupted):
        train(rows, labels, stop=lambda: asked.append(1) or len(asked) > 2)
    assert len(asked) == 3
    trained = train(rows, labels, stop=lambda: False)
    assert trained.scores(rows)[0] > trained.scores(rows)[1]
