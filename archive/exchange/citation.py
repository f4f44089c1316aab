"""Citations of a testimony: Chicago (notes and bibliography), BibTeX and CSL-JSON.

Callers pass the view of the record that the mode may show (`redaction.visible`), so a
citation never carries a withheld name. The testimony's year is its date of issue: it
is the year the account concerns and the one scholars sort by.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from ..records.testimony import Testimony
from ..settings import Settings

DEFAULT = Settings()  # an archive without archive.toml: the name "Testimony Archive"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def _author(testimony: Testimony) -> str | None:
    if not testimony.name:
        return None
    return f"{testimony.name} (pseudonym)" if testimony.pseudonym else testimony.name


def _holder(archive: Settings) -> str:
    """The archive as a citation names it: its name, and its publisher when it has one."""
    return f"{archive.name}, {archive.publisher}" if archive.publisher else archive.name


def chicago(testimony: Testimony, url: str, accessed: dt.date, paragraph: int | None = None,
            archive: Settings = DEFAULT) -> str:
    """A Chicago-style bibliography entry with the permalink and the date accessed; with a
    `paragraph`, the entry of that paragraph (`para. 3`, and the paragraph's address)."""
    author = _author(testimony)
    title = testimony.title.rstrip(".")
    where = f", para. {paragraph}" if paragraph else ""
    url = f"{url}#p-{paragraph}" if paragraph else url
    parts = [f"{author}." if author else None,
             f"\u201c{title}.\u201d",
             f"Testimony record {testimony.id}, {testimony.year}{where}.",
             f"{_holder(archive)}.",
             f"Accessed {MONTHS[accessed.month - 1]} {accessed.day}, {accessed.year}.",
             f"{url}."]
    return " ".join(p for p in parts if p)


def _bibtex_escape(text: str) -> str:
    text = text.replace("\\", r"\textbackslash{}")
    text = re.sub(r"([{}&%$#_])", r"\\\1", text)
    return text.replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}")


def bibtex(testimony: Testimony, url: str, accessed: dt.date, archive: Settings = DEFAULT) -> str:
    """A BibTeX `@misc` entry that BibTeX, biblatex and reference managers read."""
    fields = [("title", "{" + _bibtex_escape(testimony.title) + "}")]
    author = _author(testimony)
    if author:
        fields.append(("author", "{" + _bibtex_escape(author) + "}"))  # a name, not First Last
    fields += [("year", str(testimony.year)),
               ("howpublished", _bibtex_escape(archive.name)),
               *((("publisher", "{" + _bibtex_escape(archive.publisher) + "}"),)
                 if archive.publisher else ()),
               ("note", _bibtex_escape(f"Testimony record {testimony.id}; {testimony.post}")),
               ("url", url),
               ("urldate", accessed.isoformat()),
               ("language", testimony.language)]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{testimony.id},\n{body}\n}}\n"


def csl_item(testimony: Testimony, url: str, accessed: dt.date,
             archive: Settings = DEFAULT) -> dict:
    """A CSL-JSON item (the format of Zotero, citeproc and pandoc)."""
    item = {
        "id": testimony.id,
        "type": "interview",
        "title": testimony.title,
        "genre": "Testimony",
        "issued": {"date-parts": [[testimony.year]]},
        "publisher": archive.publisher or archive.name,
        "archive": archive.name,
        "archive_location": testimony.id,
        "URL": url,
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
        "language": testimony.language,
        "note": testimony.post,
    }
    author = _author(testimony)
    if author:
        item["author"] = [{"literal": author}]
    if testimony.summary:
        item["abstract"] = testimony.summary
    return item


def csl_json(testimony: Testimony, url: str, accessed: dt.date, archive: Settings = DEFAULT) -> str:
    """A CSL-JSON document: a list holding the testimony's item."""
    return json.dumps([csl_item(testimony, url, accessed, archive)], ensure_ascii=False, indent=2)
