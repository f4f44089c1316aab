"""The motives vocabulary: loading, normalising, suggesting, Korean labels."""

from __future__ import annotations

import pytest

from archive.errors import InvalidVocabulary
from archive.records.vocabulary import load_vocabulary

from ..helpers import SAMPLE

INITIAL_TERMS = [
    "children's freedom", "family reunion", "desire for reunification", "Korean Wave media",
    "outside information", "political persecution", "fear of purge", "fear of punishment",
    "recall order", "hard-currency quota", "economic hardship", "famine",
    "religious persecution", "disillusionment with the regime", "personal freedom",
    "better life", "human rights abuses", "forced labour", "health and medical care",
    "education", "discrimination by songbun", "surveillance",
]


@pytest.fixture(scope="module")
def vocabulary():
    return load_vocabulary(SAMPLE / "vocabulary.yaml")


def test_shipped_vocabulary_has_every_initial_term_with_a_korean_label(vocabulary):
    assert [m.term for m in vocabulary.motives] == INITIAL_TERMS
    assert all(m.ko for m in vocabulary.motives)


@pytest.mark.parametrize("label, term", [
    ("children's freedom", "children's freedom"),
    ("Children’s Future", "children's freedom"),
    ("  HALLYU ", "Korean Wave media"),
    ("자녀의 자유", "children's freedom"),
    ("arduous march", "famine"),
    ("ordered home", "recall order"),
    ("no such motive", None),
])
def test_normalise_accepts_terms_aliases_and_korean_labels(vocabulary, label, term):
    assert vocabulary.normalise(label) == term


def test_closest_term_for_a_misspelling(vocabulary):
    assert vocabulary.closest("childrens freedom") == "children's freedom"
    assert vocabulary.closest("reunifcation") == "desire for reunification"


def test_label_in_korean_and_english(vocabulary):
    assert vocabulary.label("famine", "ko") == "기근"
    assert vocabulary.label("famine") == "famine"


@pytest.mark.parametrize("text, message", [
    ("motives: [a, b]\n", "expected a mapping with a 'motives:' mapping of terms"),
    ("motives:\n  famine:\n    aliases: hunger\n", "motives: famine: aliases must be a list"),
    ("motives:\n  famine:\n    ko: 5\n", "motives: famine: ko must be a string"),
    ("motives:\n  a, b:\n    ko: 가\n", "motives: a, b: a term cannot contain a comma"),
    ("motives: {\n", "cannot be read as UTF-8 YAML"),
])
def test_broken_vocabulary_names_the_file_and_the_term(tmp_path, text, message):
    path = tmp_path / "vocabulary.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidVocabulary) as caught:
        load_vocabulary(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_missing_vocabulary(tmp_path):
    with pytest.raises(InvalidVocabulary, match="the motives vocabulary is missing"):
        load_vocabulary(tmp_path / "vocabulary.yaml")


@pytest.mark.parametrize("text, message", [
    # A term with two `broader:` lines: YAML would silently keep the second.
    ("motives:\n  famine:\n    ko: 기근\n    broader: livelihood\n    broader: family\n"
     "concepts:\n  livelihood: {}\n  family: {}\n",
     ":5: motives: famine: broader: appears twice in this term (first on line 4); keep one "
     "of them"),
    # The same term defined twice.
    ("motives:\n  famine:\n    ko: 기근\n  education: {}\n  famine:\n    aliases: [hunger]\n",
     ":5: motives: famine: the term is defined twice (first on line 2); keep one entry and "
     "move the other's aliases into it"),
    ("motives:\n  famine: {}\nranks:\n  elite: {}\nranks:\n  ordinary: {}\n",
     ":5: ranks: the section appears twice (first on line 3); merge them into one"),
    ("motives:\n  famine: {}\nranks:\n  elite: {}\n  elite: {}\n",
     ":5: ranks: elite: the term is defined twice (first on line 4); keep one entry and move "
     "the other's aliases into it"),
])
def test_a_key_written_twice_is_refused_with_its_line(tmp_path, text, message):
    path = tmp_path / "vocabulary.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidVocabulary) as caught:
        load_vocabulary(path)
    assert str(caught.value) == f"{path}{message}"


def test_the_shipped_ranks_from_the_highest(vocabulary):
    assert [r.term for r in vocabulary.ranks] == ["elite", "mid-level", "ordinary"]
    assert all(r.ko and r.note for r in vocabulary.ranks)
    assert vocabulary.rank("High-Ranking") == vocabulary.rank("고위급") == "elite"
    assert vocabulary.rank("famine") is None  # a motive is no rank
    assert vocabulary.rank_label("mid-level", "ko") == "중간 간부"
    assert vocabulary.closest_rank("midlevel") == "mid-level"
    assert [vocabulary.rank_order(r) for r in ("ordinary", "elite", "boss")] == [2, 0, 3]


@pytest.mark.parametrize("text, message", [
    ("motives:\n  famine: {}\nranks:\n  elite:\n    broader: top\n",
     "ranks: elite: a rank has no broader term"),
    ("motives:\n  famine: {}\nranks:\n  elite:\n    aliases: [top]\n  ordinary:\n"
     "    aliases: [top]\n", ":6: ranks: ordinary: the label 'top' is also a label of 'elite'"),
    ("motives:\n  famine: {}\nranks: [elite, ordinary]\n",
     ":3: ranks: expected a mapping of ranks"),
])
def test_broken_ranks_name_the_file_the_line_and_the_rank(tmp_path, text, message):
    path = tmp_path / "vocabulary.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidVocabulary) as caught:
        load_vocabulary(path)
    assert message in str(caught.value)


def test_the_skeleton_of_a_new_archive_has_the_sample_vocabulary():
    from ..helpers import ROOT

    skeleton = (ROOT / "archive" / "skeleton" / "vocabulary.yaml").read_text(encoding="utf-8")
    assert skeleton == (SAMPLE / "vocabulary.yaml").read_text(encoding="utf-8")
