"""Writing a new generation in parts: each build process writes segments of its own, which
one commit then lists together, as Whoosh's own multiprocess writer does."""

from __future__ import annotations

from pathlib import Path

from whoosh.writing import SegmentWriter

from .codec import ArchiveCodec
from .generations import VIEWS
from .schema import index_fields
from .store import create_index, open_index
from .suggestions import write_words

BUILD_MEMORY_MB = 512  # per writing process, before Whoosh spills postings to disk
VIEW_MEMORY_MB = 64  # a view above the public holds only the records the one below sees in part


def create_views(generation: Path) -> None:
    """Create an empty index of each view in a new generation's folder."""
    for view in VIEWS:
        (generation / view).mkdir(parents=True)
        create_index(generation / view)


class PartWriters:
    """One process's writers, a segment of each view at a time; `finish` gives the
    segments written, for `commit_parts`."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self.segments: dict[str, list] = {view: [] for view in VIEWS}
        self.writers = {view: self._writer(view) for view in VIEWS}

    def _writer(self, view: str) -> "_PartWriter":
        memory = BUILD_MEMORY_MB if view == "public" else VIEW_MEMORY_MB
        return _PartWriter(open_index(self.generation / view), memory)

    def add(self, view: str, document: dict) -> None:
        """Add a document to this part's segment of a view."""
        self.writers[view].add_document(**index_fields(document))

    def next_segment(self, view: str) -> None:
        """Close the view's segment and start another: a segment's postings are sorted in
        memory, and merging what spilled beyond it made a build half as slow again."""
        self.segments[view].append(_finish(self.writers[view]))
        self.writers[view] = self._writer(view)

    def finish(self) -> dict[str, list]:
        """Close the last segments; the segments of each view."""
        for view, writer in self.writers.items():
            self.segments[view].append(_finish(writer))
        return self.segments

    def cancel(self) -> None:
        """Give up the segments not finished. Called while an error is raised: a writer whose
        files an interrupted finish already closed must not hide that error behind its own
        (the generation's folder is removed whole anyway)."""
        for writer in self.writers.values():
            if not writer.is_closed:
                try:
                    writer.cancel()
                except Exception:  # noqa: BLE001 - the error being raised is the one to tell
                    writer.is_closed = True


class _PartWriter(SegmentWriter):
    """Whoosh's segment writer for one process of a build.

    It takes no lock (the build holds the archive's) and, when it writes the postings,
    reads each document's field lengths from a list in memory rather than from the
    lengths file, one read per posting (an eighth of a build's time otherwise).
    """

    def __init__(self, ix, limitmb: int) -> None:
        # Not compound: copying every file of a segment into one costs a build a pass
        # over the whole index, and searches open the files alike either way.
        super().__init__(ix, _lk=False, limitmb=limitmb, compound=False, codec=ArchiveCodec())

    def cancel(self) -> None:
        """Give up this segment, as Whoosh's `cancel` does, but leave the temporary folder
        the other processes of the build are still writing in: Whoosh's removes it, and a
        process that failed then made the others fail too, hiding its own error."""
        self._check_state()
        self._close_segment()
        self.is_closed = True

    def _flush_segment(self):
        if not self.codec.length_stats:
            return super()._flush_segment()
        self.perdocwriter.close()  # as Whoosh's own, but with lengths held in memory
        lengths = _Lengths(self.per_document_reader())
        try:
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            lengths.close()


class _Lengths:
    """Each document's length in each field, read once from a per-document reader."""

    def __init__(self, reader) -> None:
        self._reader, self._fields = reader, {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._fields.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = self._fields[fieldname] = [
                read(number, fieldname, default) for number in range(self._reader.doc_count_all())]
        return lengths[docnum]

    def close(self) -> None:
        self._reader.close()


def _finish(writer: SegmentWriter):
    """Close a part's segment and return it (None when it holds no document).

    The parts share the index's temporary folder; the writer that commits them all
    removes it (`commit_parts`), as in Whoosh's own multiprocess writer.
    """
    if writer._added:
        return writer._finalize_segment()
    writer._close_segment()
    return None


def commit_parts(generation: Path, segments: dict[str, list], words: dict) -> None:
    """Make the parts' segments the content of each view, with one table of contents
    listing them all, and write each view's table of words."""
    for view in VIEWS:
        ix = open_index(generation / view)
        writer = ix.writer()
        try:
            writer._close_segment()
            writer._commit_toc([segment for segment in segments[view] if segment is not None])
        finally:
            writer._finish()
        write_words(generation / view, ix.latest_generation(), words[view])
