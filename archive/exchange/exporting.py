"""Exports of testimonies for scholars' tools: JSON, CSV, CSL-JSON, BibTeX, RIS, the coded
passages as a table (`passages`, for R and pandas), and a REFI-QDA project (`qda`).

Callers pass the views of the records the mode may show. Every export says when and
from what it was made: the date, the query, the filters, the mode and the count.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..records.coding import passages
from ..records.testimony import Testimony
from ..records.vocabulary import Vocabulary
from ..settings import Settings
from . import citation
from .qda import qdpx

FORMATS = {"json": ("application/json", "json"), "csv": ("text/csv", "csv"),
           "csl-json": ("application/vnd.citationstyles.csl+json", "csl.json"),
           "bibtex": ("application/x-bibtex", "bib"), "ris": ("application/x-research-info-systems", "ris"),
           "passages": ("text/csv", "passages.csv"), "refi-qda": ("application/zip", "qdpx")}
BINARY = ("refi-qda",)
PASSAGE_FIELDS = ("id", "motive", "paragraph", "text", "year", "sector", "country", "account",
                  "rank", "born", "left_with", "url")
CSV_FIELDS = ("id", "title", "year", "defected_on", "post", "sector", "rank", "country",
              "motives", "name", "aliases", "pseudonym", "name_public", "gender", "born",
              "left_with", "language", "summary", "tags", "sources", "access", "account",
              "withhold", "recorded_by", "recorded_on", "url", "body")
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class ExportInfo:
    """When and from what an export was made."""

    query: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    audience: str = "public"  # whose view the records are in
    count: int = 0
    made: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    archive: Settings = field(default_factory=Settings)
    withdrawn: tuple = ()  # (id, date) of each record withdrawn from the archive
    media_cache: Path | None = None  # where recordings' copies are kept (REFI-QDA carries them)

    def as_dict(self) -> dict:
        """The export's provenance as plain data."""
        return {"archive": self.archive.name, "publisher": self.archive.publisher,
                "exported": self.made.isoformat(timespec="seconds"),
                "query": self.query, "filters": self.filters, "sort": self.sort,
                "mode": self.mode, "audience": self.audience, "records": self.count}

    @property
    def mode(self) -> str:
        """The mode an export names: public, researchers, or private (the archivists')."""
        return "private" if self.audience == "archivists" else self.audience

    def sentence(self) -> str:
        """The provenance as one line of text."""
        filters = "; ".join(f"{k}={', '.join(map(str, v))}" for k, v in self.filters.items())
        return (f"Exported from {self.archive.name} on "
                f"{self.made.isoformat(timespec='seconds')} ({self.mode} mode): "
                f"query {self.query!r}, filters [{filters}], {self.count} records.")


def record_dict(testimony: Testimony) -> dict:
    """A testimony's fields as plain data (the JSON export and the JSON import)."""
    data = dataclasses.asdict(testimony)
    for internal in ("path", "sha256", "closed"):
        data.pop(internal, None)
    data["sources"] = [{k: v for k, v in s.items() if v is not None} for s in data["sources"]]
    data["extra"] = dict(testimony.extra)
    data["media"] = testimony.media.front_matter() if testimony.media else None
    return data


def export(fmt: str, testimonies: list[Testimony], info: ExportInfo, url_of,
           vocabulary: Vocabulary) -> str | bytes:
    """An export in one format (bytes for the binary ones, `BINARY`); `url_of(id)` gives a
    record's permalink."""
    accessed = info.made.date()
    if fmt == "passages":
        return _passages_csv(testimonies, info, url_of, vocabulary)
    if fmt == "refi-qda":
        # A restricted record's public view has no text: it has nothing to code.
        shown = [t for t in testimonies if not t.closed]
        return qdpx(shown, vocabulary, url_of, info.made.isoformat(timespec="seconds"),
                    info.sentence(), info.media_cache, info.audience)
    if fmt == "json":
        return json.dumps({"export": info.as_dict(),
                           "withdrawn": [{"id": i, "withdrawn_on": d} for i, d in info.withdrawn],
                           "records": [dict(record_dict(t), url=url_of(t.id)) for t in testimonies]},
                          ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(testimonies, info, url_of)
    if fmt == "csl-json":
        items = []
        for t in testimonies:
            item = citation.csl_item(t, url_of(t.id), accessed, info.archive)
            item["custom"] = {"export": info.as_dict()}
            items.append(item)
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    if fmt == "bibtex":
        header = f"@comment{{{info.sentence().replace('{', '(').replace('}', ')')}}}\n\n"
        return header + "\n".join(citation.bibtex(t, url_of(t.id), accessed, info.archive)
                                   for t in testimonies)
    if fmt == "ris":
        return "".join(_ris(t, url_of(t.id), accessed, info) for t in testimonies)
    raise ValueError(f"unknown export format {fmt!r}")


def _csv(testimonies: list[Testimony], info: ExportInfo, url_of) -> str:
    out = io.StringIO()
    out.write(f"# {info.sentence()}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for t in testimonies:
        row = []
        for name in CSV_FIELDS:
            if name == "url":
                row.append(url_of(t.id))
            elif name == "sources":
                row.append(json.dumps(record_dict(t)["sources"], ensure_ascii=False)
                           if t.sources else "")
            else:
                value = getattr(t, name)
                if isinstance(value, tuple):
                    value = LIST_SEPARATOR.join(value)
                elif isinstance(value, bool):
                    value = "true" if value else ""
                row.append("" if value is None else value)
        writer.writerow(row)
    return out.getvalue()


def _passages_csv(testimonies: list[Testimony], info: ExportInfo, url_of,
                  vocabulary: Vocabulary) -> str:
    """One row per coded passage and motive, with the record's variables."""
    out = io.StringIO()
    out.write(f"# {info.sentence()}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PASSAGE_FIELDS)
    for t in testimonies:
        for passage in passages(t.body, vocabulary)[1]:
            for motive in passage.motives:
                writer.writerow([t.id, motive, passage.paragraph, passage.text, t.year,
                                 t.sector, t.country or "", t.account or "", t.rank or "",
                                 t.born or "", LIST_SEPARATOR.join(t.left_with),
                                 f"{url_of(t.id)}#p-{passage.paragraph}"])
    return out.getvalue()


def _ris(t: Testimony, url: str, accessed: dt.date, info: ExportInfo) -> str:
    lines = [("TY", "GEN"), ("ID", t.id), ("TI", t.title)]
    if t.name:
        lines.append(("AU", f"{t.name} (pseudonym)" if t.pseudonym else t.name))
    lines += [("PY", str(t.year)), ("PB", info.archive.publisher or info.archive.name),
              ("DB", info.archive.name),
              ("UR", url), ("Y2", accessed.isoformat()), ("LA", t.language),
              ("N1", f"{t.post}. Sector: {t.sector}." + (f" Country: {t.country}." if t.country else ""))]
    lines += [("KW", motive) for motive in t.motives]
    if t.summary:
        lines.append(("AB", " ".join(t.summary.split())))
    lines += [("N1", info.sentence()), ("ER", "")]
    return "".join(f"{tag}  - {value}\n" for tag, value in lines) + "\n"
