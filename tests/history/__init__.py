"""Tests of the history wing: saving edits, git history, withdrawal, watching and sync."""
