"""What reference managers and harvesters read in a page: a record's embedded metadata
(Highwire `citation_*`, Dublin Core `DC.*` and Zotero's `z.*` meta tags, which Zotero's
Embedded Metadata translator turns into an `interview` item) and schema.org JSON-LD; and a
COinS span for each hit of a search page, so that Zotero offers to save several at once.

Everything is made from the public view of a record, whoever reads the page: no closed
record's name, no withheld field, no redacted passage. A record page carries meta tags and
no COinS (where both are present Zotero reads only the COinS, which cannot name the archive).

As Zotero's Embedded Metadata translator reads them (through its RDF translator): `z.itemType`
decides the type over the Highwire guess; any other `z.<field>` sets that field (`archive`,
`archiveLocation`); `z.interviewees` gives the interview's creators; `citation_keywords` become
tags. `DC.coverage` would become the location in the archive, so the page gives none.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from ..records.redaction import public_view
from ..records.testimony import Testimony
from ..settings import Settings


def interviewee(testimony: Testimony) -> str | None:
    """The witness's name when it may be cited: public, not a pseudonym, not withheld, the
    record not closed to the public (the public view has no name otherwise)."""
    shown = public_view(testimony)
    return shown.name if shown.name and not shown.pseudonym and not shown.closed else None


def iso_date(testimony: Testimony) -> str:
    """The record's date as ISO 8601, the year at least (the day the person left if known)."""
    return testimony.defected_on or str(testimony.year)


def meta_tags(testimony: Testimony, url: str, archive: Settings) -> list[tuple[str, str]]:
    """The `<meta name content>` pairs of a record page."""
    shown = public_view(testimony)
    date, person = iso_date(shown), interviewee(testimony)
    tags = [("z.itemType", "interview"), ("z.archive", archive.name),
            ("z.archiveLocation", shown.id),
            ("citation_title", shown.title), ("citation_date", date),
            ("citation_public_url", url), ("citation_language", shown.language),
            ("DC.title", shown.title), ("DC.date", date), ("DC.language", shown.language),
            ("DC.type", "Interview"), ("DC.identifier", url),
            ("DC.publisher", archive.publisher or archive.name)]
    if shown.summary:
        tags += [("citation_abstract", shown.summary), ("DC.description", shown.summary)]
    if person:
        tags += [("z.interviewees", person), ("DC.creator", person)]
    tags += [("citation_keywords", motive) for motive in shown.motives]
    tags += [("DC.subject", motive) for motive in shown.motives]
    return tags


def json_ld(testimony: Testimony, url: str, archive: Settings) -> str:
    """The record as schema.org JSON-LD (`<script type="application/ld+json">`), escaped so
    that no text of it can close the script element."""
    shown, person = public_view(testimony), interviewee(testimony)
    data = {"@context": "https://schema.org", "@type": ["CreativeWork", "ArchiveComponent"],
            "name": shown.title, "genre": "testimony", "url": url,
            "dateCreated": iso_date(shown), "inLanguage": shown.language,
            "keywords": list(shown.motives),
            "holdingArchive": {"@type": "ArchiveOrganization", "name": archive.name}}
    if shown.summary:
        data["abstract"] = shown.summary
    if person:
        data["author"] = {"@type": "Person", "name": person}
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def coins(title: str, year: int, url: str, motives: tuple[str, ...]) -> str:
    """The `title` of a COinS span (OpenURL 1.0, Dublin Core) for one search hit: an
    interview, with its title, year, address and motives."""
    pairs = [("ctx_ver", "Z39.88-2004"), ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
             ("rft.type", "interview"), ("rft.title", title), ("rft.date", str(year)),
             ("rft.identifier", url)]
    pairs += [("rft.subject", motive) for motive in motives]
    return urlencode(pairs)
