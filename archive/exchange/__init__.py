"""Everything that leaves or enters the archive in another format.

Exports (`exporting`: JSON, CSV, CSL-JSON, BibTeX, RIS, passages) and imports
(`importing`), citations (`citation`), the metadata embedded in pages for Zotero and
crawlers (`metadata`), REFI-QDA projects (`qda`), and OAI-PMH with its catalogue of
records (`oai`, `harvesting`). Each speaks a standard's words; none decides who may see
what: they are given the view of an audience.
"""
