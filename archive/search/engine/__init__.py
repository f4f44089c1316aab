"""The search engine behind the archive: the only code that imports Whoosh.

The rest of the archive asks for what it needs in its own words (documents to write,
queries to rank, facet sets, snippets' terms, respellings) through the names below; each
module here owns one concern and knows the Whoosh internals it needs:

- `analysis`: the text analyzers (English stemming, Hangul syllable pairs, names);
- `schema`: the fields a testimony becomes;
- `codec`: how postings are written and read (packed positions, pickles, compression);
- `store`: opening and creating a view's index, and the pinned Whoosh release;
- `generations`: the index folder, its signed generations, lock and crash recovery;
- `integrity`: the signature that keeps an index from elsewhere from ever being opened;
- `building` and `writer`: a rebuild's segments, and incremental updates with their
  merge and purge policies;
- `queries`, `ranking`, `segments`, `reader`, `suggestions`: reading a query, ranking
  its matches, what each segment holds, the open views with their facet sets, and
  spelling suggestions.
"""

from .building import PartWriters, commit_parts, create_views
from .generations import VIEWS
from .queries import MAX_QUERY_CHARS, guard_query
from .reader import Snapshot, indexed_records, open_snapshot
from .schema import FACET_FIELDS, SCHEMA_VERSION
from .store import WHOOSH_VERSION, is_lock_error, open_index, require_whoosh
from .suggestions import forget_words
from .writer import ViewWriters

__all__ = ["FACET_FIELDS", "MAX_QUERY_CHARS", "SCHEMA_VERSION", "VIEWS", "WHOOSH_VERSION",
           "PartWriters", "Snapshot", "ViewWriters", "commit_parts", "create_views",
           "forget_words", "guard_query", "indexed_records", "is_lock_error", "open_index",
           "open_snapshot", "require_whoosh"]
