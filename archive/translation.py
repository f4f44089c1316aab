"""The library's messages in the reader's language: `gettext` marks a message for the
catalogs and, inside a web request, gives it in the page's language (Flask-Babel);
everywhere else (the command line, the library used on its own) the English sentence."""

from __future__ import annotations


def gettext(message: str, **values) -> str:
    """A message in the language of the current web request, else in English, with its
    `%(name)s` values filled in."""
    from flask import has_request_context

    if has_request_context():
        from flask_babel import gettext as translated

        return translated(message, **values)
    return message % values if values else message
