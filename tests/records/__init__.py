"""Tests of the records wing: reading, validating, coding, redacting and rendering records."""
