"""Incremental updates of the views: one Whoosh writer each, what a view holds of a record
now, and the merge policies that keep segments few and purge deleted text from the disk."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from ...errors import IndexBusy
from .codec import ArchiveCodec
from .generations import LOCK_TIMEOUT, VIEWS
from .schema import index_fields
from .store import open_index
from .suggestions import load_words, write_words

SMALL_RECORDS = 250  # a segment smaller than this was left by edits
SMALL_SEGMENTS = 8  # this many small segments are merged into one


class ViewWriters:
    """The writers of every view of a generation, opened on the first change.

    `words` holds each view's table of spelling words, loaded with the writers and written
    beside the view's new Whoosh generation on commit.
    """

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self.indexes = {view: open_index(generation / view) for view in VIEWS}
        self.readers: dict = {}
        self.writers: dict = {}
        self.words: dict = {}

    @property
    def started(self) -> bool:
        """True once a change has opened the writers."""
        return bool(self.writers)

    def start(self) -> None:
        """Open the readers (what is indexed now), the word tables and the writers."""
        if self.writers:
            return
        self.readers = {view: ix.reader() for view, ix in self.indexes.items()}
        self.words = {view: load_words(self.generation / view, self.readers[view])
                      for view in VIEWS}
        try:
            self.writers = {view: ix.writer(timeout=LOCK_TIMEOUT, codec=ArchiveCodec())
                            for view, ix in self.indexes.items()}
        except whoosh_index.LockError:
            raise IndexBusy("The index stayed locked by another writer; try again shortly.") \
                from None

    def indexed(self, testimony_id: str) -> dict:
        """The stored fields each view holds of a record now (None where it holds none)."""
        found = {}
        for view, reader in self.readers.items():
            found[view] = None
            if ("id", testimony_id) in reader:
                for docnum in reader.postings("id", testimony_id).all_ids():
                    if not reader.is_deleted(docnum):
                        found[view] = reader.stored_fields(docnum)
        return found

    def put(self, view: str, document: dict) -> None:
        """Add a document to a view, replacing the one with its id."""
        self.writers[view].update_document(**index_fields(document))

    def delete(self, view: str, testimony_id: str) -> None:
        """Delete a record's document from a view."""
        self.writers[view].delete_by_term("id", testimony_id)

    def commit(self, purge: set[str] | frozenset[str]) -> None:
        """Commit every view; rewrite the segments holding deleted text of the views in
        `purge`.

        Whoosh keeps a replaced document's text in its segment until a merge. When an
        audience may now see less (a record closed, withheld, redacted or removed), the
        segments of its view holding old text are rewritten without it.
        """
        for view in VIEWS:
            self.writers[view].commit(mergetype=purge_deleted if view in purge else merge_small)
        for view in VIEWS:
            write_words(self.generation / view, self.indexes[view].latest_generation(),
                        self.words[view])

    def cancel(self) -> None:
        """Give up every change not committed."""
        for writer in self.writers.values():
            writer.cancel()

    def close(self) -> None:
        """Release the readers."""
        for reader in self.readers.values():
            reader.close()


def purge_deleted(writer, segments: list) -> list:
    """A merge policy: rewrite every segment that holds deleted documents, so that their
    text leaves the disk, and keep the others (small ones merged as usual).

    Whoosh keeps a deleted document's text in its segment's files until that segment is
    merged; only those segments need rewriting, not the whole index (a rebuild's segments
    hold 2,500 records each).
    """
    merge_into(writer, [segment for segment in segments if segment.has_deletions()])
    return merge_small(writer, [segment for segment in segments if not segment.has_deletions()])


def merge_small(writer, segments: list) -> list:
    """A merge policy: once edits have left `SMALL_SEGMENTS` small segments, merge them
    into one; never touch a rebuild's large segments.

    Whoosh's own policy merges by a Fibonacci rule that, over the forty segments of
    100,000 records, merged 62,500 records on an ordinary edit (minutes).
    """
    small = [segment for segment in segments if segment.doc_count_all() < SMALL_RECORDS]
    if len(small) < SMALL_SEGMENTS:
        return segments
    merge_into(writer, small)
    return [segment for segment in segments if segment.doc_count_all() >= SMALL_RECORDS]


def merge_into(writer, segments: list) -> None:
    """Copy the live documents of some segments into the writer's new segment; the old
    segments' files go when the commit leaves them out of the table of contents."""
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
