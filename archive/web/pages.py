"""The reading pages: the home page, search (and its CSV, exports and JSON), a testimony's
page, its Markdown, citations and JSON, and the language switch. Each route is a few lines
that call the library; the facets, charts and tables are computed in `facets` and
`heatmap` and only printed by the templates.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

from flask import (Blueprint, Response, abort, current_app, g, jsonify, redirect,
                   render_template, request, url_for)
from flask_babel import format_date
from markupsafe import Markup

from ..exchange import citation, metadata
from ..errors import ArchiveError, QueryError
from ..exchange.exporting import FORMATS
from ..records.coding import passages, term_labels
from ..records import person
from ..records.recording import cue_plain_texts
from ..records.webvtt import format_clock
from ..records.collection import withdrawn
from ..records.countries import country_name
from ..records.rendering import render_markdown
from ..search import comparing
from ..search.shares import share_by_period
from ..search.requests import PARAMS, request_from_params
from ..search.results import seconds
from ..search.searching import SearchRequest
from ..service import Archive, export_text, results_json, testimony_json
from . import charts, facets, heatmap, i18n, playing
from .readers import reader_archive, reader_testimony
from .i18n import gettext as _
from .i18n import language


PER_PAGE = 20
CSV_COLUMNS = ("id", "title", "year", "post", "sector", "rank", "country", "born", "left_with",
               "motives", "url")
bp = Blueprint("archive", __name__)


def get_archive() -> Archive:
    """The archive in the view of this request's reader, opened once and kept (its
    searcher refreshes itself)."""
    return reader_archive()


def _params() -> list[tuple[str, str]]:
    """The search parameters of this request, in order, empty values dropped."""
    return [(k, v) for k, v in request.args.items(multi=True) if k in PARAMS and v.strip()]


def _search_request(params: list) -> SearchRequest:
    return request_from_params(params, PER_PAGE)


@bp.get("/")
def home():
    """The home page: what the archive holds, a search box, recent testimonies, the share of
    the elite by period, and motives by period."""
    archive = get_archive()
    results = archive.index.search(SearchRequest(per_page=6))
    g.listed = [hit.id for hit in results.hits]  # for the audit trail (reads.py)
    motives = facets.facet_groups(results, [], archive.vocabulary, language())[0]
    by_period = comparing.compare(archive.index, SearchRequest(), "period")
    reference, problem = reference_of(archive)
    top = archive.vocabulary.ranks[0].term if archive.vocabulary.ranks else None
    return render_template(
        "home.html", results=results, motives=motives, reference_problem=problem,
        chart=charts.year_chart(results, [], reference, language()),
        shares=charts.share_chart(share_by_period(archive.index),
                                  archive.vocabulary.rank_label(top, language()) if top else ""),
        map=heatmap.heatmap(by_period, [], archive.vocabulary, language())
        if by_period.columns else None)


def reference_of(archive: Archive):
    """The archive's reference series and, when its file cannot be used, the sentence that
    says so (the page is made without it)."""
    try:
        return archive.reference(), None
    except ArchiveError as problem:
        current_app.logger.warning("%s", problem)
        return None, _("The reference series (reference.csv) cannot be used; `archive "
                       "validate` says why.")


@bp.get("/search")
def search():
    """The search page: query, facet sidebar, year chart, results and pagination."""
    archive, params = get_archive(), _params()
    labels = dict(params).get("labels", language())
    try:
        results = archive.index.search(_search_request(params))
    except QueryError as exc:
        return render_template("search.html", error=str(exc), params=params, q=dict(params)
                               .get("q", ""), results=None), 400
    g.listed = [hit.id for hit in results.hits]
    return render_template(
        "search.html", results=results, params=params, q=results.request.query, error=None,
        groups=facets.facet_groups(results, params, archive.vocabulary, labels),
        chart=charts.year_chart(results, params, reference_of(archive)[0], language()),
        pages=facets.page_links(results, params),
        chosen=_chosen(results, params, archive), labels=labels,
        sort_urls={s: facets.search_url(facets.replaced(params, "sort", s))
                   for s in ("relevance", "year")},
        sort_names={"relevance": _("relevance"), "year": _("year")},
        labels_url=facets.search_url(facets.replaced(params, "labels",
                                                     None if labels == "ko" else "ko")),
        csv_url=facets.search_url(params, "/search.csv"),
        export_urls={fmt: facets.search_url(params, f"/export/{fmt}") for fmt in FORMATS},
        json_url=facets.search_url(params, "/api/search"),
        compare_url=facets.search_url([p for p in params if p[0] not in ("page", "sort")],
                                      "/compare"),
        suggestion_url=results.suggestion and facets.search_url(
            facets.replaced(params, "q", results.suggestion)))


def _chosen(results, params, archive) -> list[tuple[str, str]]:
    """The selected filters as `(label, url that removes it)`."""
    chosen = []
    for name, values in results.filters.items():
        for value in values:
            label = facets.label_of(name, value, archive.vocabulary, language())
            chosen.append((f"{facets.FACET_TITLES[name]}: {label}",
                           facets.search_url(facets.toggled(params, name, value))))
    return chosen


@bp.get("/language/<code>")
def choose_language(code: str):
    """The language switch: remember the reader's choice, and go back to the page."""
    if code not in i18n.LANGUAGES:
        abort(404)
    target = request.args.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # only pages of this archive
    response = redirect(target, 303)
    response.set_cookie(i18n.COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True)
    return response


@bp.get("/search.csv")
def search_csv():
    """Every matching testimony as CSV rows."""
    hits = get_archive().index.matching(_search_request(_params()))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        writer.writerow([hit.id, hit.title, hit.year, hit.post, hit.sector, hit.rank or "",
                         hit.country or "", hit.born or "", "; ".join(hit.left_with),
                         "; ".join(hit.motives), url_for("archive.testimony", testimony_id=hit.id,
                                                         _external=True)])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="testimonies.csv"'})


@bp.get("/export/<fmt>")
def export(fmt: str):
    """The matching records as a download in json, csv, csl-json, bibtex, ris, passages
    (a CSV of coded passages) or refi-qda (a REFI-QDA project, `.qdpx`)."""
    if fmt not in FORMATS:
        abort(404)
    mimetype, extension = FORMATS[fmt]
    request_ = _search_request(_params())
    text = export_text(get_archive(), dataclasses.replace(request_, page=1), fmt, permalink)
    return Response(text, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="testimonies.{extension}"'})


@bp.get("/api/search")
def api_search():
    """Search results in the JSON contract of `archive search --json`."""
    try:
        results = get_archive().index.search(_search_request(_params()))
    except QueryError as exc:
        return jsonify({"error": str(exc)}), 400
    g.listed = [hit.id for hit in results.hits]
    return jsonify(results_json(results, url_for("archive.testimony", testimony_id="x")[:-1]))


@bp.get("/t/<id:testimony_id>")
def testimony(testimony_id: str):
    """A testimony's page: body, metadata with links, sources, citation, related records."""
    archive = get_archive()
    stone = withdrawn(archive.paths.testimonies, testimony_id)
    if stone is not None:  # its id stays known; nothing else of it
        message = _("This testimony was withdrawn on %(date)s.", date=stone.withdrawn_on)
        return render_template("error.html", code=410, title=_("Withdrawn"),
                               message=message), 410
    record = reader_testimony(testimony_id)
    url = permalink(testimony_id)
    today, settings = dt.date.today(), archive.paths.settings
    vocabulary = archive.vocabulary
    evidence = [(passage, [(m, facets.search_url([("motive", m)])) for m in passage.motives],
                 citation.chicago(record, url, today, passage.paragraph, settings))
                for passage in passages(record.body, vocabulary)[1]]
    said = [(passage, [(m, facets.search_url([("motive", m)])) for m in passage.motives],
             f"?t={seconds(passage.start)}#cue-{passage.cue}", format_clock(passage.start))
            for passage in cue_plain_texts(record.media, vocabulary)[1]]
    return render_template(
        "testimony.html", t=record, url=url, evidence=evidence, said=said,
        player=playing.player(record, request.args.get("t"), vocabulary, language()),
        meta=metadata.meta_tags(record, url, settings),
        json_ld=metadata.json_ld(record, url, settings),
        body=Markup(render_markdown(record.body, record.language, anchors=True,
                                    motive_label=term_labels(vocabulary))),
        facts=_facts(record, archive), related=archive.index.related(testimony_id),
        citation=citation.chicago(record, url, today, archive=settings),
        saved=request.args.get("saved"))


def _facts(record, archive) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The metadata table: `(label, [(text, link or None), ...])` rows."""
    def link(name, value):
        return facets.search_url([(name, str(value))])

    other = "en" if language() == "ko" else "ko"
    value = facets.value_label
    born = record.born
    age, generation = person.age_at_departure(record), person.generation(born)
    rows = [(_("Year"), [(str(record.year), link("year", f"{record.year}..{record.year}"))]),
            (_("Post"), [(record.post, None)]),
            (_("Sector"), [(value("sector", record.sector), link("sector", record.sector))]),
            (_("Rank"), [(archive.vocabulary.rank_label(record.rank, language()),
                          link("rank", record.rank))] if record.rank else []),
            (_("Country"), [(country_name(record.country, language()),
                             link("country", record.country))] if record.country else []),
            (_("Motives"), [(f"{archive.vocabulary.label(m, language())} · "
                             f"{archive.vocabulary.label(m, other)}", link("motive", m))
                            for m in record.motives] or [(_("not stated"), None)]),
            (_("Name"), [(_("%(name)s (pseudonym)", name=record.name) if record.pseudonym
                          else record.name, None)] if record.name else []),
            (_("Also written"), [(a, None) for a in record.aliases]),
            (_("Left on"), [(record.defected_on, None)] if record.defected_on else []),
            (_("Gender"), [(value("gender", record.gender), link("gender", record.gender))]
             if record.gender else []),
            (_("Born"), [(str(born), link("generation", generation)),
                         (_("about %(age)s when they left", age=age),
                          link("age", person.age_band(age)))] if born is not None else []),
            (_("Left with"), [(value("left_with", who), link("left_with", who))
                              for who in record.left_with]),
            (_("Language"), [(value("language", record.language),
                              link("language", record.language))]),
            (_("Account"), [(value("account", record.account), link("account", record.account))]
             if record.account else []),
            (_("Tags"), [(tag, facets.search_url([("q", f'tag:"{tag}"')])) for tag in record.tags]),
            (_("Recorded"), [(_recorded(record), None)]
             if record.recorded_by or record.recorded_on else []),
            (_("Access"), [(value("access", record.access), None)])]
    return [(label, values) for label, values in rows if values]


@bp.get("/t/<id:testimony_id>.md")
def testimony_markdown(testimony_id: str):
    """The record as Markdown with front matter, in the view this mode may show."""
    from ..records.writing import format_testimony

    record = reader_testimony(testimony_id)
    return Response(format_testimony(record), mimetype="text/markdown",
                    headers={"Content-Disposition": f'inline; filename="{testimony_id}.md"'})


@bp.get("/t/<id:testimony_id>/cite.bib")
def cite_bibtex(testimony_id: str):
    """The BibTeX entry of a testimony."""
    return _citation(testimony_id, citation.bibtex, "application/x-bibtex", "bib")


@bp.get("/t/<id:testimony_id>/cite.json")
def cite_csl(testimony_id: str):
    """The CSL-JSON item of a testimony."""
    return _citation(testimony_id, citation.csl_json,
                     "application/vnd.citationstyles.csl+json", "json")


def _citation(testimony_id: str, make, mimetype: str, extension: str) -> Response:
    archive = get_archive()
    record = reader_testimony(testimony_id)
    return Response(make(record, permalink(testimony_id), dt.date.today(),
                         archive.paths.settings), mimetype=mimetype,
                    headers={"Content-Disposition":
                             f'attachment; filename="{testimony_id}.{extension}"'})


def permalink(testimony_id: str) -> str:
    """A record's permanent address: under the archive's base_url, else where it is served."""
    path = url_for("archive.testimony", testimony_id=testimony_id)
    return current_app.config["SETTINGS"].permalink(path, url_for(
        "archive.testimony", testimony_id=testimony_id, _external=True))


@bp.get("/api/t/<id:testimony_id>")
def api_testimony(testimony_id: str):
    """A record's fields and rendered body as JSON."""
    return jsonify(testimony_json(reader_testimony(testimony_id)))


def _recorded(record) -> str:
    """Who entered a record and when, the date written as the reader's language writes it."""
    when = format_date(dt.date.fromisoformat(record.recorded_on), "long") \
        if record.recorded_on else None
    if record.recorded_by and when:
        return _("%(who)s on %(date)s", who=record.recorded_by, date=when)
    return record.recorded_by or when
