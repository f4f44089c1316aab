"""Tests of the exchange wing: imports and exports, embedded metadata and OAI-PMH."""
