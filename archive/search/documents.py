"""Records become index documents: the public view of each, and its full version where the
public sees only part of it."""

from __future__ import annotations

from dataclasses import dataclass

from ..records.coding import passages
from ..records.countries import country_name
from ..records.person import age_at_departure, age_band, generation
from ..records.redaction import hidden_parts, public_view
from ..records.rendering import plain_text
from ..records.testimony import Testimony
from ..records.vocabulary import Vocabulary
from .engine.analysis import spelling_words


def index_document(testimony: Testimony, vocabulary: Vocabulary, path: str) -> dict:
    """The index fields of one testimony (the caller passes the view it may index)."""
    labels = [label for term in testimony.motives for label in vocabulary.get(term).labels]
    summary = plain_text(testimony.summary or "")
    body, coded = passages(testimony.body, vocabulary)
    quoted = dict.fromkeys(motive for passage in coded for motive in passage.motives)
    doc = {
        "id": testimony.id, "path": path, "sha256": testimony.sha256,
        "title": testimony.title, "summary": summary, "body": body, "post": testimony.post,
        "names": "\n".join(filter(None, (testimony.name, *testimony.aliases))),
        # The country also by its Korean name: `쿠바` finds the records of Cuba.
        "country_text": "\n".join(dict.fromkeys(filter(None, (
            testimony.country, country_name(testimony.country, "ko"))))),
        "motive_text": "\n".join(labels),
        "tags": ",".join(testimony.tags),
        "words": " ".join(spelling_words(testimony.title, summary, body, testimony.post,
                                         testimony.country, *labels)),
        "motive": ",".join(testimony.motives), "sector": testimony.sector,
        "country": testimony.country, "gender": testimony.gender,
        "language": testimony.language, "access": testimony.access, "year": testimony.year,
        "account": testimony.account, "quoted": ",".join(quoted),
        "rank": testimony.rank, "left_with": ",".join(testimony.left_with),
        "born": testimony.born, "generation": generation(testimony.born),
        "age": age_band(age_at_departure(testimony)),
        # What a hit shows as the person's own words: (motives, text, paragraph) each.
        "evidence": [(p.motives, p.text, p.paragraph) for p in coded] or None,
    }
    return {key: value for key, value in doc.items() if value not in (None, "")}


@dataclass(frozen=True)
class Documents:
    """What each view indexes of one record: the public document always, the private one
    (the full version, with what the public may not see of it) only where they differ."""

    public: dict
    private: dict | None
    hidden: frozenset

    def words(self, view: str) -> list[str]:
        """The spelling words a view's document holds."""
        document = self.public if view == "public" else self.private
        return document.get("words", "").split() if document else []


def documents_for(testimony: Testimony, vocabulary: Vocabulary, path: str) -> Documents:
    """The documents of a record for each view."""
    public = index_document(public_view(testimony), vocabulary, path)
    hidden = frozenset(hidden_parts(testimony))
    private = None
    if hidden:
        private = dict(index_document(testimony, vocabulary, path),
                       hidden="\n".join(sorted(hidden)))
    return Documents(public, private, hidden)


def hides_more(documents: Documents, before: dict) -> bool:
    """True when the public now sees less of a record than it did (`before` holds the
    stored fields each view had of it): its earlier text must be purged."""
    if before["public"] is None:
        return False
    hidden_before = set(before["private"].get("hidden", "").split("\n")) \
        if before["private"] else set()
    return not documents.hidden <= hidden_before


def file_entry(testimony: Testimony, size: int, mtime_ns: int) -> dict:
    """What the index state keeps of a record file, to tell later whether it changed."""
    return {"id": testimony.id, "sha256": testimony.sha256, "size": size, "mtime_ns": mtime_ns}
