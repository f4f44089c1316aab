"""Every rule of the record format, version 1.2: one normaliser per field (`media:` has
its own module, `recording`).

Each rule takes the raw YAML value and returns the normalised value or raises
`_Invalid` with what was found and what is expected; `validate_fields` runs them all
and collects every problem with its line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Callable

from ..translation import gettext as _
from .vocabulary import Vocabulary


def N_(message: str) -> str:
    """Mark a message for the catalogs where it is defined; it is translated where shown."""
    return message

SECTORS = ("diplomatic", "trade", "military", "security", "party", "overseas-labour",
           "student", "civilian", "other")
GENDERS = ("female", "male", "unknown")
# Who may read a record: the lowest audience (`restricted` is the older word for
# `archivists`, and means the same).
ACCESS = ("public", "researchers", "archivists", "restricted")
ACCOUNTS = ("interview", "memoir", "inquiry", "press", "other")
LEFT_WITH = ("alone", "spouse", "children", "family")
REQUIRED = ("title", "year", "post", "sector", "motives")
# Fields an archivist may hide from the public. `rank` and `left_with` are among them: who
# left with the person says who stayed behind (family in the North is whom the archive
# protects), and a rank beside a year and a sector can narrow a record to one person.
WITHHOLDABLE = ("name", "aliases", "summary", "sources", "born", "gender", "defected_on",
                "tags", "recorded_by", "recorded_on", "rank", "left_with")
OLDEST = 110  # an age at departure beyond this is a mistyped year of birth
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
FIRST_YEAR = 1945


@dataclass(frozen=True)
class Problem:
    """One problem in one file: `path:line: field: message`."""

    path: str
    line: int | None
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        kind = "warning: " if self.warning else ""
        return f"{where}: {self.field}: {kind}{self.message}"


class _Invalid(ValueError):
    def __init__(self, message: str, key: tuple = (), more: list | None = None) -> None:
        super().__init__(message)
        self.key = key  # sub-path inside the field, for the line number
        self.more = more or []  # further problems of the same field (list items)

    @classmethod
    def collect(cls, problems: list["_Invalid"]) -> "_Invalid":
        """One exception carrying several problems of a field."""
        first = problems[0]
        return cls(str(first), first.key, problems[1:])


def validate_id(shown: str, testimony_id: str) -> list[Problem]:
    """Check a record id (its file's stem) against the format's rule."""
    if ID_PATTERN.match(testimony_id) and 3 <= len(testimony_id) <= 80:
        return []
    return [Problem(shown, None, "id",
                    _("the file name gives the id %(id)r; an id is 3 to 80 lower-case ASCII "
                      "letters, digits and single hyphens, such as 'ri-il-kyu-2023': rename "
                      "the file", id=testimony_id))]


def validate_fields(meta: dict, lines: dict, body: str, testimony_id: str,
                    vocabulary: Vocabulary, shown: str, default_access: str = "restricted"):
    """Validate and normalise every field; return `(values, problems)`. A record that does
    not say its access gets `default_access`."""
    problems: list[Problem] = []
    values: dict = {}

    def report(key: tuple, message: str, warning: bool = False) -> None:
        line = lines.get(key) or lines.get(key[:1])
        problems.append(Problem(shown, line, str(key[0]), message, warning))

    for name in REQUIRED:
        if name not in meta:
            problems.append(Problem(shown, None, name, _("is required; %(expected)s",
                                                         expected=_(EXPECTED[name]))))
    extra = []
    for key, value in meta.items():
        name = str(key)
        rule = RULES.get(name)
        if name == "id":
            report((key,), _("the id is the file's name and never appears in the front "
                             "matter; remove this line"))
        elif rule is None:
            hint = difflib.get_close_matches(name, list(RULES), n=1)
            extra.append((name, value))
            report((key,), "unknown field" + (f"; did you mean '{hint[0]}'?" if hint
                                               else "; it is kept but not used"), warning=True)
        elif value is None and name not in REQUIRED:
            continue
        else:
            try:
                bad = _bad_text(value)
                if bad:
                    raise _Invalid(bad)
                values[name] = rule(value, vocabulary) if name in VOCABULARY_RULES \
                    else rule(value)
            except _Invalid as exc:
                for problem in (exc, *exc.more):
                    report((key, *problem.key), str(problem))
    values["extra"] = tuple(extra)
    values.setdefault("access", default_access)
    if not problems:
        problems += _cross_checks(values, lines, testimony_id, shown)
    return values, problems


def _cross_checks(values: dict, lines: dict, testimony_id: str, shown: str) -> list[Problem]:
    problems = []
    defected_on = values.get("defected_on")
    if defected_on and int(defected_on[:4]) != values["year"]:
        problems.append(Problem(
            shown, lines.get(("defected_on",)), "defected_on",
            _("%(date)s disagrees with year %(year)s; the year a person left must be the year "
              "of defected_on", date=defected_on, year=values["year"])))
    born = values.get("born")
    if born is not None and not 0 <= values["year"] - born <= OLDEST:
        problems.append(Problem(
            shown, lines.get(("born",)), "born",
            _("%(born)s would make the person %(age)s when they left in %(year)s; born is the "
              "year of birth, at most %(oldest)s years before year", born=born,
              age=values["year"] - born, year=values["year"], oldest=OLDEST)))
    withheld = set(values.get("withhold", ()))
    for index, name_seen in enumerate(values.get("researchers_see", ())):
        if name_seen not in withheld:
            problems.append(Problem(
                shown, lines.get(("researchers_see", index)) or lines.get(("researchers_see",)),
                "researchers_see",
                _("%(field)r is not withheld, so researchers see it already; withhold it "
                  "(withhold: [%(field)s]) or remove it here", field=name_seen), warning=True))
    name = values.get("name")
    restricted = values["access"] != "public"
    if (name and not restricted and not values.get("pseudonym") and "name" not in withheld
            and not values.get("name_public")):
        problems.append(Problem(
            shown, lines.get(("name",)), "name",
            _("names %(name)r publicly without 'pseudonym: true'; confirm the name may be "
              "public with 'name_public: true', or restrict the record or withhold the name",
              name=name),
            warning=True))
    if name and (restricted or "name" in withheld):
        for field_name, text in (("id", testimony_id), ("title", values.get("title", ""))):
            if _mentions(text, name):
                problems.append(Problem(
                    shown, lines.get((field_name,)), field_name,
                    _("contains the withheld name %(name)r; ids and titles are public, so "
                      "choose ones that do not name the person", name=name), warning=True))
    return problems


def _mentions(text: str, name: str) -> bool:
    flat = re.sub(r"[\W_]+", "", text.casefold())
    parts = [re.sub(r"[\W_]+", "", p) for p in name.casefold().split()]
    return bool(parts) and all(p and p in flat for p in parts)


def _bad_text(value) -> str | None:
    """Find text no output can carry: lone surrogates and control characters."""
    texts = [value] if isinstance(value, str) else []
    if isinstance(value, (list, tuple)):
        texts = [v for v in value if isinstance(v, str)]
    for text in texts:
        for char in text:
            if "\ud800" <= char <= "\udfff":
                return "contains a lone surrogate (an invalid character); retype the text"
            if char < " " and char not in "\t\n":
                return f"contains the control character U+{ord(char):04X}; remove it"
    return None


def _string(limit: int = 10_000) -> Callable:
    def rule(value):
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(_("expected text, got %(value)s", value=_shown(value)))
        if len(value) > limit:
            raise _Invalid(_("expected at most %(limit)s characters, got %(length)s",
                             limit=f"{limit:,}", length=f"{len(value):,}"))
        return value.strip()
    return rule


def _title(value):
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(_("expected a title of 1 to 300 characters, got %(value)s",
                         value=_shown(value)))
    if len(value.strip()) > 300:
        raise _Invalid(_("expected a title of 1 to 300 characters, got %(value)s",
                         value=len(value.strip())))
    return value.strip()


def _year(value, first: int = FIRST_YEAR):
    last = dt.date.today().year
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(_("expected a year such as 2019, got %(value)s", value=_shown(value)))
    if not first <= value <= last:
        raise _Invalid(_("expected a year from %(first)s to %(last)s, got %(value)s",
                         first=first, last=last, value=value))
    return value


def _choice(options: tuple) -> Callable:
    def rule(value):
        if isinstance(value, str) and value.strip().lower() in options:
            return value.strip().lower()
        hint = difflib.get_close_matches(str(value).lower(), options, n=1)
        message = _("expected one of %(options)s, got %(value)s", options=", ".join(options),
                    value=_shown(value))
        raise _Invalid(message + (_("; did you mean '%(hint)s'?", hint=hint[0]) if hint else ""))
    return rule


def _string_list(value):
    if not isinstance(value, list):
        raise _Invalid(_("expected a list such as [a, b], got %(value)s", value=_shown(value)))
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise _Invalid(_("expected text in the list, got %(value)s", value=_shown(item)),
                           (index,))
    return tuple(item.strip() for item in value)


def _motives(value, vocabulary: Vocabulary):
    terms, problems = [], []
    for index, label in enumerate(_string_list(value)):
        term = vocabulary.normalise(label)
        if term is None:
            hint = vocabulary.closest(label)
            suggestion = _("; did you mean '%(hint)s'?", hint=hint) if hint else ""
            problems.append(_Invalid(_("unknown motive %(label)r, not a term or alias of "
                                       "testimonies/vocabulary.yaml", label=label) + suggestion,
                                     (index,)))
        elif term not in terms:
            terms.append(term)
    if problems:
        raise _Invalid.collect(problems)
    return tuple(terms)


def _rank(value, vocabulary: Vocabulary):
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(_("expected a rank from the vocabulary, such as elite, got %(value)s",
                         value=_shown(value)))
    if not vocabulary.ranks:
        raise _Invalid(_("testimonies/vocabulary.yaml defines no ranks; add a ranks: section "
                         "(elite, mid-level, ordinary) before giving a record a rank"))
    term = vocabulary.rank(value)
    if term is None:
        hint = vocabulary.closest_rank(value)
        raise _Invalid(_("unknown rank %(label)r, not a rank or alias of "
                         "testimonies/vocabulary.yaml; expected one of %(options)s",
                         label=value.strip(), options=", ".join(r.term for r in vocabulary.ranks))
                       + (_("; did you mean '%(hint)s'?", hint=hint) if hint else ""))
    return term


def _left_with(value):
    items = _string_list([value] if isinstance(value, str) else value)
    chosen = []
    for index, item in enumerate(items):
        try:
            chosen.append(_choice(LEFT_WITH)(item))
        except _Invalid as exc:
            raise _Invalid(str(exc), (index,)) from None
    chosen = list(dict.fromkeys(chosen))
    if "alone" in chosen and len(chosen) > 1:
        raise _Invalid(_("'alone' cannot be listed with %(others)s; keep 'alone' or list who "
                         "left with the person",
                         others=", ".join(c for c in chosen if c != "alone")))
    return tuple(chosen)


def _boolean(value):
    if not isinstance(value, bool):
        raise _Invalid(_("expected true or false, got %(value)s", value=_shown(value)))
    return value


def _partial_date(value):
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    match = PARTIAL_DATE.match(text) if isinstance(text, str) else None
    if not match:
        raise _Invalid(_("expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got %(value)s",
                         value=_shown(value)))
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        raise _Invalid(f"{text} is not a date in the calendar; expected YYYY, YYYY-MM or "
                       "YYYY-MM-DD") from None
    return text


def _full_date(value):
    text = _partial_date(value)
    if len(text) != 10:
        raise _Invalid(_("expected a full date as YYYY-MM-DD, got %(value)s", value=_shown(value)))
    return text


def _language(value):
    if not isinstance(value, str) or not LANGUAGE_TAG.match(value.strip()):
        raise _Invalid(_("expected a BCP 47 language code such as en or ko, got %(value)s",
                         value=_shown(value)))
    return value.strip().lower()


def _withhold(value):
    names = _string_list(value)
    for index, name in enumerate(names):
        if name not in WITHHOLDABLE:
            raise _Invalid(f"cannot withhold {name!r}; expected some of "
                           f"{', '.join(WITHHOLDABLE)}", (index,))
    return names


def _researchers_see(value):
    names = _string_list(value)
    for index, name in enumerate(names):
        if name not in WITHHOLDABLE:
            raise _Invalid(_("researchers cannot be shown %(name)r: only withheld fields are "
                             "named here, some of %(fields)s", name=name,
                             fields=", ".join(WITHHOLDABLE)), (index,))
    return names


def _media(value, vocabulary: Vocabulary):
    from .recording import media_field  # the recording's rules build on this module's
    return media_field(value, vocabulary)


SOURCE_FIELDS = {"title": _string(1000), "publisher": _string(1000), "date": _partial_date}


def _sources(value):
    if not isinstance(value, list):
        raise _Invalid(f"expected a list of sources, each with a title, got {_shown(value)}")
    sources, problems = [], []
    for index, item in enumerate(value):
        try:
            sources.append(_source(item, index))
        except _Invalid as exc:
            problems.append(exc)
    if problems:
        raise _Invalid.collect(problems)
    return tuple(sources)


def _source(item, index: int) -> dict:
    if not isinstance(item, dict):
        raise _Invalid(f"expected a source with 'title:', got {_shown(item)}", (index,))
    if "title" not in item:
        raise _Invalid(_("this source has no title; add 'title: ...'"), (index,))
    source = {}
    for key, field_value in item.items():
        if key == "url":
            source["url"] = _url(field_value, index)
            continue
        if key not in SOURCE_FIELDS:
            raise _Invalid(f"unknown source field {key!r}; expected title, publisher, url, "
                           "date", (index, key))
        try:
            source[key] = SOURCE_FIELDS[key](field_value)
        except _Invalid as exc:
            raise _Invalid(f"{key}: {exc}", (index, key)) from None
    return source


def _url(value, index: int):
    if not isinstance(value, str) or not re.match(r"^https?://[^\s<>\"]+$", value.strip()):
        raise _Invalid(_("url: expected an http:// or https:// address, got %(value)s",
                         value=_shown(value)), (index, "url"))
    return value.strip()


def _shown(value) -> str:
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, (list, dict)):
        return f"a {'list' if isinstance(value, list) else 'mapping'}"
    return repr(value)


RULES: dict[str, Callable] = {
    "title": _title,
    "year": _year,
    "post": _string(500),
    "sector": _choice(SECTORS),
    "country": _string(100),
    "motives": _motives,
    "name": _string(200),
    "aliases": _string_list,
    "pseudonym": _boolean,
    "name_public": _boolean,
    "gender": _choice(GENDERS),
    "born": lambda value: _year(value, 1880),
    "rank": _rank,
    "left_with": _left_with,
    "defected_on": _partial_date,
    "language": _language,
    "summary": _string(5000),
    "tags": _string_list,
    "sources": _sources,
    "access": _choice(ACCESS),
    "embargo_until": _full_date,
    "account": _choice(ACCOUNTS),
    "withhold": _withhold,
    "researchers_see": _researchers_see,
    "recorded_by": _string(200),
    "recorded_on": _full_date,
    "media": _media,
}

VOCABULARY_RULES = ("motives", "rank", "media")  # the rules that read the vocabulary

EXPECTED = {  # each marked for the catalogs where it is shown (`validate_fields`)
    "title": N_("expected a title of 1 to 300 characters"),
    "year": N_("expected the year the person left, such as 2016"),
    "post": N_("expected the position held, such as 'Counsellor, DPRK Embassy in Cuba'"),
    "sector": N_("expected one of diplomatic, trade, military, security, party, "
                 "overseas-labour, student, civilian, other"),
    "motives": N_("expected a list of motives from the vocabulary, or [] when not stated"),
}
