"""The commands of records: `archive validate`, `archive show` and `archive new`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import service
from ..exchange.interviews import ohms_xml, vtt_of
from ..history.editing import create_record
from ..errors import InvalidReference
from ..records.collection import display_path, read_archive, record_files, vocabulary_for
from ..records.reference import REFERENCE_FILE, load_reference
from ..records.validation import LEFT_WITH, SECTORS
from ..web.forms import slug, testimony_from_form
from .common import audience_of, audience_options


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def validate(paths_obj, paths):
    """Check record files (default: the whole archive, and its reference series) against
    the record format."""
    series = [p for p in paths if p.name == REFERENCE_FILE]
    paths = [p for p in paths if p.name != REFERENCE_FILE]
    reference_ok = True
    if series or not paths:
        for folder in [p.parent for p in series] or [paths_obj.testimonies]:
            try:
                found = load_reference(folder)
            except InvalidReference as problems:
                click.echo(str(problems), err=True)
                reference_ok = False
                continue
            if found is not None:
                years = len(found.years)
                click.echo(f"The reference series ({found.series}) is valid: {years} "
                           f"year{'s' if years != 1 else ''}.")
        if series and not paths:
            sys.exit(0 if reference_ok else 1)
    files = [f for p in paths for f in (record_files(p) if p.is_dir() else [p])] if paths else None
    report = read_archive(paths_obj.testimonies, vocabulary_for(paths_obj.testimonies), files)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    valid = len(report.testimonies)
    if report.invalid:
        click.echo(f"{len(report.invalid)} of {valid + len(report.invalid)} records are "
                   "invalid.", err=True)
        sys.exit(1)
    click.echo(f"All {valid} records are valid.")
    if not reference_ok:
        sys.exit(1)


@click.command()
@click.argument("testimony_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.option("--transcript", "as_vtt", is_flag=True,
              help="Print the recording's transcript as WebVTT.")
@click.option("--ohms", "as_ohms", is_flag=True,
              help="Print the record, its index and transcript as OHMS XML.")
@audience_options
@click.pass_obj
def show(paths, testimony_id, as_json, as_vtt, as_ohms, audience, private):
    """Show one testimony by its id (or its transcript, as WebVTT or OHMS XML)."""
    testimony = service.get_testimony(paths, testimony_id, audience_of(audience, private))
    if (as_vtt or as_ohms) and testimony.media is None:
        raise click.ClickException(f"The testimony '{testimony_id}' has no recording.")
    if as_vtt:
        click.echo(vtt_of(testimony), nl=False)
    elif as_ohms:
        base_url = paths.settings.base_url or f"http://127.0.0.1:{paths.settings.port}"
        url = f"{base_url.rstrip('/')}/t/{testimony_id}"
        click.echo(ohms_xml(testimony, url, paths.settings).decode("utf-8"))
    elif as_json:
        click.echo(json.dumps(service.testimony_json(testimony), ensure_ascii=False, indent=2))
    else:
        click.echo(service.testimony_text(testimony))


@click.command()
@click.option("--id", "testimony_id", help="The record's id (default: from the title and year).")
@click.option("--title")
@click.option("--year")
@click.option("--post")
@click.option("--sector", help=f"One of {', '.join(SECTORS)}.")
@click.option("--motive", "motives", multiple=True,
              help="A motive by term, alias or Korean label; repeat, or separate with commas.")
@click.option("--country")
@click.option("--name")
@click.option("--pseudonym/--real-name", default=None, help="Whether the name is a pseudonym.")
@click.option("--gender", type=click.Choice(["female", "male", "unknown"]))
@click.option("--rank", help="A rank of the vocabulary (elite, mid-level, ordinary), an alias "
                             "or its Korean label.")
@click.option("--born", help="The year of birth.")
@click.option("--left-with", "left_with", multiple=True,
              help=f"Who left with the person: {', '.join(LEFT_WITH)} (repeat it, or separate "
                   "with commas).")
@click.option("--language", default="en", show_default=True)
@click.option("--summary")
@click.option("--tag", "tags", multiple=True)
@click.option("--access", type=click.Choice(["public", "researchers", "archivists", "restricted"]),
              default=None,
              help="Who may read it [default: the archive's default_access, restricted unless "
                   "archive.toml says public].")
@click.option("--body", help="The testimony's text (Markdown).")
@click.option("--edit", "edit_body", is_flag=True, help="Write the body in $EDITOR.")
@click.option("--no-input", is_flag=True, help="Never prompt; fail if a required field is missing.")
@click.pass_obj
def new(paths, testimony_id, edit_body, no_input, **fields):
    """Add a testimony: prompts for what the options do not give, then writes a valid record."""
    vocabulary = vocabulary_for(paths.testimonies)
    for name in ("title", "year", "post", "sector"):
        if not fields[name] and not no_input:
            fields[name] = click.prompt(name.capitalize())
    if not fields["motives"] and not no_input:
        fields["motives"] = (click.prompt("Motives (comma-separated, Enter for none)",
                                          default="", show_default=False),)
    if edit_body:
        fields["body"] = click.edit(fields["body"] or "\n", extension=".md") or fields["body"]
    testimony_id = testimony_id or slug(fields["title"] or "", fields["year"] or "")
    fields["access"] = fields["access"] or paths.settings.default_access
    result = testimony_from_form(form_values(fields), testimony_id, vocabulary)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.testimony is None:
        raise click.ClickException("Nothing was written; correct the values above.")
    saved = create_record(paths.testimonies, paths.index, result.testimony)
    click.echo(f"Wrote {display_path(saved.path)}; it is in the index.")
    if result.testimony.audience == "researchers":
        click.echo("It is for researchers: the public sees only its title, year, post, "
                   "sector, country and motives (--access public publishes it).", err=True)
    elif result.testimony.audience == "archivists":
        click.echo("It is restricted: only archivists read it; the public and researchers see "
                   "only its title, year, post, sector, country and motives (--access public "
                   "publishes it).", err=True)


def form_values(fields: dict) -> dict[str, list[str]]:
    """Command-line options as the values of the record form."""
    values = {name: [str(value)] for name, value in fields.items()
              if value not in (None, ()) and not isinstance(value, tuple)}
    values["motives"] = list(fields.get("motives") or ())
    values["tags"] = list(fields.get("tags") or ())
    values["left_with"] = list(fields.get("left_with") or ())
    if fields.get("pseudonym"):
        values["pseudonym"] = ["on"]
    return values
