"""The command of suggestions: `archive suggest`, a few lines over the suggesting wing."""

from __future__ import annotations

import json

import click

from ..errors import ArchiveError
from ..records.collection import vocabulary_for
from ..suggesting.suggester import MIN_CODED, in_context, rank_motive
from .common import audience_of, audience_options


@click.command()
@click.option("--motive", required=True, help="A motive: a term, an alias or a Korean label.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@audience_options
@click.pass_obj
def suggest(paths, motive, limit, as_json, audience, private):
    """Rank the uncoded sentences of every record that may state a motive, learned from the
    passages already coded with it (and those rejected)."""
    vocabulary = vocabulary_for(paths.testimonies)
    term = vocabulary.normalise(motive)
    if term is None:
        raise ArchiveError(f"'{motive}' is not a motive of testimonies/vocabulary.yaml.")
    audience = audience_of(audience, private)
    ranking = rank_motive(paths.testimonies, paths.index, term, audience, limit)
    shown = [in_context(paths.testimonies, s, audience, vocabulary) for s in ranking.suggestions]
    if as_json:
        click.echo(json.dumps({
            "motive": term, "coded": ranking.coded, "coded_by_people": ranking.coded_by_people,
            "rejected": ranking.rejected, "ranked": ranking.ranked, "enough": ranking.enough,
            "suggestions": [{"id": c.suggestion.record, "paragraph": c.suggestion.paragraph,
                             "url": f"/t/{c.suggestion.record}#p-{c.suggestion.paragraph}",
                             "text": c.text, "score": round(c.suggestion.score, 4),
                             "key": c.suggestion.key, "title": c.title} for c in shown]},
            ensure_ascii=False))
        return
    if not ranking.enough:
        click.echo(f"'{term}' has {ranking.coded} coded passages; suggestions need at least "
                   f"{MIN_CODED}. Code a few more passages that state it, then ask again.")
        return
    click.echo(f"Suggestions for '{term}', learned from {ranking.coded} coded passages "
               f"and {ranking.rejected} rejected ({ranking.ranked} sentences ranked):")
    for number, c in enumerate(shown, start=1):
        click.echo(f"\n{number}. {c.suggestion.record} ¶{c.suggestion.paragraph}  "
                   f"(score {c.suggestion.score:.2f})\n   {c.text}")
