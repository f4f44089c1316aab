"""A searchable archive of testimonies: records -> index -> search -> web and CLI."""

from __future__ import annotations


def create_app(config: dict | None = None):
    """Create the web app; `config` overrides the defaults (tests pass their own paths)."""
    from .web.app import make_app

    return make_app(config)
