"""Tests of the command line, and of an archive of one's own run from it."""
