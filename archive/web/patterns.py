"""The comparison pages: `/compare` (a heatmap and its table), `/compare.csv` and
`/api/compare`. Routes only; the counting is `search.comparing`'s, the drawing `heatmap`'s."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, render_template, request

from ..errors import QueryError
from ..search import comparing
from ..search.requests import PARAMS, request_from_params
from . import charts, facets, heatmap
from .i18n import language, lazy_gettext
from .pages import reference_of
from .readers import reader_archive

bp = Blueprint("patterns", __name__)
BY_LABELS = {"period": lazy_gettext("period"), "sector": lazy_gettext("sector"),
             "country": lazy_gettext("country"), "account": lazy_gettext("account"),
             "gender": lazy_gettext("gender"), "language": lazy_gettext("language"),
             "rank": lazy_gettext("rank"), "left_with": lazy_gettext("who left with them"),
             "generation": lazy_gettext("generation"),
             "age": lazy_gettext("age when they left"),
             "motive": lazy_gettext("motives stated together")}


# What a testimony says that a comparison's columns are made of, as a sentence says it.
SAYS = {"sector": lazy_gettext("their sector"), "country": lazy_gettext("their country"),
        "account": lazy_gettext("how their testimony reached the archive"),
        "gender": lazy_gettext("their gender"), "language": lazy_gettext("its language"),
        "rank": lazy_gettext("their rank"), "left_with": lazy_gettext("who left with them"),
        "generation": lazy_gettext("their year of birth"),
        "age": lazy_gettext("their year of birth")}


def _params() -> list[tuple[str, str]]:
    """The search parameters of this request, in order, empty values dropped."""
    return [(k, v) for k, v in request.args.items(multi=True) if k in PARAMS and v.strip()]


def _comparison():
    """The comparison this request asks for (QueryError for a bad parameter), periods beside
    the archive's reference series when it has a usable one."""
    by, period = comparing.check_parameters(request.args.get("by"), request.args.get("period"))
    search = request_from_params(_params())
    archive = reader_archive()
    return comparing.compare(archive.index, search, by, period, reference_of(archive)[0])


@bp.get("/compare")
def compare():
    """Motives across periods or groups for any search: a heatmap, the table beside it."""
    params, archive = _params(), reader_archive()
    labels = dict(params).get("labels", language())
    try:
        comparison = _comparison()
    except QueryError as exc:
        return render_template("compare.html", error=str(exc), params=params), 400
    period = [("period", str(comparison.period))] if comparison.period else []
    here = params + [("by", comparison.by)] + period
    return render_template(
        "compare.html", error=None, comparison=comparison, params=params, labels=labels,
        map=heatmap.heatmap(comparison, params, archive.vocabulary, labels),
        by_links=[(label, facets.search_url(params + [("by", by)], "/compare"),
                   by == comparison.by) for by, label in BY_LABELS.items()],
        search_url=facets.search_url(params),
        filters=[(facets.FACET_TITLES[name], " / ".join(
            facets.label_of(name, value, archive.vocabulary, labels) for value in values))
            for name, values in comparison.filters.items()],
        says=SAYS.get(comparison.by, BY_LABELS[comparison.by]),
        reference=comparison.reference and comparison.reference.label(labels),
        documented=charts.documented_cells(comparison) if comparison.reference else [],
        csv_url=facets.search_url(here, "/compare.csv"),
        json_url=facets.search_url(here, "/api/compare"))


@bp.get("/compare.csv")
def compare_csv():
    """The comparison's table as CSV: each column's count and share, and the totals."""
    try:
        comparison = _comparison()
    except QueryError as exc:
        return Response(f"Error: {exc}.\n", status=400, mimetype="text/plain")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(comparing.comparison_rows(comparison))
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="compare.csv"'})


@bp.get("/api/compare")
def api_compare():
    """The comparison as JSON: columns with their totals, rows with counts and shares."""
    try:
        return jsonify(comparing.comparison_json(_comparison()))
    except QueryError as exc:
        return jsonify({"error": str(exc)}), 400
