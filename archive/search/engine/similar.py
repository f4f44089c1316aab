"""More like these: Whoosh's own more-like-this (its key terms of a few example texts, by
the Bo1 expansion model, searched as one query) over a set of passages, with the archive's
analyzer; `make bench-suggestions` measures it against the suggestion models."""

from __future__ import annotations

from whoosh.fields import NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Or, Term

from .analysis import text_analyzer


def more_like(texts: list[str], examples: list[str], terms: int = 20) -> list[float]:
    """Each text's score for a query of the key terms of the examples (0 where it has none
    of them), all in an index held in memory."""
    schema = Schema(number=NUMERIC(stored=True), text=TEXT(analyzer=text_analyzer()))
    index = RamStorage().create_index(schema)
    writer = index.writer()
    for number, text in enumerate(texts):
        writer.add_document(number=number, text=text)
    writer.commit()
    scores = [0.0] * len(texts)
    with index.searcher() as searcher:
        keys = searcher.key_terms_from_text("text", " ".join(examples), numterms=terms)
        if keys:
            query = Or([Term("text", term, boost=weight) for term, weight in keys])
            for hit in searcher.search(query, limit=None):
                scores[hit["number"]] = hit.score
    return scores
