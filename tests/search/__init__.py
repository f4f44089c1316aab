"""Tests of the search wing: analysis, indexing, searching, snippets, comparisons and checks."""
