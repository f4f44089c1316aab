"""The interface in English and Korean (Flask-Babel with the project's gettext catalogs):
the reader's language, remembered from the switch on every page, else the browser's
Accept-Language, else the archive's default; and numbers and dates in that language.

The catalogs are `archive/translations/<lang>/LC_MESSAGES/messages.po`; their compiled
`.mo` files are made when the package is built (`setup.py`), and made here from the `.po`
when a checkout has none or an older one.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request
from flask_babel import Babel, format_decimal, get_locale, gettext, lazy_gettext, ngettext
from markupsafe import Markup, escape

LANGUAGES = ("en", "ko")
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

__all__ = ["LANGUAGES", "gettext", "lazy_gettext", "ngettext", "init_app", "language",
           "number", "query_examples"]

# The query help's examples, in the words of each language; every one finds records of the
# sample archive (tests/web/test_i18n.py runs them).
QUERY_EXAMPLES = {
    "en": {"both": ["famine hospital"], "either": ["purge OR recall"],
           "without": ["dramas NOT soldier"], "minus": ["dramas -soldier"],
           "phrase": ['"children\'s freedom"'],
           "fields": ["motive:hallyu", "sector:trade", "country:china", 'name:"Thae Yong-ho"',
                      "tag:famine", "rank:elite", "left_with:children", "age:40-49",
                      "generation:1970s"],
           "years": ["year:2016", "year:199*", "year:[1990 TO 1999]", "year:>=2010",
                     "born:197*"],
           "wildcard": ["diplom*"]},
    "ko": {"both": ["두만강 자유"], "either": ["숙청 OR 소환"],
           "without": ["드라마 NOT 군인"], "minus": ["드라마 -군인"], "phrase": ['"자녀의 자유"'],
           "fields": ["motive:한류", "sector:trade", "country:중국", 'name:"태영호"',
                      "rank:고위층", "left_with:자녀", "age:40-49", "generation:1970s"],
           "years": ["year:2016", "year:199*", "year:[1990 TO 1999]", "year:>=2010",
                     "born:197*"],
           "wildcard": ["대사*"]},
}


def select_language() -> str:
    """The reader's language: the switch's remembered choice, else the browser's, else the
    archive's default."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    default = current_app.config["SETTINGS"].language
    return request.accept_languages.best_match(LANGUAGES, default=default) or default


def language() -> str:
    """The language of the page being made ("en" outside a request)."""
    try:
        return str(get_locale() or "en")
    except (RuntimeError, AttributeError):
        return "en"


def number(value) -> str:
    """A number as the reader's language writes it (1,234)."""
    return format_decimal(value)


def query_examples() -> dict[str, Markup]:
    """The query help's examples in the page's language, each set as `<code>` HTML."""
    chosen = QUERY_EXAMPLES.get(language(), QUERY_EXAMPLES["en"])
    return {name: Markup(", ").join(Markup("<code>%s</code>") % escape(example)
                                    for example in examples)
            for name, examples in chosen.items()}


def compiled_catalogs(source: Path = TRANSLATIONS) -> Path:
    """A folder of compiled catalogs: the package's own when each `.mo` is newer than its
    `.po` (a built package), else one compiled from the `.po` files (a checkout), kept in
    the temporary folder under their digest so that it is compiled once."""
    catalogs = sorted(source.glob("*/LC_MESSAGES/messages.po"))
    if all(_fresh(po) for po in catalogs):
        return source
    digest = hashlib.sha256(b"".join(po.read_bytes() for po in catalogs)).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"archive-catalogs-{digest}"
    if not target.is_dir():
        building = Path(tempfile.mkdtemp(prefix="archive-catalogs-"))
        for po in catalogs:
            folder = building / po.parent.relative_to(source)
            folder.mkdir(parents=True)
            with po.open("rb") as text:
                catalog = read_po(text)
            with (folder / "messages.mo").open("wb") as compiled:
                write_mo(compiled, catalog)
        try:
            building.rename(target)  # whole, or not at all (another process may win)
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
    return target


def _fresh(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime


def init_app(app) -> None:
    """Give an app its languages: the catalogs, the selector, and the templates' helpers."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(compiled_catalogs()))
    Babel(app, locale_selector=select_language)
    app.jinja_env.globals.update(language=language, language_names=LANGUAGE_NAMES,
                                 languages=LANGUAGES, query_examples=query_examples)
    app.jinja_env.filters["number"] = number
