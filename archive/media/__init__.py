"""Recordings made fit for an audience: the copy of a master in which every passage the
audience may not hear is silenced (video: blanked and muted), with the same duration and
no metadata, named by a fingerprint so that a stale copy is never served.

`tools` finds ffmpeg (the one bundled in the imageio-ffmpeg wheel, or the system's) and
says its version; `deriving` computes the copies (WAV in pure Python, sample-exact; other
formats through ffmpeg) and keeps them in a folder outside the records, beside the index.
`wording` reads a plain transcript as passages and words, and `aligning` computes their
draft cue times in the recording with pocketsphinx (English only). The wing reads records
and knows nothing of the index, the web or the command line.
"""
