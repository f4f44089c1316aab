"""The record form: a testimony as form values, and form values back into a testimony.

Form field names are the record's field names. Values arrive as a mapping of lists (as
a browser sends them); they are turned into the same front-matter values a YAML file
would give, then checked by the same rules, so the form speaks `archive validate`'s words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..records.coding import with_coded_motives
from ..records.testimony import Testimony, build_testimony
from ..records.validation import Problem, validate_id
from ..records.vocabulary import Vocabulary
from ..records.writing import FIELD_ORDER

LIST_FIELDS = ("aliases", "tags")
FLAG_FIELDS = ("pseudonym", "name_public")
TEXT_FIELDS = ("title", "post", "sector", "rank", "country", "name", "gender", "language",
               "summary", "access", "account", "recorded_by", "recorded_on", "defected_on")
SOURCE_KEYS = ("title", "publisher", "url", "date")
BLANK_SOURCES = 1


@dataclass
class FormResult:
    """What a submitted form gives: the testimony, or the problems by field."""

    testimony: Testimony | None
    problems: list[Problem] = field(default_factory=list)

    def errors_for(self, name: str) -> list[str]:
        """The messages for one field, as `archive validate` words them."""
        return [p.message for p in self.problems if p.field == name]


def split_list(values: list[str], separators: str = ",;\n") -> list[str]:
    """Items of repeated and separated form values, blanks dropped, order kept."""
    items = []
    for value in values:
        items += [part.strip() for part in re.split(f"[{re.escape(separators)}]", value)]
    return [item for item in dict.fromkeys(items) if item]


def slug(title: str, year) -> str:
    """An id from a title and year: (`Trade official in Dandong`, 2019) -> `trade-official-in-dandong-2019`."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    base = "-".join(words)[:70].strip("-") or "testimony"
    return f"{base}-{year}" if str(year).isdigit() else base


def _year_value(text: str):
    text = text.strip()
    return int(text) if re.fullmatch(r"\d{1,4}", text) else (text or None)


def front_matter_from_form(form: dict[str, list[str]]) -> tuple[dict, str]:
    """Turn submitted values into front-matter values and the body."""
    def first(name: str) -> str:
        return (form.get(name) or [""])[0]

    meta: dict = {}
    for name in TEXT_FIELDS:
        value = first(name).replace("\r\n", "\n").strip()
        if value:
            meta[name] = value
    meta["year"] = _year_value(first("year"))
    if first("born").strip():
        meta["born"] = _year_value(first("born"))
    meta["motives"] = split_list(form.get("motives", []), ",;\n")
    for name in LIST_FIELDS:
        items = split_list(form.get(name, []), ",;\n")
        if items:
            meta[name] = items
    for name in FLAG_FIELDS:
        if first(name) in ("on", "true", "1", "yes"):
            meta[name] = True
    for name in ("withhold", "left_with"):  # checkboxes (or a list typed on the command line)
        items = split_list(form.get(name, []))
        if items:
            meta[name] = items
    sources = []
    for index in range(int(first("source_count") or 0) + BLANK_SOURCES + 20):
        source = {key: first(f"sources-{index}-{key}").strip() for key in SOURCE_KEYS}
        source = {k: v for k, v in source.items() if v}
        if source:
            sources.append(source)
    if sources:
        meta["sources"] = sources
    body = first("body").replace("\r\n", "\n").strip("\n")
    ordered = {name: meta[name] for name in FIELD_ORDER if name in meta}  # problems in file order
    return ordered, (body + "\n" if body else "")


def testimony_from_form(form: dict[str, list[str]], testimony_id: str, vocabulary: Vocabulary,
                        extra: tuple = ()) -> FormResult:
    """Check submitted values by the record format's rules; build the testimony."""
    shown = f"testimonies/{testimony_id or '?'}.md"
    problems = validate_id(shown, testimony_id)
    meta, body = front_matter_from_form(form)
    meta["motives"] = with_coded_motives(meta["motives"], body, vocabulary)
    meta.update(dict(extra))  # fields the form does not edit are kept as they were
    testimony, field_problems = build_testimony(meta, body, testimony_id, vocabulary, shown)
    problems += field_problems
    if any(not p.warning for p in problems):
        return FormResult(None, problems)
    return FormResult(testimony, problems)


def untouched(testimony: Testimony) -> tuple:
    """The fields the form does not edit, kept as they were: unknown ones and the
    recording (`media:`, whose transcript is edited as its own file)."""
    media = (("media", testimony.media.front_matter()),) if testimony.media else ()
    return testimony.extra + media


def form_from_testimony(testimony: Testimony) -> dict[str, list[str]]:
    """The form values that show a testimony (and give it back unchanged when submitted)."""
    form: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        value = getattr(testimony, name)
        form[name] = [str(value) if value is not None else ""]
    form["year"] = [str(testimony.year)]
    form["born"] = [str(testimony.born) if testimony.born else ""]
    form["motives"] = list(testimony.motives)
    for name in LIST_FIELDS:
        form[name] = [", ".join(getattr(testimony, name))]
    for name in FLAG_FIELDS:
        form[name] = ["on"] if getattr(testimony, name) else []
    form["withhold"] = list(testimony.withhold)
    form["left_with"] = list(testimony.left_with)
    for index, source in enumerate(testimony.sources):
        for key in SOURCE_KEYS:
            form[f"sources-{index}-{key}"] = [getattr(source, key) or ""]
    form["source_count"] = [str(len(testimony.sources))]
    form["body"] = [testimony.body]
    return form


def sources_in(form: dict[str, list[str]], extra_rows: int = BLANK_SOURCES) -> list[dict]:
    """The source rows a form shows: those filled in, and blank ones to add more."""
    rows = []
    for index in range(int((form.get("source_count") or ["0"])[0] or 0) + 20):
        row = {key: (form.get(f"sources-{index}-{key}") or [""])[0] for key in SOURCE_KEYS}
        if any(row.values()):
            rows.append(row)
    return rows + [dict.fromkeys(SOURCE_KEYS, "") for _ in range(extra_rows)]
