"""The record format: a Markdown file with YAML front matter becomes a `Testimony`.

Reading and writing record files (`testimony`, `writing`), their validation with lines
(`validation`), coded passages (`coding`), the motives' thesaurus (`vocabulary`), what each
audience may see (`redaction`), Markdown rendered safely (`rendering`), names in Hangul
romanised (`romanisation`), and the archive's folder of records (`collection`).
Everything above builds on this wing; it imports nothing of theirs.
"""
