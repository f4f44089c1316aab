"""Records to index documents, and requests to results: the only way to Whoosh.

A `Testimony`'s view for an audience becomes an index document (`documents`); `indexing`
and `building` keep the index in step with the records; `requests` reads what a person
asked, `searching` answers it with hits, facets and snippets (`snippets`), `comparing`
counts motives across periods and groups, and `checking` compares the index with the
records. `engine/` inside it is the only code that imports Whoosh.
"""
