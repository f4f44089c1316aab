"""The Testimony type, and reading a record file into one.

A record file is YAML front matter between two `---` lines, then a Markdown body (the
record format, version 1.2; a recording's transcript is read beside it, `recording`).
Reading never trusts the file: the size, the
encoding and the YAML are checked before any field is looked at, and every problem is
collected so that an archivist sees them all at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InvalidTestimony
from ..translation import gettext as _
from .coding import coding_problems
from .recording import Recording, load_transcript
from .validation import Problem, validate_fields, validate_id
from .vocabulary import Vocabulary
from .yamlkeys import MAX_YAML_DEPTH, Refused, key_lines

MAX_RECORD_BYTES = 1_000_000
FENCE = "---"


@dataclass(frozen=True)
class Source:
    """A published or archival source of a testimony."""

    title: str
    publisher: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Testimony:
    """One testimony record, as read from its file and normalised."""

    id: str
    title: str
    year: int
    post: str
    sector: str
    motives: tuple[str, ...]
    body: str = ""
    country: str | None = None
    name: str | None = None
    aliases: tuple[str, ...] = ()
    pseudonym: bool = False
    name_public: bool = False
    gender: str | None = None
    born: int | None = None
    defected_on: str | None = None
    language: str = "en"
    summary: str | None = None
    tags: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    access: str = "restricted"  # as written, else the archive's default_access
    embargo_until: str | None = None
    account: str | None = None
    rank: str | None = None
    left_with: tuple[str, ...] = ()
    withhold: tuple[str, ...] = ()
    researchers_see: tuple[str, ...] = ()
    recorded_by: str | None = None
    recorded_on: str | None = None
    media: Recording | None = None
    extra: tuple[tuple[str, object], ...] = ()
    path: str = field(default="", compare=False)
    sha256: str = field(default="", compare=False)
    # Set on a view made for an audience the record is closed to: only the fields every
    # reader may see of a closed record are left (`redaction.view_for`).
    closed: bool = field(default=False, compare=False)

    @property
    def audience(self) -> str:
        """The lowest audience its `access` lets read it, embargo aside (`restricted` is
        `archivists`)."""
        return "archivists" if self.access == "restricted" else self.access


def read_testimony(path: str | Path, vocabulary: Vocabulary, display_path: str | None = None,
                   default_access: str = "restricted"):
    """Read one record file into a Testimony, raising InvalidTestimony with every problem.

    Returns `(testimony, warnings)`; warnings are problems that do not stop the record. A
    record that does not say its `access` gets `default_access` (the archive's; restricted
    unless given, so that forgetting it never publishes a record).
    """
    path = Path(path)
    shown = display_path or str(path)
    raw = path.read_bytes()
    testimony, problems = parse_testimony(raw, path.stem, vocabulary, shown, default_access,
                                          path.parent)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise InvalidTestimony(shown, problems)
    return testimony, problems


def parse_testimony(raw: bytes, testimony_id: str, vocabulary: Vocabulary, shown: str,
                    default_access: str = "restricted", folder: Path | None = None):
    """Parse the bytes of a record; return `(testimony or None, problems)`. `folder` is
    where the record lies, to read its recording's transcript (without it, the `media:`
    field is checked but the transcript is not read)."""
    problems = validate_id(shown, testimony_id)
    text, problem = _decode(raw, shown)
    if problem:
        return None, problems + [problem]
    split = _split(text, shown)
    if isinstance(split, Problem):
        return None, problems + [split]
    front, body, body_line = split
    meta, lines, yaml_problems = load_front_matter(front, shown)
    problems += yaml_problems
    if meta is None:
        return None, problems
    testimony, field_problems = build_testimony(meta, body, testimony_id, vocabulary, shown,
                                                lines, hashlib.sha256(raw).hexdigest(), body_line,
                                                default_access, folder)
    problems += field_problems
    if any(not p.warning for p in problems):
        return None, problems
    return testimony, problems


def build_testimony(meta: dict, body: str, testimony_id: str, vocabulary: Vocabulary,
                    shown: str, lines: dict | None = None, sha256: str = "",
                    body_line: int = 1, default_access: str = "restricted",
                    folder: Path | None = None):
    """Validate front-matter values and the body's coded passages, and build a Testimony;
    return `(testimony or None, problems)`. `body_line` is the file's line of the body's
    first line; a record that does not say its access gets `default_access`; `folder` is
    the record's folder, where its recording's transcript is read."""
    values, problems = validate_fields(meta, lines or {}, body, testimony_id, vocabulary, shown,
                                       default_access)
    if "motives" in values:
        problems += coding_problems(body, values["motives"], vocabulary, shown, body_line)
    if values.get("media") is not None and "motives" in values and folder is not None:
        values["media"], found = load_transcript(values["media"], Path(folder), shown,
                                                 values["motives"], vocabulary, lines or {})
        problems += found
    if any(not p.warning for p in problems):
        return None, problems
    sources = tuple(Source(**s) for s in values.pop("sources", ()))
    return Testimony(id=testimony_id, body=body, sources=sources, path=shown, sha256=sha256,
                     **values), problems


def _decode(raw: bytes, shown: str) -> tuple[str, Problem | None]:
    if len(raw) > MAX_RECORD_BYTES:
        return "", Problem(
            shown, None, "file",
            _("the file is %(size)s bytes; a record may be at most %(limit)s bytes (split a "
              "very long testimony into parts)", size=f"{len(raw):,}",
              limit=f"{MAX_RECORD_BYTES:,}"),
        )
    if not raw.strip():
        return "", Problem(
            shown, None, "file",
            _("the file is empty; a record starts with a '---' line, its front matter and a "
              "closing '---' line"),
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return "", Problem(
            shown, line, "encoding",
            _("byte 0x%(byte)s at offset %(offset)s is not UTF-8; save the file as UTF-8",
              byte=f"{raw[exc.start]:02x}", offset=exc.start),
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def _split(text: str, shown: str):
    lines = text.split("\n")
    if lines[0].strip() != FENCE:
        return Problem(
            shown, 1, "front matter",
            _("expected the file to start with a '---' line, got %(start)s",
              start=repr(lines[0][:40])),
        )
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == FENCE:
            front = "\n".join(lines[1 : number - 1])
            rest = "\n".join(lines[number:])
            body = rest.strip("\n")
            body_line = number + 1 + len(rest) - len(rest.lstrip("\n"))
            return front, body + "\n" if body else "", body_line
    return Problem(
        shown, 1, "front matter",
        _("the front matter opened with '---' on line 1 is never closed; add a '---' line "
          "after the last field"),
    )


class _RecordLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader (libyaml's when installed), with dates left as text.

    Dates stay strings so that this module checks them itself and reports the line
    (PyYAML raises a bare ValueError for `2003-02-30`). Aliases and deep nesting are
    refused around it (`_nesting_problem`, `yamlkeys.key_lines`), since a record never
    needs them and they allow "billion laughs" expansions.
    """

    yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_DEEP_INDENT = " " * (4 * MAX_YAML_DEPTH + 1)


def _nesting_problem(front: str, first_line: int) -> Refused | None:
    """Refuse front matter nested too deep before any parser recurses into it."""
    if "[" not in front and "{" not in front and _DEEP_INDENT not in front:
        return None  # most front matter: nothing nests but by indent, and none so deep
    for number, line in enumerate(front.split("\n"), start=first_line):
        indent = len(line) - len(line.lstrip(" "))
        depth = deepest = 0
        quote = None
        for char in line:
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "]}":
                depth -= 1
        if deepest > MAX_YAML_DEPTH or indent > 4 * MAX_YAML_DEPTH:
            return Refused(number, f"the front matter is nested more than {MAX_YAML_DEPTH} "
                                    "levels deep")
    return None


def load_front_matter(front: str, shown: str, first_line: int = 2):
    """Load front matter text; return `(mapping or None, lines by key path, problems)`."""
    def refused(line, message):
        return None, {}, [Problem(shown, line, "front matter", _cannot_read(message))]

    too_deep = _nesting_problem(front, first_line)
    if too_deep:
        return refused(too_deep.line, str(too_deep))
    loader = _RecordLoader(front)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [Problem(shown, first_line, "front matter",
                                      _("the front matter is empty; expected the fields "
                                        "title, year, post, sector and motives"))]
        lines, duplicates = key_lines(node, first_line - 1)
        data = loader.construct_document(node)
    except Refused as exc:
        return refused(exc.line, str(exc))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else None
        return None, {}, [Problem(shown, line, "front matter", _yaml_message(exc))]
    except yaml.reader.ReaderError as exc:
        line = front[: exc.position].count("\n") + first_line
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        return None, {}, [Problem(shown, line, "front matter",
                                  _("the character %(character)s is not allowed in YAML; "
                                    "remove it", character=character))]
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, OverflowError) as exc:
        message = " ".join(str(exc).split())  # one line, whatever the loader said
        return None, {}, [Problem(shown, None, "front matter",
                                  _("the YAML cannot be read: %(problem)s", problem=message))]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, {}, [Problem(
            shown, first_line, "front matter",
            _("expected a mapping of 'field: value' lines, got a %(kind)s",
              kind=_yaml_type(data)),
        )]
    problems = [
        Problem(shown, line, str(path[-1]),
                _("appears twice in the front matter; keep one of them") if len(path) == 1
                else _("appears twice in %(field)s; keep one of them", field=path[0]))
        for path, line in duplicates
    ]
    return data, lines, problems


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    problem = " ".join((exc.problem or exc.context or "the YAML cannot be read").split())
    if "constructor for the tag" in problem:
        tag = re.search(r"'([^']+)'", problem)
        name = (tag.group(1) if tag else "").replace("tag:yaml.org,2002:", "!!")
        return _("the tag %(tag)s is not allowed; a record holds only plain text, numbers, "
                 "true/false, lists and mappings", tag=name)
    return _cannot_read(problem)


def _cannot_read(problem: str) -> str:
    return _("the YAML cannot be read: %(problem)s; check the indentation, the colons and "
             "the quotes on this line", problem=problem)


def _yaml_type(value) -> str:
    kinds = {list: _("list"), str: _("single text value"), int: _("number")}
    return kinds.get(type(value), type(value).__name__)
