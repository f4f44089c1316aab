"""An archive of one's own: finding it (the folder holding `archive.toml`, as git finds
`.git`) and reading its settings: its name and publisher, its address, the default language
of its interface, the access of new records, and the port it is served on."""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import ArchiveError

SETTINGS_FILE = "archive.toml"
DEFAULT_NAME = "Testimony Archive"
ACCESS = ("public", "researchers", "archivists", "restricted")
SERVE_MODES = ("public", "accounts")
LANGUAGES = ("en", "ko")


class InvalidSettings(ArchiveError):
    """archive.toml cannot be used."""


@dataclass(frozen=True)
class Settings:
    """What an archive says of itself; an archive without archive.toml has the defaults
    (new records restricted: privacy unless the archive says otherwise)."""

    name: str = DEFAULT_NAME
    publisher: str | None = None
    base_url: str | None = None
    language: str = "en"
    default_access: str = "restricted"
    port: int = 5000
    archivist: str | None = None  # who commits the archive's writes, unless the form says
    archivist_email: str | None = None
    published: bool = False  # online for anyone: robots.txt allows indexing, pages say so
    serve: str = "public"  # "accounts": the public view to all, more to those logged in
    trusted_proxy: bool = False  # honour X-Forwarded-Proto and -For (behind a proxy of ours)
    root: Path | None = field(default=None, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def permalink(self, path: str, fallback: str) -> str:
        """A page's permanent address: under `base_url` when the archive has one, else
        `fallback` (the address it is served at)."""
        return f"{self.base_url.rstrip('/')}{path}" if self.base_url else fallback


@dataclass(frozen=True)
class Paths:
    """Where an archive's records and index live, and what the archive says of itself."""

    testimonies: Path
    index: Path
    settings: Settings = field(default_factory=Settings, compare=False)


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds archive.toml, or None."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def load_settings(root: Path | None) -> Settings:
    """The settings of the archive in `root` (the defaults without one); raises
    InvalidSettings with one sentence naming the key and what is expected."""
    if root is None:
        return Settings()
    path = root / SETTINGS_FILE
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidSettings(f"{path}: cannot be read as TOML ({exc}); check the quotes "
                              "and the = of each line.") from None
    values, warnings = {}, []
    for key, value in data.items():
        rule = RULES.get(key)
        where = f"{path}:{_line(text, key)}"
        if rule is None:
            hint = difflib.get_close_matches(key, list(RULES), n=1)
            warnings.append(f"{where}: warning: unknown setting {key!r}"
                            + (f"; did you mean {hint[0]!r}?" if hint else "; it is ignored"))
            continue
        try:
            values[key] = rule(value)
        except ValueError as exc:
            raise InvalidSettings(f"{where}: {key}: {exc}.") from None
    return replace(Settings(**values), root=root, warnings=tuple(warnings))


def _line(text: str, key: str) -> int | str:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else "?"


def _text(limit: int):
    def rule(value):
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise ValueError(f"expected text of 1 to {limit} characters, got {value!r}")
        return value.strip()
    return rule


def _base_url(value):
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value.strip()):
        raise ValueError(f"expected an address such as https://archive.example.org, got {value!r}")
    return value.strip().rstrip("/")


def _choice(options: tuple):
    def rule(value):
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {value!r}")
        return value
    return rule


def _flag(value):
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _port(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"expected a port number from 1 to 65535, got {value!r}")
    return value


RULES = {"name": _text(200), "publisher": _text(200), "base_url": _base_url,
         "language": _choice(LANGUAGES), "default_access": _choice(ACCESS), "port": _port,
         "archivist": _text(200), "archivist_email": _text(200),
         "published": _flag, "serve": _choice(SERVE_MODES), "trusted_proxy": _flag}


def settings_text(name: str) -> str:
    """The archive.toml of a new archive, every setting explained."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'''# The settings of this archive (read by every `archive` command run in this folder).

# Its name and publisher, shown on every page and in every citation and export.
name = "{quoted}"
# publisher = "The organisation that keeps it"

# Where it is published, for permalinks, citations and exports (leave it out on a laptop).
# base_url = "https://archive.example.org"
# Whether search engines may index it (robots.txt, the sitemap); a laptop archive says no.
# published = true

# The language of the interface when a reader has not chosen one: "en" or "ko".
language = "en"

# The access of a record that does not say, and of a new record unless the archivist
# chooses: "restricted" (the same as "archivists": nothing of it is shown but its title,
# year, post, sector, country and motives), "researchers" (invited researchers read it) or
# "public".
default_access = "restricted"

# The port `archive serve` listens on (on 127.0.0.1).
port = 5000

# "accounts" serves the public view to everyone and more to invited researchers and
# archivists who log in (`archive users add`); "public" serves only the public view.
# serve = "accounts"
# Behind a reverse proxy of yours that terminates HTTPS: honour its X-Forwarded-Proto and
# X-Forwarded-For headers (never set this without such a proxy in front).
# trusted_proxy = true

# Who the archive's commits name when the form does not (else git's own configuration).
# archivist = "Kim Archivist"
# archivist_email = "kim@example.org"
'''
