"""The commands of recordings: `archive align`, draft cue times for a plain transcript."""

from __future__ import annotations

from pathlib import Path

import click

from ..history.aligned import confirm_alignment, record_to_align, save_alignment, transcript_text
from ..media.aligning import align as align_recording
from ..media.aligning import decoder_class
from ..media.wording import read_passages_file
from ..records.webvtt import format_clock
from ..search.indexing import describe


@click.command()
@click.argument("testimony_id", metavar="ID")
@click.option("--transcript", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The plain transcript: passages separated by blank lines, each may open "
                   "with its speaker ('Kim: ...').")
@click.option("--dry-run", is_flag=True, help="Print the cues as WebVTT; write nothing.")
@click.option("--replace", is_flag=True,
              help="Write over a transcript whose times were set or confirmed by a person.")
@click.option("--confirm", is_flag=True,
              help="Mark the record's draft times as confirmed, once you have listened.")
@click.pass_obj
def align(paths, testimony_id, transcript, dry_run, replace, confirm):
    """Compute the cue times of a plain transcript in the record's recording (English,
    with pocketsphinx) and write them as its WebVTT transcript, marked `aligned: draft`."""
    if confirm:
        if transcript or dry_run or replace:
            raise click.UsageError("--confirm takes no other option.")
        saved = confirm_alignment(paths.testimonies, paths.index, testimony_id)
        click.echo(f"The cue times of '{testimony_id}' are confirmed. {describe(saved.index)}")
        return
    if transcript is None:
        raise click.UsageError("give the plain transcript with --transcript FILE (or "
                               "--confirm to confirm draft times).")
    decoder_class()  # says how to install pocketsphinx before anything else is read
    path, testimony = record_to_align(paths.testimonies, testimony_id, replace or dry_run)
    passages = read_passages_file(transcript)
    cues = align_recording(testimony.media.master_path(), passages)
    spelled = sum(cue.spelled for cue in cues)
    summary = (f"'{testimony_id}': {len(cues)} cue{'s' if len(cues) != 1 else ''} aligned, "
               f"{sum(cue.words for cue in cues)} words ({spelled} spelled from letters), "
               f"the last ending at {format_clock(cues[-1].end)}")
    if dry_run:
        click.echo(transcript_text(testimony, cues))
        click.echo(f"{summary}; nothing written (--dry-run).", err=True)
        return
    saved = save_alignment(paths.testimonies, paths.index, path, testimony, cues)
    click.echo(f"{summary}; wrote {testimony.media.transcript or f'media/{testimony_id}.vtt'} "
               f"with aligned: draft: listen, correct, then confirm with archive align "
               f"{testimony_id} --confirm. {describe(saved.index)}")
