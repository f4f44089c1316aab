"""The commands of search: `archive search` and `archive compare`."""

from __future__ import annotations

import csv
import io
import json

import click

from .. import service
from ..search import comparing
from ..search.comparing import BY, DEFAULT_PERIOD, MAX_PERIOD
from ..search.searching import FACETS, SORTS, SearchRequest
from .common import audience_of, audience_options, filter_options, text_argument


@click.command()
@click.argument("words", nargs=-1)
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
              help=f"Narrow by {', '.join(FACETS)} (year as FROM..TO); repeat for more.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@audience_options
@click.pass_obj
def search(paths, words, filters, sort, limit, page, as_json, audience, private):
    """Search the archive: QUERY uses AND, OR, NOT, "phrases", field:value and year:[A TO B]."""
    request = SearchRequest(text_argument(" ".join(words)), filter_options(filters), sort, page, limit)
    archive = service.open_archive(paths, audience_of(audience, private), build=True)
    results = archive.index.search(request)
    if as_json:
        click.echo(json.dumps(service.results_json(results, "/t/"), ensure_ascii=False, indent=2))
    else:
        click.echo(service.results_text(results))


@click.command()
@click.argument("words", nargs=-1)
@click.option("--by", type=click.Choice(BY), default="period", show_default=True,
              help="Columns: periods, a facet's values, or the motives (stated together).")
@click.option("--period", type=click.IntRange(1, MAX_PERIOD), default=DEFAULT_PERIOD,
              show_default=True, help="Years per period, aligned to multiples of it.")
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
              help="Narrow as in `archive search`.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of /api/compare.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the table as CSV.")
@audience_options
@click.pass_obj
def compare(paths, words, by, period, filters, as_json, as_csv, audience, private):
    """Compare the motives of the testimonies a search matches across periods or groups."""
    archive = service.open_archive(paths, audience_of(audience, private), build=True)
    request = SearchRequest(text_argument(" ".join(words)), filter_options(filters))
    comparison = comparing.compare(archive.index, request, by, period, archive.reference())
    if as_json:
        click.echo(json.dumps(comparing.comparison_json(comparison), ensure_ascii=False, indent=2))
    elif as_csv:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(comparing.comparison_rows(comparison))
        click.echo(out.getvalue(), nl=False)
    else:
        click.echo(comparing.comparison_text(comparison))
