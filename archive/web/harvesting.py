"""What harvesters and crawlers read: `/oai` (OAI-PMH 2.0, GET or POST), `/sitemap.xml`
and `/robots.txt`. Routes only, over `exchange.harvesting` and `exchange.oai`; always the
public view, whoever asks and on a private server too."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, request, url_for

from ..exchange import oai
from ..exchange.harvesting import Catalogue, SitemapFile, catalogue, sitemap_files
from ..history.git import head
from ..service import Archive, archive_of

bp = Blueprint("harvesting", __name__)
_lock = threading.Lock()


def public_archive() -> Archive:
    """The public archive of the app, whoever asks (on a private server too)."""
    return archive_of(current_app, "public")


def current_catalogue() -> Catalogue:
    """The catalogue, kept until the index or the repository's HEAD changes."""
    archive = public_archive()
    folder = archive.paths.testimonies
    key = (archive.index.snapshot(), head(folder))
    with _lock:
        kept = current_app.extensions.get("oai_catalogue")
        if kept is None or kept[0] != key:
            kept = (key, catalogue(folder, archive.index))
            current_app.extensions["oai_catalogue"] = kept
    return kept[1]


def _base() -> str:
    settings = current_app.config["SETTINGS"]
    return settings.base_url or request.url_root.rstrip("/")


def _page_url(testimony_id: str) -> str:
    return _base() + url_for("archive.testimony", testimony_id=testimony_id)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint():
    """OAI-PMH 2.0: Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords,
    GetRecord; `oai_dc`; errors as the protocol defines them."""
    settings = current_app.config["SETTINGS"]
    archive = public_archive()
    host = urlsplit(_base()).hostname or "localhost"
    repo = oai.Repository(
        name=settings.name, base_url=_base() + url_for("harvesting.endpoint"), host=host,
        admin_email=oai.admin_email(settings.archivist_email, host),
        record=archive.testimony, page_url=_page_url, publisher=settings.publisher)
    args = list(request.form.items(multi=True)) if request.method == "POST" \
        else list(request.args.items(multi=True))
    body = oai.respond(args, current_catalogue(), repo)
    return Response(body, mimetype="text/xml")


@bp.get("/sitemap.xml")
def sitemap():
    """Every public record page, with the day it last changed (records closed to the public
    and withdrawn ones are left out); past 50,000 pages, a sitemap index of files of at most
    50,000 each (`/sitemap-N.xml`)."""
    files = sitemap_files(current_catalogue())
    if len(files) == 1:
        return _urlset(files[0])
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for file in files:
        where = _base() + url_for("harvesting.sitemap_file", number=file.number)
        lastmod = f"<lastmod>{file.changed:%Y-%m-%d}</lastmod>" if file.changed else ""
        lines.append(f"<sitemap><loc>{escape(where)}</loc>{lastmod}</sitemap>")
    lines.append("</sitemapindex>")
    return Response("\n".join(lines) + "\n", mimetype="application/xml")


@bp.get("/sitemap-<int:number>.xml")
def sitemap_file(number: int):
    """One file of a sitemap index (404 when the sitemap is a single file, or past its end)."""
    files = sitemap_files(current_catalogue())
    if len(files) == 1 or not 1 <= number <= len(files):
        abort(404)
    return _urlset(files[number - 1])


def _urlset(file: SitemapFile) -> Response:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    if file.home:
        lines.append(f"<url><loc>{escape(_base())}/</loc></url>")
    page = escape(_page_url("x"))[:-1]  # ids are letters, digits and hyphens: no escaping
    for entry in file.entries:
        lines.append(f"<url><loc>{page}{entry.id}</loc>"
                     f"<lastmod>{entry.changed:%Y-%m-%d}</lastmod></url>")
    lines.append("</urlset>")
    return Response("\n".join(lines) + "\n", mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    """A laptop archive (or any private server) asks not to be indexed; one whose
    archive.toml says `published = true` lets crawlers read its record pages, not its
    endless searches, exports or the API."""
    settings = current_app.config["SETTINGS"]
    if not settings.published or current_app.config["PRIVATE"]:
        text = "# Not published: do not index.\nUser-agent: *\nDisallow: /\n"
    else:
        text = ("User-agent: *\nAllow: /$\nAllow: /t/\nDisallow: /search\nDisallow: /api/\n"
                "Disallow: /export/\nDisallow: /oai\n"
                f"Disallow: /compare\n\nSitemap: {_base()}/sitemap.xml\n")
    return Response(text, mimetype="text/plain")
